// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The checklist over an msmtp account (`peermail check --msmtprc FILE`):
// pure rules from what the file says (foreign/msmtprc.hpp) and the file's
// own facts to Findings that cite file, line and setting, with the fix in
// msmtp's syntax. What the file cannot tell (the TLS library's defaults, the
// server) is `skip` with the reason, never `pass`.

#include <peermail/foreign/msmtprc.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/policy/foreign_rules.hpp>

#include <string>
#include <vector>

namespace peermail::policy {

// Judge `account` of an msmtp configuration. The result lists the items
// that concern an msmtp account, in checklist order.
std::vector<Finding> judge_msmtp_account(const foreign::MsmtpAccount& account,
                                         const ForeignFileFacts& file);

} // namespace peermail::policy
