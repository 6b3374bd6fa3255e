// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the rules over other tools' configurations share (msmtp_rules.hpp,
// mutt_rules.hpp): the facts of the files read and the owner-only rule for
// them, and turning a Board into the findings of a list of items.

#include <peermail/policy/board.hpp>
#include <peermail/policy/finding.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::policy {

// What the check layer found out about a file itself.
struct ForeignFileFacts
{
  std::string path;           // as the user gave it (or a source line named it), for citations
  unsigned mode = 0;          // st_mode & 07777
  bool owned_by_user = true;  // st_uid == geteuid()
  bool owned_by_root = false; // st_uid == 0 (a system service's files)
};

// AUTH-05 over `files`: each must belong to the user and be closed to others.
// `own_copy` is where a user keeps their own copy ("~/.msmtprc"), for the fix.
void judge_foreign_files(Board& b,
                         const std::vector<ForeignFileFacts>& files,
                         std::string_view own_copy);

// Return the findings of every item `b` has observations for, in checklist
// order: the rules decide which items concern a tool by judging them.
std::vector<Finding> finish_observed(const Board& b);

} // namespace peermail::policy
