// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peermail::util {

// Return `s` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view s);

// Return `s` in ASCII lower case.
std::string to_lower(std::string_view s);

// Return `s` safe to show on a terminal: C0 and C1 control characters, DEL,
// bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069)
// and bytes that are not UTF-8 become '?', so that no text from a message,
// key or server can move the cursor, recolour, erase or reorder what
// peermail prints. Line breaks and tabs are replaced too (one field, one
// line).
std::string terminal_safe(std::string_view s);

// Return the text `s` (lines) safe to show on a terminal: each line as
// terminal_safe() makes it, tabs kept, line ends written as LF (CRLF too).
std::string terminal_safe_text(std::string_view s);

// Return true when `s` is UTF-8 and terminal_safe() would leave it as it is:
// no control, bidirectional-control or non-UTF-8 byte (e.g. for a display
// name peermail writes into a header).
bool shows_as_is(std::string_view s);

// Return true when `s` is UTF-8 (GLib's validator: no overlong forms, no
// surrogates, nothing above U+10FFFF, no NUL). With `allow_truncated_tail`,
// `s` may end inside one character (a buffer cut, e.g. a file's first KiB).
bool valid_utf8(std::string_view s, bool allow_truncated_tail = false);

// Split `s` at every `sep`; empty fields are kept.
std::vector<std::string> split(std::string_view s, char sep);

// Append `s` to `v` unless it is empty or already there (order kept).
void add_unique(std::vector<std::string>& v, const std::string& s);

// Return the Levenshtein distance between `a` and `b` (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);

// Return true if `s` contains CR, LF or NUL (header injection guard).
bool has_line_break_or_nul(std::string_view s);

// Return `s` as one single-quoted /bin/sh word.
std::string shell_quote(std::string_view s);

// Return `fpr` upper-cased with spaces removed (OpenPGP fingerprint form).
std::string normalize_fingerprint(std::string_view fpr);

} // namespace peermail::util
