// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `peermail send` compose mode (docs/DESIGN.md §2.1): --to/--cc/--bcc/--subject,
// body from --body-file or stdin, --attach FILE... → send::run.
// cmd_send.cpp owns `--to` and `--dry-run` (shared with --message mode) and
// calls into this file for everything else.

#include "app.hpp"

#include <optional>
#include <string>
#include <vector>

namespace peermail::cli {

struct ComposeCliOptions
{
  std::vector<std::string> cc;
  std::vector<std::string> bcc;
  std::optional<std::string> subject;
  std::optional<std::string> subject_file; // --subject-file: keeps PHI off argv
  std::optional<std::string> body_file;
  std::vector<std::string> attach;
};

// Add --cc, --bcc, --subject, --subject-file, --body-file and --attach to
// `sub`, bound to `o`.
void add_compose_options(CLI::App& sub, ComposeCliOptions& o);

// Return true if any compose-only option was given.
bool compose_requested(const ComposeCliOptions& o);

// Run compose mode with the recipients `to` and `dry_run` parsed by
// cmd_send.cpp. Returns the exit code.
int run_send_compose(const ComposeCliOptions& o,
                     const std::vector<std::string>& to,
                     bool dry_run,
                     const GlobalOptions& g);

} // namespace peermail::cli
