// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <string>
#include <string_view>

namespace peermail::cli {

// Read the message named on the command line: "-" (or empty) is stdin,
// anything else a file (Errc::no_input when missing or unreadable).
Result<std::string> read_message_input(const std::string& path);

// Write `data` to stdout completely (Errc::io on failure).
Result<void> write_stdout(std::string_view data);

} // namespace peermail::cli
