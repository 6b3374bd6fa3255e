// SPDX-License-Identifier: GPL-3.0-or-later
#include "strings.hpp"

#include <glib.h>

#include <algorithm>
#include <cctype>

namespace peermail::util {

std::string_view
trim(std::string_view s)
{
  const auto ws = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string
to_lower(std::string_view s)
{
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string>
split(std::string_view s, char sep)
{
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  return out;
}

std::size_t
edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool
has_line_break_or_nul(std::string_view s)
{
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string
normalize_fingerprint(std::string_view fpr)
{
  std::string out;
  for (char c : fpr) {
    if (c == ' ') {
      continue;
    }
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string
shell_quote(std::string_view s)
{
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

// C0 and C1 controls, DEL and the bidirectional controls.
bool
unsafe_to_show(gunichar c)
{
  const bool control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
  const bool bidi = c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e)
                    || (c >= 0x2066 && c <= 0x2069);
  return control || bidi;
}

} // namespace

bool
shows_as_is(std::string_view s)
{
  if (!valid_utf8(s)) {
    return false;
  }
  for (const char* p = s.data(); p < s.data() + s.size(); p = g_utf8_next_char(p)) {
    if (unsafe_to_show(g_utf8_get_char(p))) {
      return false;
    }
  }
  return true;
}

std::string
terminal_safe(std::string_view s)
{
  std::string out;
  out.reserve(s.size());
  const char* p = s.data();
  const char* const end = s.data() + s.size();
  while (p < end) {
    const gunichar c = g_utf8_get_char_validated(p, end - p);
    if (c == static_cast<gunichar>(-1) || c == static_cast<gunichar>(-2)) {
      out.push_back('?'); // not UTF-8: one byte at a time
      ++p;
      continue;
    }
    const char* next = g_utf8_next_char(p);
    if (unsafe_to_show(c)) {
      out.push_back('?');
    } else {
      out.append(p, next);
    }
    p = next;
  }
  return out;
}

std::string
terminal_safe_text(std::string_view s)
{
  std::string out;
  out.reserve(s.size());
  const auto lines = split(s, '\n');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const auto cells = split(line, '\t');
    for (std::size_t j = 0; j < cells.size(); ++j) {
      if (j > 0) {
        out += '\t';
      }
      out += terminal_safe(cells[j]);
    }
    if (i + 1 < lines.size()) {
      out += '\n';
    }
  }
  return out;
}

bool
valid_utf8(std::string_view s, bool allow_truncated_tail)
{
  const gchar* end = nullptr;
  if (g_utf8_validate_len(s.data(), s.size(), &end)) {
    return true;
  }
  const auto rest = static_cast<gssize>(s.data() + s.size() - end);
  // -2: a valid but incomplete sequence at the very end.
  return allow_truncated_tail && rest < 4
         && g_utf8_get_char_validated(end, rest) == static_cast<gunichar>(-2);
}

void
add_unique(std::vector<std::string>& v, const std::string& s)
{
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) {
    v.push_back(s);
  }
}

} // namespace peermail::util
