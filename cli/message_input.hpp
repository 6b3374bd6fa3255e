// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/config/config.hpp>
#include <peermail/protect/protect.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::cli {

struct GlobalOptions;

// Read the message named on the command line: "-" (or empty) is stdin,
// anything else a file (Errc::no_input when missing or unreadable).
Result<std::string> read_message_input(const std::string& path);

// Write `data` to stdout completely (Errc::io on failure).
Result<void> write_stdout(std::string_view data);

// Write `data` where `-o PATH` says, the same for every command: "-" is
// stdout, anything else util::write_output_file (mode 0600; devices and FIFOs
// in place, symlinks resolved, regular files replaced atomically).
Result<void> write_output(const std::string& path, std::string_view data);

// What `sign` and `encrypt` protect: the config in force and the message.
struct ProtectInput
{
  config::Config cfg;
  std::string message;
};

// Load the config (refusing a non-compliant one) and read the message named
// `input` (read_message_input), in that order.
Result<ProtectInput> read_protect_input(const std::string& input, const GlobalOptions& g);

// `sign` and `encrypt`: protect::protect_message, then write the result to
// stdout; print key warnings. Returns the exit code.
int protect_to_stdout(const GlobalOptions& g,
                      const config::Config& cfg,
                      const std::string& message,
                      const std::vector<std::string>& recipients,
                      protect::ProtectOptions po);

} // namespace peermail::cli
