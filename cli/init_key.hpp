// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// `peermail init`: the signing key, chosen from the keyring.

#include <peermail/config/starter.hpp>
#include <peermail/util/result.hpp>

namespace peermail::cli {

// Choose the signing key of `s` for its From address from the keyring in
// `gnupg_home` ("" = GnuPG's default): the one given (judged
// as send judges it before anything is written), else the only usable secret
// key for the address, else one the user picks (on a terminal, when `tty`)
// from a numbered list. Errors: no_key (67) when none is usable or the given
// one is refused; usage when several are usable and there is no terminal.
Result<void> choose_signing_key(config::Starter& s, bool tty, const std::string& gnupg_home);

} // namespace peermail::cli
