// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <chrono>
#include <string>

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

} // namespace peermail::util
