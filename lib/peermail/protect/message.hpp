// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `sign` and `encrypt`: one whole message, protected for the configured
// identity (the key plan of keys.hpp, then Protector).

#include <peermail/config/config.hpp>
#include <peermail/protect/protect.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::protect {

// SIG-01 for a message the user wrote: exactly one From address, and it is
// identity.from. Errors: Errc::data naming both addresses, with the fix.
Result<void> require_from_identity(std::string_view message, const config::Identity& identity);

// The protocol a message is protected with: PGP/MIME, or S/MIME for
// recipients whose [[peer]] entry says protocol = "smime".
enum class Protocol {
  openpgp,
  smime,
};

// The one protocol every address of `recipients` reads. Errors: Errc::usage
// (64) when some read S/MIME and others OpenPGP, naming both groups, with
// the fix (peermail send writes one copy per protocol).
Result<Protocol> recipients_protocol(const config::Config& cfg,
                                     const std::vector<std::string>& recipients);

struct MessageOutcome
{
  ProtectResult result;
  std::vector<std::string> warnings; // expiring keys, …
};

// Judge the keys of `recipients` (and of the signer when `po.sign`, after
// require_from_identity), fill them into `po` and protect `message` with the
// GnuPG home `gnupg_home` as `protocol` says (S/MIME: protect_smime_message).
// Errors: data (From), no_key (naming the address, the checklist item and
// the fix), crypto, keyring failures.
Result<MessageOutcome> protect_message(const config::Config& cfg,
                                       const std::string& gnupg_home,
                                       std::string_view message,
                                       const std::vector<std::string>& recipients,
                                       ProtectOptions po,
                                       Protocol protocol = Protocol::openpgp);

// protect_message() for S/MIME (smime_message.cpp): the recipients'
// pinned certificates ([[peer]] protocol = "smime"), identity.smime_cert for
// signing and, with policy.encrypt_to_self, as the own recipient — each
// judged as send judges them (protect::SmimeProtector). Errors as
// protect_message(); config (78) when identity.smime_cert is needed and not
// set; usage (64, E2E-05) for po.hide_recipients.
Result<MessageOutcome> protect_smime_message(const config::Config& cfg,
                                             const std::string& gnupg_home,
                                             std::string_view message,
                                             const std::vector<std::string>& recipients,
                                             ProtectOptions po);

} // namespace peermail::protect
