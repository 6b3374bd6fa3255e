// SPDX-License-Identifier: GPL-3.0-or-later
// util::run_capture: what a helper (password_command, oauth2_token_command)
// inherits, and that a timeout ends everything it started.
#include "testutil.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/process.hpp>

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>

using peermail::Errc;
using peermail::util::run_capture;
using namespace std::chrono_literals;

namespace {

// True if `pid` runs (exists and is not a zombie waiting for its reaper).
bool
alive(pid_t pid)
{
  for (int i = 0; i < 50; ++i) {
    auto stat = peermail::util::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
      return false;
    }
    const auto paren = stat->rfind(')');
    if (paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] == 'Z') {
      return false;
    }
    usleep(20000);
  }
  return true;
}

} // namespace

TEST_SUITE("peermail::util::run_capture")
{
  TEST_CASE("util::run_capture: the first line only")
  {
    auto out = run_capture("printf 'secret\\nsecond\\n'", "helper", 5s);
    REQUIRE(out);
    CHECK(*out == "secret");
  }

  TEST_CASE("util::run_capture: signals at their defaults, none blocked")
  {
    // peermail ignores SIGPIPE; a helper must not inherit that, nor a mask.
    const auto old = std::signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigset_t saved;
    sigprocmask(SIG_BLOCK, &block, &saved);
    auto out = run_capture(
      "awk '/^Sig(Ign|Blk)/ {print $2}' /proc/self/status | tr '\\n' ' '", "helper", 5s);
    sigprocmask(SIG_SETMASK, &saved, nullptr);
    std::signal(SIGPIPE, old);
    REQUIRE(out);
    // SigBlk then SigIgn, in hex. (glibc's internal signals 32 and 33 may be
    // ignored by whoever started the test; only SIGPIPE matters here.)
    const auto space = out->find(' ');
    REQUIRE(space != std::string::npos);
    CHECK(std::stoull(out->substr(0, space), nullptr, 16) == 0);
    CHECK((std::stoull(out->substr(space + 1), nullptr, 16) & (1ULL << (SIGPIPE - 1))) == 0);
  }

  TEST_CASE("util::run_capture: a timeout kills the whole process group")
  {
    peermail::test::TempDir dir;
    const std::string pid_file = dir.path() + "/child.pid";
    const auto start = std::chrono::steady_clock::now();
    auto out =
      run_capture("sleep 30 & echo $! > " + pid_file + "; wait", "password_command", 500ms);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::auth);
    CHECK(out.error().message == "password_command did not finish within 500 ms");
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    auto pid = peermail::util::read_file(pid_file);
    REQUIRE(pid);
    const pid_t child = std::stoi(*pid);
    REQUIRE(child > 0);
    CHECK_FALSE(alive(child));
  }

  TEST_CASE("util::run_capture: a helper that closed its output but runs on is bounded")
  {
    const auto start = std::chrono::steady_clock::now();
    auto out = run_capture("echo pw; exec >&-; sleep 30", "password_command", 500ms);
    REQUIRE_FALSE(out);
    CHECK(out.error().message == "password_command did not finish within 500 ms");
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
}
