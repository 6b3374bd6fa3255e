// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Judge the mail configurations people already have against the checklist:
// `peermail check --msmtprc FILE [--account NAME]`, `peermail check
// --muttrc FILE` and `peermail check --postfix DIR`. Reads the files (the only I/O), parses them
// (foreign/), judges them (policy/msmtp_rules, policy/mutt_rules, policy/postfix_rules).

#include <peermail/policy/finding.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <vector>

namespace peermail::check {

struct ForeignReport
{
  std::string path;
  std::string sha256;                    // of the bytes judged
  std::string account;                   // the account judged ("" for a muttrc)
  std::vector<policy::Finding> findings; // checklist order
  std::vector<std::string> notes;        // "FILE:LINE: what was not judged and why"
};

// Judge account `account` ("" = msmtp's default account) of the msmtp
// configuration `path`. Errors: no_input (missing, unreadable), data (not a
// regular file, over 1 MiB, no account), usage (no account `account`: the
// message lists the accounts there are).
Result<ForeignReport> check_msmtprc(const std::string& path, const std::string& account);

// Judge the Mutt or NeoMutt configuration `path` and the files its `source`
// lines name (regular files only, each at most 1 MiB; "~/" is `home`; a
// relative name is relative to the file that names it). Commands (backticks,
// `source "cmd|"`) are never run: they, and files that cannot be read, are
// notes. Errors (for `path` itself): no_input (missing, unreadable, not a
// regular file), data (over 1 MiB).
Result<ForeignReport> check_muttrc(const std::string& path, const std::string& home);

// Judge the Postfix configuration in the directory `dir` (main.cf and
// master.cf, each at most 1 MiB). With `postconf` (a path; "" when Postfix is
// not installed) the values are read through `postconf -c DIR -n`, `-d`
// and `-M` (run with argv, never a shell; a `dir` that starts with `-` is
// given as `./dir`), else from the files as
// postconf(5) documents them with Postfix 3.7's defaults; a note says which.
// The password tables smtp_sasl_password_maps names are stat()ed, never
// read. Errors: no_input (`dir` or its main.cf missing, `dir` not a
// directory), data (a file over 1 MiB).
Result<ForeignReport> check_postfix(const std::string& dir, const std::string& postconf);

} // namespace peermail::check
