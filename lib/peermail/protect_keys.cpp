// SPDX-License-Identifier: GPL-3.0-or-later
#include "protect_keys.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace peermail {

namespace {

void
add_unique(std::vector<std::string>& v, const std::string& fpr)
{
  if (std::find(v.begin(), v.end(), fpr) == v.end()) {
    v.push_back(fpr);
  }
}

Error
key_error(const crypto::KeyJudgement& j, const std::string& who)
{
  return Error(Errc::no_key, fmt::format("{}: {}", who, j.reason), j.check_id, j.fix);
}

} // namespace

crypto::KeyPolicy
key_policy(const config::Config& cfg)
{
  crypto::KeyPolicy p;
  p.min_rsa_bits = cfg.policy.min_rsa_bits;
  p.expiry_warning_days = cfg.policy.expiry_warning_days;
  return p;
}

Result<ProtectKeys>
resolve_protect_keys(crypto::Keyring& keyring,
                     const config::Config& cfg,
                     const std::vector<std::string>& recipients,
                     bool sign)
{
  const auto policy = key_policy(cfg);
  ProtectKeys keys;
  auto take_warnings = [&keys](const crypto::KeyJudgement& j, const std::string& who) {
    for (const auto& w : j.warnings) {
      keys.warnings.push_back(fmt::format("{}: {}", who, w));
    }
  };
  for (const auto& addr : recipients) {
    PEERMAIL_TRY_ASSIGN(auto j,
                        keyring.judge_recipient(addr, cfg.pinned_fingerprint(addr), policy));
    if (!j.ok() || !j.key) {
      return unexpected(key_error(j, fmt::format("recipient <{}>", addr)));
    }
    take_warnings(j, fmt::format("<{}>", addr));
    add_unique(keys.recipient_fingerprints, j.key->fingerprint);
  }
  if (!recipients.empty() && cfg.policy.encrypt_to_self) {
    const std::string self = cfg.identity.address;
    std::optional<std::string> pinned;
    if (!cfg.identity.signing_key.empty()) {
      pinned = cfg.identity.signing_key;
    }
    PEERMAIL_TRY_ASSIGN(auto j, keyring.judge_recipient(self, pinned, policy));
    if (!j.ok() || !j.key) {
      return unexpected(
        key_error(j, fmt::format("own key for <{}> (policy.encrypt_to_self)", self)));
    }
    add_unique(keys.recipient_fingerprints, j.key->fingerprint);
  }
  if (!recipients.empty() && !cfg.policy.archive_key.empty()) {
    const std::string want = util::normalize_fingerprint(cfg.policy.archive_key);
    PEERMAIL_TRY_ASSIGN(auto all, keyring.list(false));
    std::string addr;
    for (const auto& k : all) {
      if (k.fingerprint == want && !k.uids.empty()) {
        addr = k.uids.front().address;
      }
    }
    PEERMAIL_TRY_ASSIGN(auto j, keyring.judge_recipient(addr, want, policy));
    if (!j.ok() || !j.key) {
      return unexpected(key_error(j, fmt::format("archive key {} (policy.archive_key)", want)));
    }
    add_unique(keys.recipient_fingerprints, j.key->fingerprint);
  }
  if (sign) {
    PEERMAIL_TRY_ASSIGN(
      auto j, keyring.judge_signer(cfg.identity.signing_key, cfg.identity.address, policy));
    if (!j.ok() || !j.key) {
      return unexpected(key_error(j, fmt::format("signing key for <{}>", cfg.identity.address)));
    }
    take_warnings(j, "signing key");
    keys.signer_fingerprint = j.key->fingerprint;
  }
  return keys;
}

} // namespace peermail
