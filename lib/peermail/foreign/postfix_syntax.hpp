// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The lexical layer shared by the Postfix readers (postfix.cpp,
// postfix_expand.cpp): postconf(5)'s logical lines, master(5)'s fields and
// `name = value` assignments. Internal to the library.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::foreign::postfix_syntax {

// True for a blank, tab, CR or LF `c`.
bool is_space(char c);

// True for a character `c` of a parameter name (letters, digits, `_.-`).
bool is_name_char(char c);

// One logical line and the physical line it starts on.
struct LogicalLine
{
  std::string text;
  std::size_t line = 0;
};

// Split `text` into postconf(5)'s logical lines: a line that starts with
// whitespace continues the previous one; empty lines and comment lines (the
// first non-whitespace character is `#`) are skipped and do not end one.
std::vector<LogicalLine> logical_lines(std::string_view text);

// Split a master.cf entry `s` into fields: whitespace separates them, except
// inside `{ … }` (master(5), Postfix 3.0), which is one field without the
// braces and the blanks next to them.
std::vector<std::string> fields(std::string_view s);

// Split "name = value" `s` into `name` and `value` (blanks around `=`
// allowed); false if it is not one.
bool split_assignment(std::string_view s, std::string& name, std::string& value);

} // namespace peermail::foreign::postfix_syntax
