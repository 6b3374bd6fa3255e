// SPDX-License-Identifier: GPL-3.0-or-later
#include "output.hpp"

#include "exit_codes.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <cstdio>

namespace peermail::cli {

namespace {
bool g_quiet = false;
}

int
print_error(const Error& e)
{
  if (e.check_id.empty()) {
    fmt::print(stderr, "peermail: error: {}\n", util::terminal_safe(e.message));
  } else {
    fmt::print(stderr, "peermail: error: {} [{}]\n", util::terminal_safe(e.message), e.check_id);
  }
  if (!e.fix.empty()) {
    fmt::print(stderr, "peermail: fix: {}\n", util::terminal_safe(e.fix));
  }
  return exit_code(e.code);
}

void
print_warn(std::string_view msg)
{
  fmt::print(stderr, "peermail: warning: {}\n", util::terminal_safe(msg));
}

void
print_note(std::string_view msg)
{
  if (!g_quiet) {
    fmt::print(stderr, "peermail: {}\n", util::terminal_safe(msg));
  }
}

void
set_quiet(bool quiet)
{
  g_quiet = quiet;
}

bool
stdout_is_tty()
{
  return ::isatty(STDOUT_FILENO) == 1;
}

bool
stderr_is_tty()
{
  return ::isatty(STDERR_FILENO) == 1;
}

} // namespace peermail::cli
