// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The starter config `peermail init` writes: its rules and its text.

#include <peermail/util/result.hpp>

#include <string>

namespace peermail::config {

// The choices of `peermail init`.
struct Starter
{
  std::string from;
  std::string signing_key;
  std::string host;
  int port = 0; // 0: 465 for implicit TLS, 587 for STARTTLS
  std::string tls = "implicit";
  std::string username;
  std::string password_command;
  std::string password_env;
  std::string audit_path; // "" = the default
  std::string ca_file;    // "" = the system trust store
};

// Refuse non-compliant choices (TLS-01: `tls` other than implicit/starttls,
// port 25: Errc::insecure_config) and both password options (Errc::usage);
// fill in the default port.
Result<void> check_starter(Starter& s);

// Return the starter config for `s` (TOML; comments say what to fill in).
std::string render_starter(const Starter& s);

// Create the parent directories of `path` with mode 0700. (An existing file
// is the rule of every `-o FILE`: util::write_output_file, --force.)
Result<void> prepare_starter_path(const std::string& path);

} // namespace peermail::config
