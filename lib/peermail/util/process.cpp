// SPDX-License-Identifier: GPL-3.0-or-later
#include "process.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace peermail::util {

Result<std::string>
run_capture(const std::string& command, const std::string& what, std::chrono::milliseconds timeout)
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(Errc::io, fmt::format("{}: pipe failed: {}", what, std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int rc =
    ::posix_spawn(&pid, "/bin/sh", &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return fail(Errc::io, fmt::format("{}: cannot start /bin/sh: {}", what, std::strerror(rc)));
  }

  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) {
      continue;
    }
    if (pr == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (out.size() < (1U << 20)) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fds[0]);
  if (timed_out) {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return fail(Errc::auth,
                fmt::format("{} did not finish within {} ms", what, timeout.count()),
                "AUTH-04",
                fmt::format("check that {} runs non-interactively", what));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(Errc::auth,
                fmt::format("{} failed (exit status {})",
                            what,
                            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)),
                "AUTH-04",
                fmt::format("run the {} by hand and check that it prints the secret", what));
  }
  // The first line is the secret (as msmtp's passwordeval).
  const auto nl = out.find_first_of("\r\n");
  if (nl != std::string::npos) {
    out.resize(nl);
  }
  return out;
}

} // namespace peermail::util
