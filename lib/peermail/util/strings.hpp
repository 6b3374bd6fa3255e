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

// Split `s` at every `sep`; empty fields are kept.
std::vector<std::string> split(std::string_view s, char sep);

// Return the Levenshtein distance between `a` and `b` (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);

// Return true if `s` contains CR, LF or NUL (header injection guard).
bool has_line_break_or_nul(std::string_view s);

// Return `s` as one single-quoted /bin/sh word.
std::string shell_quote(std::string_view s);

// Return `fpr` upper-cased with spaces removed (OpenPGP fingerprint form).
std::string normalize_fingerprint(std::string_view fpr);

} // namespace peermail::util
