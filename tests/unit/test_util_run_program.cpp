// SPDX-License-Identifier: GPL-3.0-or-later
// util::run_program: a program run with argv, never through a shell (how
// `check --postfix` runs postconf).
#include <peermail/util/process.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using peermail::Errc;
using peermail::util::run_program;
using namespace std::chrono_literals;

TEST_SUITE("peermail::util::process")
{
  TEST_CASE("util::run_program: the whole output; arguments are not shell syntax")
  {
    const auto r = run_program({"/bin/echo", "a;b", "$(id)", "`id`"}, "echo", 10s, 1024);
    REQUIRE(r);
    CHECK(*r == "a;b $(id) `id`\n");
    const auto lines = run_program({"/usr/bin/printf", "one\\ntwo\\n"}, "printf", 10s, 1024);
    REQUIRE(lines);
    CHECK(*lines == "one\ntwo\n");
  }

  TEST_CASE("util::run_program: failures")
  {
    const auto bad = run_program({"/bin/false"}, "false", 10s, 1024);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::unavailable);
    CHECK(bad.error().message == "false failed (exit status 1)");
    const auto missing = run_program({"/nonexistent/postconf"}, "postconf", 10s, 1024);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message
          == "postconf: cannot start /nonexistent/postconf: No such file or directory");
    const auto big = run_program({"/usr/bin/seq", "1000"}, "seq", 10s, 100);
    REQUIRE_FALSE(big);
    CHECK(big.error().code == Errc::data);
    CHECK(big.error().message == "seq printed more than 100 bytes");
    const auto slow = run_program({"/bin/sleep", "30"}, "sleep", 200ms, 100);
    REQUIRE_FALSE(slow);
    CHECK(slow.error().message == "sleep did not finish within 200 ms");
  }
}
