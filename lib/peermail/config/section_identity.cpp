// SPDX-License-Identifier: GPL-3.0-or-later
// [identity]: the sender, the operator recorded in the audit log, the
// signing key.
#include "parser.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

#include <algorithm>

namespace peermail::config {

namespace {

// identity.user_id is written to every audit record (docs/LIMITS.md).
constexpr std::size_t k_max_user_id_bytes = 128;

} // namespace

Result<void>
Parser::parse_identity(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "identity", k_identity_keys));
  auto& id = m_cfg.identity;
  if (auto n = t.get("from")) {
    PEERMAIL_TRY_ASSIGN(id.from, get_string(*n, "identity.from"));
    auto mb = address::parse_mailbox(id.from, "");
    if (!mb) {
      auto e = err(n->source(), "identity.from", mb.error().message);
      e.fix = mb.error().fix;
      return unexpected(std::move(e));
    }
    id.display_name = mb->display_name;
    id.address = mb->address;
  }
  if (auto n = t.get("user_id")) {
    PEERMAIL_TRY_ASSIGN(id.user_id, get_string(*n, "identity.user_id"));
    // It goes into every audit record (`user`): bounded, one printable line.
    const bool control = std::any_of(id.user_id.begin(), id.user_id.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (id.user_id.size() > k_max_user_id_bytes || control) {
      auto e = err(n->source(),
                   "identity.user_id",
                   fmt::format("must be at most {} bytes without control characters (it is "
                               "written to every audit record)",
                               k_max_user_id_bytes));
      e.fix = "set user_id to the operator's login or staff ID, e.g. \"ana.ruiz\"";
      return unexpected(std::move(e));
    }
  }
  if (auto n = t.get("signing_key")) {
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*n, "identity.signing_key"));
    id.signing_key = util::normalize_fingerprint(fpr);
    if (!util::is_full_fingerprint(id.signing_key)) {
      return unexpected(err(n->source(),
                            "identity.signing_key",
                            "must be a full fingerprint (40 or 64 hex digits), not a key ID"));
    }
  }
  if (auto n = t.get("smime_cert")) {
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*n, "identity.smime_cert"));
    id.smime_cert = util::normalize_fingerprint(fpr);
    if (!util::is_full_fingerprint(id.smime_cert)) {
      return unexpected(err(n->source(),
                            "identity.smime_cert",
                            "must be the certificate's full fingerprint (40 or 64 hex digits)"));
    }
  }
  if (auto n = t.get("passphrase_command")) {
    PEERMAIL_TRY_ASSIGN(id.passphrase_command, get_string(*n, "identity.passphrase_command"));
  }
  if (auto n = t.get("rewrite_from")) {
    PEERMAIL_TRY_ASSIGN(id.rewrite_from, get_bool(*n, "identity.rewrite_from"));
  }
  return {};
}

} // namespace peermail::config
