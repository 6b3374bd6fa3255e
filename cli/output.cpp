// SPDX-License-Identifier: GPL-3.0-or-later
#include "output.hpp"

#include "exit_codes.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

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

std::string
json_text(const nlohmann::json& j)
{
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void
print_json(const nlohmann::json& j)
{
  // Never throws (fmt::print would, on a write error, and batch calls this
  // from its worker threads): a failed write leaves the stream's error flag
  // for finish_stdout().
  const std::string text = json_text(j) + "\n";
  (void)std::fwrite(text.data(), 1, text.size(), stdout);
}

int
finish_stdout(int exit_code)
{
  std::cout.flush();
  errno = 0;
  const bool stream_ok = !std::cout.fail();
  const bool flushed = std::fflush(stdout) == 0;
  const int err = errno;
  if (stream_ok && flushed && std::ferror(stdout) == 0) {
    return exit_code;
  }
  fmt::print(stderr,
             "peermail: error: cannot write to standard output: {}\n",
             err != 0 ? std::strerror(err) : "write error");
  return exit_code == k_ok || exit_code == k_negative ? k_ioerr : exit_code;
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
