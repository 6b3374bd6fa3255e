// SPDX-License-Identifier: GPL-3.0-or-later
#include "postfix_syntax.hpp"

#include <peermail/util/strings.hpp>

#include <algorithm>
#include <cctype>

namespace peermail::foreign::postfix_syntax {

using util::trim;

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool
is_name_char(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

std::vector<LogicalLine>
logical_lines(std::string_view text)
{
  std::vector<LogicalLine> out;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    auto raw = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    const auto content = trim(raw);
    if (content.empty() || content.front() == '#') {
      continue;
    }
    if (is_space(raw.front()) && !out.empty()) {
      out.back().text += ' ';
      out.back().text += content;
      continue;
    }
    out.push_back({std::string(content), line_no});
  }
  return out;
}

std::vector<std::string>
fields(std::string_view s)
{
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) {
      ++i;
    }
    if (i >= s.size()) {
      break;
    }
    if (s[i] == '{') {
      int depth = 0;
      const std::size_t start = i;
      for (; i < s.size(); ++i) {
        depth += s[i] == '{' ? 1 : (s[i] == '}' ? -1 : 0);
        if (depth == 0) {
          break;
        }
      }
      const auto inner = s.substr(start + 1, std::min(i, s.size()) - start - 1);
      out.emplace_back(trim(inner));
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) {
      ++i;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

bool
split_assignment(std::string_view s, std::string& name, std::string& value)
{
  const auto eq = s.find('=');
  if (eq == std::string_view::npos) {
    return false;
  }
  const auto n = trim(s.substr(0, eq));
  if (n.empty() || !std::all_of(n.begin(), n.end(), is_name_char)) {
    return false;
  }
  name = std::string(n);
  value = std::string(trim(s.substr(eq + 1)));
  return true;
}

} // namespace peermail::foreign::postfix_syntax
