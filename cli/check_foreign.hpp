// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// `peermail check --msmtprc FILE [--account NAME]`, `check --muttrc FILE`
// and `check --postfix [DIR]`:
// the checklist over an msmtp, Mutt or Postfix configuration
// (lib/peermail/check/foreign.hpp), rendered like `check`.

#include "app.hpp"

#include <string>

namespace peermail::cli {

// Judge `path` (account: the global --account, else msmtp's default) and
// print the report. Return the exit code: 0 no FAIL, 1 some FAIL, 64 no such
// account, 65 no account at all, 66 missing.
int run_check_msmtprc(const GlobalOptions& g, const std::string& path);

// Judge the Mutt or NeoMutt configuration `path` and the files it sources
// ("~" is $HOME) and print the report. Return the exit code: 0 no FAIL,
// 1 some FAIL, 65 larger than 1 MiB, 66 missing or not a regular file.
int run_check_muttrc(const GlobalOptions& g, const std::string& path);

// Judge the Postfix configuration in `dir` (main.cf, master.cf), through
// postconf when Postfix is installed ($PEERMAIL_POSTCONF names another one,
// or "none"), and print the report. Return the exit code: 0 no FAIL, 1 some
// FAIL, 65 a file larger than 1 MiB, 66 missing or not a directory.
int run_check_postfix(const GlobalOptions& g, const std::string& dir);

} // namespace peermail::cli
