// SPDX-License-Identifier: GPL-3.0-or-later
#include "foreign_rules.hpp"

#include <peermail/policy/checklist.hpp>

#include <fmt/core.h>

namespace peermail::policy {

void
judge_foreign_files(Board& b, const std::vector<ForeignFileFacts>& files, std::string_view own_copy)
{
  for (const auto& f : files) {
    if (!f.owned_by_user) {
      b.fail("AUTH-05",
             fmt::format("{}: owned by another user", f.path),
             fmt::format("keep your own copy: install -m 600 {} {}", f.path, own_copy));
    } else if ((f.mode & 077) != 0) {
      b.fail("AUTH-05",
             fmt::format("{}: mode {:04o}: others can read it", f.path, f.mode),
             fmt::format("chmod 600 {}", f.path));
    } else {
      b.pass("AUTH-05", fmt::format("{}: mode {:04o}", f.path, f.mode));
    }
  }
}

std::vector<Finding>
finish_observed(const Board& b)
{
  std::vector<Finding> out;
  for (const auto& item : checklist()) {
    if (b.has(item.id)) {
      out.push_back(b.finish(item));
    }
  }
  return out;
}

} // namespace peermail::policy
