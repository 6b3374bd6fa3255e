// SPDX-License-Identifier: GPL-3.0-or-later
// [policy]: encryption and key rules.
#include "parser.hpp"

#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

namespace peermail::config {

Result<void>
Parser::parse_policy(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "policy", k_policy_keys));
  auto& p = m_cfg.policy;
  if (auto n = t.get("encrypt_to_self")) {
    PEERMAIL_TRY_ASSIGN(p.encrypt_to_self, get_bool(*n, "policy.encrypt_to_self"));
  }
  if (auto n = t.get("archive_key")) {
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*n, "policy.archive_key"));
    p.archive_key = util::normalize_fingerprint(fpr);
    if (!p.archive_key.empty() && !util::is_full_fingerprint(p.archive_key)) {
      return unexpected(err(n->source(),
                            "policy.archive_key",
                            "must be a full fingerprint (40 or 64 hex digits), not a key ID"));
    }
  }
  if (auto n = t.get("protect_subject")) {
    PEERMAIL_TRY_ASSIGN(p.protect_subject, get_bool(*n, "policy.protect_subject"));
    if (!p.protect_subject) {
      violate("policy.protect_subject",
              "false",
              pos(n->source()),
              "E2E-06",
              "the real Subject would travel unencrypted",
              "set protect_subject = true (the outer Subject becomes \"[...]\")");
    }
  }
  if (auto n = t.get("min_rsa_bits")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, "policy.min_rsa_bits", 1, 16384));
    p.min_rsa_bits = static_cast<int>(v);
    if (v < 2048) {
      violate("policy.min_rsa_bits",
              std::to_string(v),
              pos(n->source()),
              "KEY-01",
              "RSA keys below 2048 bits give less than 112-bit security",
              "set min_rsa_bits = 3072 (or at least 2048)");
    }
  }
  if (auto n = t.get("expiry_warning_days")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, "policy.expiry_warning_days", 0, 3650));
    p.expiry_warning_days = static_cast<int>(v);
  }
  return {};
}

} // namespace peermail::config
