// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/config/config.hpp>
#include <peermail/protect/message.hpp>
#include <peermail/protect/protect.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace peermail::cli {

struct GlobalOptions;

// Read the message named on the command line: "-" (or empty) is stdin,
// anything else a file (Errc::no_input when missing or unreadable).
Result<std::string> read_message_input(const std::string& path);

// Write `data` to stdout completely (Errc::io on failure).
Result<void> write_stdout(std::string_view data);

// Add the `--force` of a command that writes `-o FILE` to `sub`, bound to
// `force` (util::write_output_file: an existing file is kept without it).
void add_force_flag(CLI::App& sub, bool& force);

// Return what `-o` may do to an existing file: replace it with --force.
util::Overwrite overwrite_for(bool force);

// Check `-o PATH` before any work: what write_output() would refuse for what
// is at PATH now (util::check_output_file; "-" is always fine). Errors:
// cant_create (the file exists, no --force: 73), io.
Result<void> check_output(const std::string& path, util::Overwrite overwrite);

// Write `data` where `-o PATH` says, the same for every command: "-" is
// stdout, anything else util::write_output_file (mode 0600; a new name or,
// with Overwrite::replace (--force), a regular file replaced atomically;
// devices and FIFOs in place; symlinks resolved).
Result<void>
write_output(const std::string& path, std::string_view data, util::Overwrite overwrite);

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
                      protect::ProtectOptions po,
                      protect::Protocol protocol);

} // namespace peermail::cli
