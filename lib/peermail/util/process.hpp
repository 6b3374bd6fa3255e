// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <chrono>
#include <string>

namespace peermail::util {

// Run `command` with /bin/sh -c, standard input from /dev/null, and return its
// standard output. Standard error is discarded so that a helper such as
// `pass` cannot echo secrets into our output. Fails (Errc::auth with
// `check_id`) when the command exits non-zero or runs longer than `timeout`.
// `what` names the setting in error messages (e.g. "password_command");
// neither the command's output nor its text appear in errors.
Result<std::string>
run_capture(const std::string& command, const std::string& what, std::chrono::milliseconds timeout);

} // namespace peermail::util
