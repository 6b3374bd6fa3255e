// SPDX-License-Identifier: GPL-3.0-or-later
#include "message.hpp"

#include "keys.hpp"

#include <peermail/crypto/keyring.hpp>
#include <peermail/mime/pgp_mime.hpp>

#include <fmt/core.h>

namespace peermail::protect {

Result<void>
require_from_identity(std::string_view message, const config::Identity& identity)
{
  PEERMAIL_TRY_ASSIGN(auto addrs, mime::read_addresses(message));
  if (addrs.from.size() != 1) {
    return fail(
      Errc::data,
      fmt::format("the message must have exactly one From address (found {})", addrs.from.size()),
      "SIG-01",
      "write a single \"From:\" header with your address");
  }
  if (addrs.from.front() != identity.address) {
    return fail(Errc::data,
                fmt::format("the From address <{}> is not identity.from <{}>",
                            addrs.from.front(),
                            identity.address),
                "SIG-01",
                "send from the configured identity, use a config for that identity, or "
                "(encrypt) --no-sign");
  }
  return {};
}

Result<MessageOutcome>
protect_message(const config::Config& cfg,
                const std::string& gnupg_home,
                std::string_view message,
                const std::vector<std::string>& recipients,
                ProtectOptions po)
{
  if (po.sign) {
    PEERMAIL_TRY(require_from_identity(message, cfg.identity));
  }
  PEERMAIL_TRY_ASSIGN(auto keyring, crypto::Keyring::open(gnupg_home));
  PEERMAIL_TRY_ASSIGN(auto keys, resolve_protect_keys(*keyring, cfg, recipients, po.sign));
  PEERMAIL_TRY_ASSIGN(auto protector, Protector::create(gnupg_home));
  po.signer_fingerprint = keys.signer_fingerprint;
  po.recipient_fingerprints = keys.recipient_fingerprints;
  MessageOutcome out;
  PEERMAIL_TRY_ASSIGN(out.result, protector->protect(message, po));
  out.warnings = std::move(keys.warnings);
  return out;
}

} // namespace peermail::protect
