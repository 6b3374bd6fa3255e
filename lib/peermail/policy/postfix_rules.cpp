// SPDX-License-Identifier: GPL-3.0-or-later
#include "postfix_rules.hpp"

#include "postfix_judge.hpp"

#include <peermail/policy/board.hpp>
#include <peermail/policy/checklist.hpp>

namespace peermail::policy {

std::vector<Finding>
judge_postfix(const foreign::PostfixConfig& c, const PostfixFiles& files)
{
  Board b;
  const postfix::Judge j(c, files);
  j.client(b);
  j.servers(b);
  j.client_auth(b);
  j.files(b);
  j.logging(b);
  return finish_observed(b);
}

} // namespace peermail::policy
