// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The checklist over a Postfix configuration (`peermail check --postfix
// DIR`): pure rules from what main.cf and master.cf say (foreign/postfix.hpp,
// with Postfix's defaults for what they leave out) and the files' own facts
// to Findings that cite file, line and parameter, with the fix as a postconf
// command. Judged: the client side (TLS to the relayhost and the next hops,
// SASL login and where its passwords are kept), the submission and
// submissions services in master.cf, logging, and the files' permissions.
// What the files cannot tell (the peer's certificate and suites, the contents
// of lookup tables) is `skip` with the reason, never `pass`.

#include <peermail/foreign/postfix.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/policy/foreign_rules.hpp>

#include <string>
#include <vector>

namespace peermail::policy {

// What the check layer found out about the files of a Postfix configuration.
struct PostfixFiles
{
  std::string dir;                       // as the user gave it, for citations
  bool default_dir = true;               // `dir` is /etc/postfix (fixes omit `-c DIR`)
  std::vector<ForeignFileFacts> config;  // main.cf, master.cf
  std::vector<ForeignFileFacts> secrets; // the password tables' files that exist
};

// Judge the Postfix configuration `c` read from `files`. The result lists the
// items that concern a mail transfer agent, in checklist order.
std::vector<Finding> judge_postfix(const foreign::PostfixConfig& c, const PostfixFiles& files);

} // namespace peermail::policy
