// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The checklist over a Mutt or NeoMutt configuration (`peermail check
// --muttrc FILE`): pure rules from what the files say (foreign/muttrc.hpp)
// and the files' own facts to Findings that cite file, line and variable,
// with the fix in muttrc syntax. What the files cannot tell (the server, the
// defaults of a given Mutt version, the program $sendmail names) is `skip`
// or `warn` with the reason, never `pass`. Secrets are never quoted.

#include <peermail/foreign/muttrc.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/policy/foreign_rules.hpp>

#include <vector>

namespace peermail::policy {

// Judge the configuration `rc`, read from `files` (the one named first, then
// the sourced ones). The result lists the items that concern a mail user
// agent's sending and crypto settings, in checklist order.
std::vector<Finding> judge_muttrc(const foreign::MuttFile& rc,
                                  const std::vector<ForeignFileFacts>& files);

} // namespace peermail::policy
