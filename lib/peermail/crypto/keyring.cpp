// SPDX-License-Identifier: GPL-3.0-or-later
#include "keyring.hpp"

#include <peermail/crypto/agent.hpp>
#include <peermail/crypto/context.hpp>
#include <peermail/crypto/key_judge.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace peermail::crypto {

std::string_view
to_string(KeyProblem p)
{
  switch (p) {
  case KeyProblem::none:
    return "none";
  case KeyProblem::missing:
    return "missing";
  case KeyProblem::pin_mismatch:
    return "pin_mismatch";
  case KeyProblem::uid_mismatch:
    return "uid_mismatch";
  case KeyProblem::revoked:
    return "revoked";
  case KeyProblem::expired:
    return "expired";
  case KeyProblem::disabled:
    return "disabled";
  case KeyProblem::invalid:
    return "invalid";
  case KeyProblem::no_usable_subkey:
    return "no_usable_subkey";
  case KeyProblem::weak:
    return "weak";
  case KeyProblem::validity:
    return "validity";
  case KeyProblem::no_secret:
    return "no_secret";
  }
  return "none";
}

namespace {

std::string
str(const char* s)
{
  return s != nullptr ? std::string(s) : std::string();
}

// Return the address part of a user ID when GPGME did not parse one.
std::string
address_of(gpgme_user_id_t u)
{
  if (u->address != nullptr && *u->address != '\0') {
    return util::to_lower(u->address);
  }
  if (u->email != nullptr && *u->email != '\0') {
    return util::to_lower(u->email);
  }
  return {};
}

} // namespace

KeyFacts
to_facts(gpgme_key_t k)
{
  KeyFacts f;
  f.fingerprint = util::normalize_fingerprint(str(k->fpr != nullptr       ? k->fpr
                                                  : k->subkeys != nullptr ? k->subkeys->fpr
                                                                          : nullptr));
  f.revoked = k->revoked != 0;
  f.expired = k->expired != 0;
  f.disabled = k->disabled != 0;
  f.invalid = k->invalid != 0;
  f.has_secret = k->secret != 0;
  f.owner_trust = static_cast<int>(k->owner_trust);
  for (gpgme_subkey_t s = k->subkeys; s != nullptr; s = s->next) {
    SubkeyFacts sf;
    sf.fingerprint = util::normalize_fingerprint(str(s->fpr));
    if (char* a = gpgme_pubkey_algo_string(s); a != nullptr) {
      sf.algo = a;
      gpgme_free(a);
    }
    sf.length = s->length;
    sf.curve = str(s->curve);
    sf.can_sign = s->can_sign != 0;
    sf.can_encrypt = s->can_encrypt != 0;
    sf.can_certify = s->can_certify != 0;
    sf.revoked = s->revoked != 0;
    sf.expired = s->expired != 0;
    sf.disabled = s->disabled != 0;
    sf.invalid = s->invalid != 0;
    sf.secret = s->secret != 0;
    sf.is_cardkey = s->is_cardkey != 0;
    sf.created = s->timestamp;
    sf.expires = s->expires;
    sf.keygrip = str(s->keygrip);
    f.subkeys.push_back(std::move(sf));
  }
  for (gpgme_user_id_t u = k->uids; u != nullptr; u = u->next) {
    UidFacts uf;
    uf.uid = str(u->uid);
    uf.address = address_of(u);
    uf.validity = static_cast<int>(u->validity);
    uf.revoked = u->revoked != 0;
    uf.invalid = u->invalid != 0;
    f.uids.push_back(std::move(uf));
  }
  return f;
}

namespace {

class GpgmeKeyring final : public Keyring
{
public:
  GpgmeKeyring(std::string home, Ctx ctx)
    : m_home(std::move(home)),
      m_ctx(std::move(ctx))
  {
  }

  Result<KeyJudgement>
  judge_recipient(const std::string& address,
                  const std::optional<std::string>& pinned,
                  const KeyPolicy& policy) override
  {
    const std::string addr = util::to_lower(address);
    const std::string cache_key = fmt::format("{}\n{}\n{}\n{}\n{}",
                                              addr,
                                              pinned ? util::normalize_fingerprint(*pinned) : "-",
                                              policy.min_rsa_bits,
                                              policy.expiry_warning_days,
                                              policy.now);
    if (auto it = m_judged.find(cache_key); it != m_judged.end()) {
      return it->second;
    }
    PEERMAIL_TRY(load_public());
    std::vector<KeyFacts> candidates;
    std::set<std::size_t> seen;
    auto [lo, hi] = m_by_address.equal_range(addr);
    for (auto it = lo; it != hi; ++it) {
      if (seen.insert(it->second).second) {
        candidates.push_back(m_public[it->second]);
      }
    }
    if (pinned) {
      if (auto it = m_by_fpr.find(util::normalize_fingerprint(*pinned)); it != m_by_fpr.end()) {
        if (seen.insert(it->second).second) {
          candidates.push_back(m_public[it->second]);
        }
      }
    }
    KeyJudgement j = choose_recipient_key(candidates, addr, pinned, policy);
    m_judged.emplace(cache_key, j);
    return j;
  }

  Result<KeyJudgement>
  judge_signer(const std::string& fingerprint,
               const std::string& address,
               const KeyPolicy& policy) override
  {
    const std::string fpr = util::normalize_fingerprint(fingerprint);
    PEERMAIL_TRY(load_secret());
    const KeyFacts* key = nullptr;
    for (const auto& k : m_secret) {
      if (k.fingerprint == fpr) {
        key = &k;
        break;
      }
    }
    if (key == nullptr && !fpr.empty()) {
      // Public part only: report the missing secret, not a missing key.
      PEERMAIL_TRY(load_public());
      if (auto it = m_by_fpr.find(fpr);
          it != m_by_fpr.end() && m_public[it->second].fingerprint == fpr) {
        KeyFacts pub = m_public[it->second];
        pub.has_secret = false;
        KeyJudgement j = judge_signer_key(&pub, fpr, util::to_lower(address), policy);
        // Asked only after GnuPG found no secret key: GnuPG starts the agent
        // itself when it may, so a missing agent then means it cannot run.
        if (j.problem == KeyProblem::no_secret && !agent_running(m_home)) {
          // Without its agent GnuPG lists no secret keys at all: name the
          // real cause rather than blame the keyring.
          j.reason = fmt::format(
            "the gpg-agent is not running and could not be started, so "
            "the secret part of signing key {} cannot be used",
            fpr);
          j.fix =
            "start it (gpgconf --launch gpg-agent; check gpg.conf for no-autostart), "
            "then try again";
        }
        return j;
      }
    }
    return judge_signer_key(key, fpr, util::to_lower(address), policy);
  }

  Result<std::vector<KeyFacts>>
  list(bool secret) override
  {
    if (secret) {
      PEERMAIL_TRY(load_secret());
      return m_secret;
    }
    PEERMAIL_TRY(load_public());
    return m_public;
  }

  Result<std::vector<std::string>>
  import(const std::string& data) override
  {
    PEERMAIL_TRY_ASSIGN(auto d, make_data(data));
    if (auto e = gpgme_op_import(m_ctx.get(), d.get()); e != 0) {
      if (gpgme_err_code(e) == GPG_ERR_NO_DATA) {
        return fail(Errc::data,
                    "no OpenPGP key data found",
                    "",
                    "pass an exported public key (gpg --export --armor FPR)");
      }
      return unexpected(from_gpgme(e, "importing keys"));
    }
    gpgme_import_result_t r = gpgme_op_import_result(m_ctx.get());
    if (r == nullptr || r->considered == 0) {
      return fail(Errc::data,
                  "no OpenPGP key data found",
                  "",
                  "pass an exported public key (gpg --export --armor FPR)");
    }
    std::vector<std::string> fprs;
    for (gpgme_import_status_t s = r->imports; s != nullptr; s = s->next) {
      if (s->result != 0 || s->fpr == nullptr) {
        continue;
      }
      std::string f = util::normalize_fingerprint(s->fpr);
      if (std::find(fprs.begin(), fprs.end(), f) == fprs.end()) {
        fprs.push_back(std::move(f));
      }
    }
    if (fprs.empty()) {
      return fail(Errc::data,
                  "no usable OpenPGP key in the input",
                  "",
                  "pass an exported public key (gpg --export --armor FPR)");
    }
    // The keyring changed: forget what was listed and judged.
    m_public_loaded = false;
    m_secret_loaded = false;
    m_judged.clear();
    return fprs;
  }

  const std::string&
  home() const override
  {
    return m_home;
  }

private:
  std::string m_home;
  Ctx m_ctx;
  bool m_public_loaded = false;
  bool m_secret_loaded = false;
  std::vector<KeyFacts> m_public;
  std::vector<KeyFacts> m_secret;
  std::multimap<std::string, std::size_t> m_by_address; // lower-case address → m_public index
  std::map<std::string, std::size_t> m_by_fpr;          // primary and subkey fpr → index
  std::map<std::string, KeyJudgement> m_judged;

  Result<std::vector<KeyFacts>>
  list_keys(bool secret)
  {
    gpgme_ctx_t c = m_ctx.get();
    gpgme_set_keylist_mode(c, GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_WITH_KEYGRIP);
    if (auto e = gpgme_op_keylist_start(c, nullptr, secret ? 1 : 0); e != 0) {
      return unexpected(from_gpgme(e, secret ? "listing secret keys" : "listing keys"));
    }
    std::vector<KeyFacts> out;
    for (;;) {
      gpgme_key_t raw = nullptr;
      auto e = gpgme_op_keylist_next(c, &raw);
      if (e != 0) {
        if (gpgme_err_code(e) == GPG_ERR_EOF) {
          break;
        }
        gpgme_op_keylist_end(c);
        return unexpected(from_gpgme(e, secret ? "listing secret keys" : "listing keys"));
      }
      Key key(raw);
      if (key->protocol != GPGME_PROTOCOL_OpenPGP) {
        continue;
      }
      out.push_back(to_facts(key.get()));
    }
    gpgme_op_keylist_end(c);
    return out;
  }

  // List every public key once per run (one gpg invocation, however many
  // addresses are judged) and index it by address and fingerprint.
  Result<void>
  load_public()
  {
    if (m_public_loaded) {
      return {};
    }
    PEERMAIL_TRY_ASSIGN(m_public, list_keys(false));
    m_by_address.clear();
    m_by_fpr.clear();
    for (std::size_t i = 0; i < m_public.size(); ++i) {
      const auto& k = m_public[i];
      m_by_fpr.emplace(k.fingerprint, i);
      for (const auto& s : k.subkeys) {
        m_by_fpr.emplace(s.fingerprint, i);
      }
      std::set<std::string> addrs;
      for (const auto& u : k.uids) {
        if (!u.address.empty() && addrs.insert(u.address).second) {
          m_by_address.emplace(u.address, i);
        }
      }
    }
    m_public_loaded = true;
    return {};
  }

  Result<void>
  load_secret()
  {
    if (m_secret_loaded) {
      return {};
    }
    PEERMAIL_TRY_ASSIGN(m_secret, list_keys(true));
    m_secret_loaded = true;
    return {};
  }
};

} // namespace

Result<std::unique_ptr<Keyring>>
Keyring::open(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, make_context(gnupg_home));
  return std::unique_ptr<Keyring>(std::make_unique<GpgmeKeyring>(gnupg_home, std::move(ctx)));
}

} // namespace peermail::crypto
