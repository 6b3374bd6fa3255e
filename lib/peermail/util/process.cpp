// SPDX-License-Identifier: GPL-3.0-or-later
#include "process.hpp"

#include "fd.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace peermail::util {

namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline` (0 once it passed).
int
ms_left(Clock::time_point deadline)
{
  const auto left =
    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Spawn `argv` (argv[0] a path: no PATH search) as the leader of a new
// process group, with every signal at its default disposition (peermail
// ignores SIGPIPE; a helper must not inherit that) and nothing blocked.
// Standard input and error are /dev/null; standard output is `out_fd`.
int
spawn(const std::vector<std::string>& args, int out_fd, pid_t* pid)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv;
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

// Wait for `pid` until `deadline`; false if it is still running then.
bool
wait_until(pid_t pid, Clock::time_point deadline, int* status)
{
  for (;;) {
    const pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) {
      return true;
    }
    if (r < 0 && errno != EINTR) {
      return true; // already reaped or not ours: nothing to wait for
    }
    if (ms_left(deadline) == 0) {
      return false;
    }
    ::usleep(10000);
  }
}

// What a finished (or killed) program left.
struct Captured
{
  std::string out;
  int status = 0;
  bool timed_out = false;
  bool truncated = false; // it wrote more than `max_bytes`
};

// Run `args` and collect its standard output (at most `max_bytes` kept).
Result<Captured>
capture(const std::vector<std::string>& args,
        const std::string& what,
        std::chrono::milliseconds timeout,
        std::size_t max_bytes)
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(Errc::io, fmt::format("{}: pipe failed: {}", what, std::strerror(errno)));
  }
  Fd read_end(fds[0]);
  pid_t pid = 0;
  int rc = 0;
  {
    const Fd write_end(fds[1]); // the child's copy is all that stays open
    rc = spawn(args, write_end.get(), &pid);
  }
  if (rc != 0) {
    return fail(Errc::io,
                fmt::format("{}: cannot start {}: {}", what, args.front(), std::strerror(rc)));
  }

  Captured c;
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (true) {
    const int left = ms_left(deadline);
    if (left == 0) {
      c.timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    const int pr = ::poll(&p, 1, left);
    if (pr < 0 && errno == EINTR) {
      continue;
    }
    if (pr == 0) {
      c.timed_out = true;
      break;
    }
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (c.out.size() + static_cast<std::size_t>(n) <= max_bytes) {
      c.out.append(buf, static_cast<std::size_t>(n));
    } else {
      c.truncated = true;
    }
  }
  read_end = Fd();
  // The output is complete; the program still has until the deadline to exit
  // (a bounded wait: one that closed its output and sleeps cannot hang us).
  if (c.timed_out || !wait_until(pid, deadline, &c.status)) {
    c.timed_out = true;
    ::kill(-pid, SIGKILL); // the whole group: the program and what it started
    while (::waitpid(pid, &c.status, 0) < 0 && errno == EINTR) {
    }
  }
  return c;
}

// "exit status N" of a wait status.
int
exit_status(int status)
{
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

Result<std::string>
run_capture(const std::string& command, const std::string& what, std::chrono::milliseconds timeout)
{
  PEERMAIL_TRY_ASSIGN(auto c, capture({"/bin/sh", "-c", command}, what, timeout, 1U << 20));
  if (c.timed_out) {
    return fail(Errc::auth,
                fmt::format("{} did not finish within {} ms", what, timeout.count()),
                "AUTH-04",
                fmt::format("check that {} runs non-interactively", what));
  }
  if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
    return fail(Errc::auth,
                fmt::format("{} failed (exit status {})", what, exit_status(c.status)),
                "AUTH-04",
                fmt::format("run the {} by hand and check that it prints the secret", what));
  }
  auto out = std::move(c.out);
  // The first line is the secret (as msmtp's passwordeval).
  const auto nl = out.find_first_of("\r\n");
  if (nl != std::string::npos) {
    out.resize(nl);
  }
  return out;
}

Result<std::string>
run_program(const std::vector<std::string>& argv,
            const std::string& what,
            std::chrono::milliseconds timeout,
            std::size_t max_bytes)
{
  PEERMAIL_TRY_ASSIGN(auto c, capture(argv, what, timeout, max_bytes));
  if (c.timed_out) {
    return fail(Errc::unavailable,
                fmt::format("{} did not finish within {} ms", what, timeout.count()));
  }
  if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
    return fail(Errc::unavailable,
                fmt::format("{} failed (exit status {})", what, exit_status(c.status)));
  }
  if (c.truncated) {
    return fail(Errc::data, fmt::format("{} printed more than {} bytes", what, max_bytes));
  }
  return std::move(c.out);
}

} // namespace peermail::util
