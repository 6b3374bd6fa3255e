// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Command-line errors through peermail's own reporter: "peermail: error:",
// did-you-mean for commands and options, JSON under --json, exit 64.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace peermail::cli {

// Report the CLI11 parse error `e` for `app`, parsed from `args`; return the
// exit code (0 for --help and --version, else 64).
int
report_parse_error(CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args);

// Return the candidate closest to `word` within two edits, or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

} // namespace peermail::cli
