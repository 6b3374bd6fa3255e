// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/error.hpp>

#include <string_view>

namespace peermail::cli {

// Everything printed here goes through util::terminal_safe (text from
// messages, keys and servers cannot drive the terminal).
// Print `e` to stderr as "peermail: error: <message> [ID]" followed by
// "peermail: fix: <fix>" when there is one; return its exit code.
int print_error(const Error& e);

// Print "peermail: warning: <msg>" to stderr.
void print_warn(std::string_view msg);

// Print "peermail: <msg>" to stderr unless quiet.
void print_note(std::string_view msg);

// Set whether print_note prints (from -q).
void set_quiet(bool quiet);

// Return true if stdout/stderr is a terminal (for colour and progress bars).
bool stdout_is_tty();
bool stderr_is_tty();

} // namespace peermail::cli
