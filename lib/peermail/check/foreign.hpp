// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Judge the mail configurations people already have against the checklist:
// `peermail check --msmtprc FILE [--account NAME]`. Reads the file (the only
// I/O), parses it (foreign/), judges it (policy/msmtp_rules).

#include <peermail/policy/finding.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <vector>

namespace peermail::check {

struct ForeignReport
{
  std::string path;
  std::string sha256;                    // of the bytes judged
  std::string account;                   // the account judged
  std::vector<policy::Finding> findings; // checklist order
  std::vector<std::string> notes;        // "FILE:LINE: what was not judged and why"
};

// Judge account `account` ("" = msmtp's default account) of the msmtp
// configuration `path`. Errors: no_input (missing, unreadable), data (not a
// regular file, over 1 MiB, no account), usage (no account `account`: the
// message lists the accounts there are).
Result<ForeignReport> check_msmtprc(const std::string& path, const std::string& account);

} // namespace peermail::check
