// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// `peermail init` on the terminal: asking for what was not given, and
// saying what was written.

#include <peermail/config/starter.hpp>
#include <peermail/util/result.hpp>

#include <string>

namespace peermail::cli {

struct GlobalOptions;

// Ask on the terminal (when `tty`) for each required value of `s` not given,
// and for a password command when no password option was given; the
// signing key comes from the keyring in `gnupg_home` (choose_signing_key). Errc::usage
// naming the options still missing.
Result<void> ask_starter_values(config::Starter& s, bool tty, const std::string& gnupg_home);

// Print that `path` was written (JSON under --json).
void render_init_written(const GlobalOptions& g, const std::string& path);

} // namespace peermail::cli
