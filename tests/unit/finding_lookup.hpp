// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/policy/finding.hpp>

#include <doctest/doctest.h>

#include <string_view>
#include <vector>

namespace peermail::test {

// Return the finding `id` of `fs`; fail the test when there is none.
inline const policy::Finding&
item(const std::vector<policy::Finding>& fs, std::string_view id)
{
  for (const auto& f : fs) {
    if (f.id == id) {
      return f;
    }
  }
  FAIL("no finding " << id);
  return fs.front();
}

} // namespace peermail::test
