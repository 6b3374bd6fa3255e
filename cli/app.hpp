// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/config/config.hpp>
#include <peermail/util/result.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace peermail::cli {

// Options shared by every command (docs/DESIGN.md §2), plus the environment that
// main() captured: the library never reads the environment itself.
struct GlobalOptions
{
  std::optional<std::string> config_path; // --config
  std::optional<std::string> account;     // --account
  std::optional<std::string> gnupg_home;  // --gnupg-home
  bool json = false;                      // --json
  int verbose = 0;                        // -v (repeatable)
  bool quiet = false;                     // -q
  std::map<std::string, std::string> env; // the process environment
  std::string argv0;

  // Return the environment variable `name`, or "" when unset.
  std::string getenv(const std::string& name) const;

  // Return the GnuPG home: --gnupg-home, $PEERMAIL_GNUPG_HOME, $GNUPGHOME, or
  // "" (GnuPG's default).
  std::string gnupg_home_dir() const;

  // Load the config with these options. `strictness` as in config::load.
  Result<config::Config>
  load_config(config::Strictness strictness = config::Strictness::refuse) const;
};

// Every subcommand registers itself from one table (ninja's kTools[]): the
// name, a one-line summary and a function that adds options and a callback.
// The callback stores the command's exit code in `*exit_code`.
struct Command
{
  const char* name;
  const char* summary;
  void (*register_fn)(CLI::App& sub, const GlobalOptions& g, int* exit_code);
};

// Return the table of commands, in the order `peermail --help` lists them.
const std::vector<Command>& commands();

// Build the whole app with every command registered.
void build_app(CLI::App& app, GlobalOptions& g, int* exit_code);

// One register function per cli/cmd_<name>.cpp.
void register_init(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_check(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_keys(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_encrypt(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_sign(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_verify(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_send(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_sendmail(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_batch(CLI::App& sub, const GlobalOptions& g, int* exit_code);
void register_audit(CLI::App& sub, const GlobalOptions& g, int* exit_code);

} // namespace peermail::cli
