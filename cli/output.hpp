// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/error.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>
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

// The one JSON writer of the CLI: compact text of `j`. Never throws on
// content: invalid UTF-8 (a server reply, a Latin-1 user ID) becomes U+FFFD.
std::string json_text(const nlohmann::json& j);

// Print json_text(j) and a newline on stdout. Never throws: a write error is
// reported once, at exit, by finish_stdout().
void print_json(const nlohmann::json& j);

// At exit, for every command: flush stdout and report a write error on it
// (disk full, closed pipe). Returns `exit_code`, or k_ioerr (74) when the
// command otherwise succeeded (0) or gave a verdict (1) that the reader of
// stdout has now lost.
int finish_stdout(int exit_code);

// Return true if stdout/stderr is a terminal (for colour and progress bars).
bool stdout_is_tty();
bool stderr_is_tty();

} // namespace peermail::cli
