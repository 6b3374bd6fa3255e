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

struct MessageOutcome
{
  ProtectResult result;
  std::vector<std::string> warnings; // expiring keys, …
};

// Judge the keys of `recipients` (and of the signer when `po.sign`, after
// require_from_identity), fill them into `po` and protect `message` with the
// GnuPG home `gnupg_home`. Errors: data (From), no_key (naming the address,
// the checklist item and the fix), crypto, keyring failures.
Result<MessageOutcome> protect_message(const config::Config& cfg,
                                       const std::string& gnupg_home,
                                       std::string_view message,
                                       const std::vector<std::string>& recipients,
                                       ProtectOptions po);

} // namespace peermail::protect
