// SPDX-License-Identifier: GPL-3.0-or-later
#include "gather.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/crypto/agent.hpp>
#include <peermail/crypto/key_judge.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/crypto/passphrase.hpp>
#include <peermail/policy/checklist.hpp>
#include <peermail/protect/keys.hpp>
#include <peermail/transport/helo.hpp>
#include <peermail/transport/transport.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <curl/curl.h>
#include <fmt/core.h>
#include <gpgme.h>
#include <openssl/crypto.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <sstream>

namespace peermail::check {

namespace {

policy::FileFacts
stat_file(const std::string& path)
{
  policy::FileFacts f;
  f.path = path;
  struct stat st
  {
  };
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    f.is_symlink = true;
  }
  if (::stat(path.c_str(), &st) != 0) {
    return f;
  }
  f.exists = true;
  f.is_dir = S_ISDIR(st.st_mode);
  f.mode = st.st_mode & 07777;
  f.owned_by_user = st.st_uid == ::geteuid();
  return f;
}

std::optional<std::string>
read_optional(const std::string& path)
{
  auto r = util::read_file(path, 1 << 20);
  if (!r) {
    return std::nullopt;
  }
  return std::move(*r);
}

std::string
parent_dir(const std::string& path)
{
  auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// Ask gpg-agent (without starting one) how the signing key's secret parts are
// stored: true when all are protected or on a card, false when any is in the
// clear, unset when unknown (crypto::agent_key_state, the one KEYINFO reader).
std::optional<bool>
agent_protection(const std::string& home, const crypto::KeyFacts& key)
{
  const auto st = crypto::agent_key_state(home, key, crypto::AgentStart::no, crypto::KeyParts::all);
  if (st.clear) {
    return false;
  }
  if (!st.protected_) {
    return std::nullopt;
  }
  return true;
}

policy::Versions
versions()
{
  policy::Versions v;
  if (const char* g = gpgme_check_version(nullptr); g != nullptr) {
    v.gpgme = g;
  }
  gpgme_engine_info_t info = nullptr;
  if (gpgme_get_engine_info(&info) == 0) {
    for (auto* e = info; e != nullptr; e = e->next) {
      if (e->protocol == GPGME_PROTOCOL_OpenPGP && e->version != nullptr) {
        v.gnupg = e->version;
      }
    }
  }
  v.openssl = OpenSSL_version(OPENSSL_VERSION);
  if (const auto* c = curl_version_info(CURLVERSION_NOW); c != nullptr && c->version != nullptr) {
    v.libcurl = c->version;
  }
  return v;
}

} // namespace

Preflight
preflight(const config::Config& cfg)
{
  Preflight p;
  if (!cfg.audit.path.empty()) {
    auto ok = audit::check_log_file(cfg.audit.path);
    if (ok) {
      ok = audit::AuditLog::check_writable(cfg.audit.path);
    }
    if (!ok) {
      p.audit = ok.error();
    }
  }
  if (!cfg.accounts.empty()) {
    if (auto t = transport::check_tls_files(cfg.account()); !t) {
      Error e = t.error();
      if (!cfg.account().ca_file.empty()) {
        e.message =
          fmt::format("{}: {}", cfg.where("account." + cfg.account().name + ".ca_file"), e.message);
      }
      p.tls_files = std::move(e);
    }
  }
  return p;
}

void
gather_smime(const config::Config& cfg,
             const std::string& home,
             const GatherOptions& opts,
             policy::Facts& f)
{
  const bool any_peer = std::any_of(cfg.peers.begin(), cfg.peers.end(), [](const auto& p) {
    return p.protocol == config::PeerProtocol::smime;
  });
  if (!any_peer && cfg.identity.smime_cert.empty()) {
    return;
  }
  // gpgsm is opened only for a certificate the run has not judged yet.
  protect::SmimeFactory make = opts.make_smime;
  if (!make) {
    make = [&cfg, &home]() { return protect::SmimeProtector::create(cfg, home, false); };
  }
  auto smime = protect::judge_once(opts.smime_judgements, cfg, home, std::move(make));
  // As send judges: now = 0 is the current time (and the run's judgements
  // are kept under it).
  const auto kp = protect::key_policy(cfg, opts.now);
  // An engine or anchor failure refuses every certificate, with its reason.
  const auto judged = [](Result<crypto::KeyJudgement> j, const std::string& address) {
    if (j) {
      return std::move(*j);
    }
    crypto::KeyJudgement r;
    r.address = address;
    return crypto::with_problem(std::move(r),
                                crypto::KeyProblem::invalid,
                                j.error().check_id.empty() ? "KEY-03" : j.error().check_id,
                                j.error().message,
                                j.error().fix);
  };
  const auto& id = cfg.identity;
  if (!id.smime_cert.empty()) {
    f.smime_signer =
      policy::KeyCheck{"S/MIME certificate",
                       id.address,
                       judged(smime->judge_signer(id.smime_cert, id.address, kp), id.address)};
  }
  for (const auto& p : cfg.peers) {
    if (p.protocol != config::PeerProtocol::smime) {
      continue;
    }
    f.peers.push_back(
      policy::KeyCheck{"S/MIME peer",
                       p.address,
                       judged(smime->judge_recipient(p.fingerprint, p.address, kp), p.address)});
  }
}

policy::Facts
gather(const config::Config& cfg, const GatherOptions& opts)
{
  policy::Facts f;
  f.config = &cfg;
  f.now = opts.now != 0 ? opts.now : static_cast<std::int64_t>(std::time(nullptr));
  f.versions = versions();

  if (!cfg.accounts.empty()) {
    f.helo = transport::describe(transport::helo_name(cfg.account()));
  }
  if (!cfg.accounts.empty() && !cfg.account().ca_file.empty()) {
    f.ca_file = stat_file(cfg.account().ca_file);
  }
  if (!cfg.audit.path.empty()) {
    f.audit_file = stat_file(cfg.audit.path);
    f.audit_dir = stat_file(parent_dir(cfg.audit.path));
  }
  auto pre = preflight(cfg);
  f.audit_file_problem = std::move(pre.audit);
  f.tls_files_problem = std::move(pre.tls_files);

  std::string home = opts.gnupg_home;
  if (home.empty()) {
    auto it = opts.env.find("GNUPGHOME");
    if (it != opts.env.end() && !it->second.empty()) {
      home = it->second;
    }
  }
  std::string home_path = home;
  if (home_path.empty()) {
    auto it = opts.env.find("HOME");
    if (it != opts.env.end()) {
      home_path = it->second + "/.gnupg";
    }
  }
  if (!home_path.empty()) {
    f.gnupg_home = stat_file(home_path);
    f.gpg_conf = read_optional(home_path + "/gpg.conf");
    f.gpg_agent_conf = read_optional(home_path + "/gpg-agent.conf");
    const std::string priv = home_path + "/private-keys-v1.d";
    if (DIR* d = ::opendir(priv.c_str()); d != nullptr) {
      while (const dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") {
          continue;
        }
        f.private_key_files.push_back(stat_file(priv + "/" + name));
      }
      ::closedir(d);
    }
  }

  auto kr = crypto::Keyring::open(home);
  if (!kr) {
    f.keyring_error = kr.error().message;
    return f;
  }
  // The same key plan as send, batch and encrypt (protect_keys.hpp).
  const auto kp = protect::key_policy(cfg, f.now);
  auto plan = protect::judge_key_plan(**kr, cfg, !cfg.identity.signing_key.empty(), true, kp);
  if (!plan) {
    f.keyring_error = plan.error().message;
    return f;
  }
  if (plan->signer) {
    f.signer = policy::KeyCheck{"signing key", cfg.identity.address, std::move(*plan->signer)};
    if (opts.query_agent && f.signer->judgement.key && f.signer->judgement.key->has_secret) {
      f.secret_key_protected = agent_protection(home, *f.signer->judgement.key);
    }
  }
  if (plan->self) {
    f.self = policy::KeyCheck{"own key", cfg.identity.address, std::move(*plan->self)};
  }
  if (plan->archive) {
    f.archive = policy::KeyCheck{"archive key", "", std::move(*plan->archive)};
  }
  for (const auto& p : cfg.peers) {
    if (p.protocol == config::PeerProtocol::smime) {
      continue; // judged as a certificate below
    }
    auto j = protect::judge_recipient(**kr, cfg, p.address, kp);
    if (!j) {
      f.keyring_error = j.error().message;
      return f;
    }
    f.peers.push_back(policy::KeyCheck{"peer", p.address, std::move(*j)});
  }
  gather_smime(cfg, home, opts, f);
  return f;
}

Result<void>
require_offline_checklist(const config::Config& cfg, GatherOptions opts)
{
  // gpg-agent is not asked: sending must not depend on whether an agent
  // happens to be running (passphrase protection stays a `check` finding).
  opts.query_agent = false;
  const auto facts = gather(cfg, opts);
  // An audit log the sender may not use keeps its own exit code (77).
  if (facts.audit_file_problem) {
    return unexpected(*facts.audit_file_problem);
  }
  // So does a TLS file the session could not load (78, naming the setting).
  if (facts.tls_files_problem) {
    return unexpected(*facts.tls_files_problem);
  }
  return policy::require_no_fail(policy::evaluate(facts));
}

} // namespace peermail::check
