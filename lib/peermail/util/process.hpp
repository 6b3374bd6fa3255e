// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace peermail::util {

// Run `command` with /bin/sh -c, standard input from /dev/null, and return the
// first line of its standard output. Standard error is discarded so that a
// helper such as `pass` cannot echo secrets into our output. The shell runs
// in a process group of its own with default signal dispositions (SIGPIPE
// too) and an empty signal mask. Fails (Errc::auth, AUTH-04) when the command
// exits non-zero, or has not both closed its output and exited within
// `timeout`: then the whole process group is killed (SIGKILL) and reaped, so
// nothing it started keeps running.
// `what` names the setting in error messages (e.g. "password_command");
// neither the command's output nor its text appear in errors.
Result<std::string>
run_capture(const std::string& command, const std::string& what, std::chrono::milliseconds timeout);

// Run the program `argv` (argv[0] is its path: no shell, no PATH search)
// with standard input and error on /dev/null, in a process group of its own
// as run_capture does, and return its whole standard output. Fails
// (Errc::unavailable) when it cannot start (Errc::io), exits non-zero or
// has not finished within `timeout` (the group is then killed and reaped),
// and (Errc::data) when it prints more than `max_bytes`. `what` names it in
// errors.
Result<std::string> run_program(const std::vector<std::string>& argv,
                                const std::string& what,
                                std::chrono::milliseconds timeout,
                                std::size_t max_bytes);

} // namespace peermail::util
