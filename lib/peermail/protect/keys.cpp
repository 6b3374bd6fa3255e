// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace peermail::protect {

namespace {

// Say which setting the archive key comes from, and how to fix it.
crypto::KeyJudgement
archive_wording(crypto::KeyJudgement j, const std::string& want, const crypto::KeyPolicy& policy)
{
  if (j.ok()) {
    return j;
  }
  j.reason = fmt::format("archive key {} (policy.archive_key): {}", want, j.reason);
  switch (j.problem) {
  case crypto::KeyProblem::missing:
    j.fix = fmt::format(
      "import the archive key {} (peermail keys import FILE), or correct "
      "policy.archive_key",
      want);
    break;
  default:
    j.fix = fmt::format(
      "set policy.archive_key to the fingerprint of a usable "
      "archive key of at least 112-bit strength (ed25519/cv25519, or RSA of "
      "at least {} bits), or remove policy.archive_key",
      std::max(2048, policy.min_rsa_bits));
    break;
  }
  return j;
}

} // namespace

crypto::KeyPolicy
key_policy(const config::Config& cfg, std::int64_t now)
{
  crypto::KeyPolicy p;
  p.min_rsa_bits = cfg.policy.min_rsa_bits;
  p.expiry_warning_days = cfg.policy.expiry_warning_days;
  p.now = now;
  return p;
}

Result<crypto::KeyJudgement>
judge_recipient(crypto::Keyring& keyring,
                const config::Config& cfg,
                const std::string& address,
                const crypto::KeyPolicy& policy)
{
  auto pinned = cfg.pinned_fingerprint(address);
  if (pinned && pinned->empty()) {
    pinned.reset();
  }
  return keyring.judge_recipient(address, pinned, policy);
}

Result<KeyPlan>
judge_key_plan(crypto::Keyring& keyring,
               const config::Config& cfg,
               bool sign,
               bool encrypt,
               const crypto::KeyPolicy& policy)
{
  KeyPlan plan;
  if (sign) {
    PEERMAIL_TRY_ASSIGN(
      auto j, keyring.judge_signer(cfg.identity.signing_key, cfg.identity.address, policy));
    plan.signer = std::move(j);
  }
  if (encrypt && cfg.policy.encrypt_to_self) {
    std::optional<std::string> pinned;
    if (!cfg.identity.signing_key.empty()) {
      pinned = cfg.identity.signing_key;
    }
    PEERMAIL_TRY_ASSIGN(auto j, keyring.judge_recipient(cfg.identity.address, pinned, policy));
    plan.self = std::move(j);
  }
  if (encrypt && !cfg.policy.archive_key.empty()) {
    // An archive key has no address of its own: it is judged for the first
    // user ID it carries, pinned by its fingerprint.
    const std::string want = util::normalize_fingerprint(cfg.policy.archive_key);
    PEERMAIL_TRY_ASSIGN(auto all, keyring.list(false));
    std::string addr;
    for (const auto& k : all) {
      if (util::normalize_fingerprint(k.fingerprint) == want && !k.uids.empty()) {
        addr = k.uids.front().address;
      }
    }
    PEERMAIL_TRY_ASSIGN(auto j, keyring.judge_recipient(addr, want, policy));
    plan.archive = archive_wording(std::move(j), want, policy);
  }
  return plan;
}

Result<IdentityKeys>
require_key_plan(const KeyPlan& plan, const config::Config& cfg)
{
  IdentityKeys out;
  if (plan.signer) {
    if (cfg.identity.signing_key.empty()) {
      return fail(Errc::no_key,
                  "identity.signing_key is not set: every message must be signed",
                  "SIG-01",
                  "set identity.signing_key to the full fingerprint of your key");
    }
    const auto& j = *plan.signer;
    if (!j.ok() || !j.key) {
      return unexpected(crypto::judgement_error(j, "signing key"));
    }
    for (const auto& w : j.warnings) {
      out.warnings.push_back(fmt::format("signing key: {}", w));
    }
    out.signer_fpr = j.key->fingerprint;
  }
  if (plan.self) {
    const auto& j = *plan.self;
    if (!j.ok() || !j.key) {
      Error e = crypto::judgement_error(
        j, fmt::format("own key for <{}> (policy.encrypt_to_self)", cfg.identity.address));
      if (e.check_id.empty()) {
        e.check_id = "E2E-05";
      }
      return unexpected(std::move(e));
    }
    util::add_unique(out.extra_fprs, j.key->fingerprint);
  }
  if (plan.archive) {
    const auto& j = *plan.archive;
    if (!j.ok() || !j.key) {
      return unexpected(Error(Errc::no_key, j.reason, j.check_id, j.fix));
    }
    for (const auto& w : j.warnings) {
      out.warnings.push_back(fmt::format("archive key (policy.archive_key): {}", w));
    }
    util::add_unique(out.extra_fprs, j.key->fingerprint);
  }
  return out;
}

Result<ProtectKeys>
resolve_protect_keys(crypto::Keyring& keyring,
                     const config::Config& cfg,
                     const std::vector<std::string>& recipients,
                     bool sign)
{
  const auto policy = key_policy(cfg);
  ProtectKeys keys;
  for (const auto& addr : recipients) {
    PEERMAIL_TRY_ASSIGN(auto j, judge_recipient(keyring, cfg, addr, policy));
    if (!j.ok() || !j.key) {
      return unexpected(crypto::judgement_error(j, fmt::format("recipient <{}>", addr)));
    }
    for (const auto& w : j.warnings) {
      keys.warnings.push_back(fmt::format("<{}>: {}", addr, w));
    }
    util::add_unique(keys.recipient_fingerprints, j.key->fingerprint);
  }
  PEERMAIL_TRY_ASSIGN(auto plan, judge_key_plan(keyring, cfg, sign, !recipients.empty(), policy));
  PEERMAIL_TRY_ASSIGN(auto ids, require_key_plan(plan, cfg));
  for (const auto& f : ids.extra_fprs) {
    util::add_unique(keys.recipient_fingerprints, f);
  }
  keys.signer_fingerprint = ids.signer_fpr;
  keys.warnings.insert(keys.warnings.end(), ids.warnings.begin(), ids.warnings.end());
  return keys;
}

} // namespace peermail::protect
