// SPDX-License-Identifier: GPL-3.0-or-later
#include "message.hpp"

#include "keys.hpp"
#include "smime.hpp"

#include <peermail/crypto/keyring.hpp>
#include <peermail/mime/pgp_mime.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

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

Result<Protocol>
recipients_protocol(const config::Config& cfg, const std::vector<std::string>& recipients)
{
  std::vector<std::string> smime;
  std::vector<std::string> openpgp;
  for (const auto& r : recipients) {
    (reads_smime(cfg, r) ? smime : openpgp).push_back(r);
  }
  if (!smime.empty() && !openpgp.empty()) {
    return fail(Errc::usage,
                fmt::format("the recipients read different protocols: {} S/MIME, {} OpenPGP "
                            "([[peer]] protocol); one encrypted message is readable in one of "
                            "them only; nothing was written",
                            fmt::join(smime, ", "),
                            fmt::join(openpgp, ", ")),
                "E2E-01",
                "send it with peermail send, which writes one copy per protocol, or encrypt "
                "once per protocol with -r ADDR");
  }
  return smime.empty() ? Protocol::openpgp : Protocol::smime;
}

Result<MessageOutcome>
protect_message(const config::Config& cfg,
                const std::string& gnupg_home,
                std::string_view message,
                const std::vector<std::string>& recipients,
                ProtectOptions po,
                Protocol protocol)
{
  if (protocol == Protocol::smime) {
    return protect_smime_message(cfg, gnupg_home, message, recipients, std::move(po));
  }
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
