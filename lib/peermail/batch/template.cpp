// SPDX-License-Identifier: GPL-3.0-or-later
#include "template.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace peermail::batch {

namespace {

bool
field_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-' || c == '.';
}

// Return the offset where the header section ends (the empty line), or npos.
std::size_t
header_end(std::string_view text)
{
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      return pos;
    }
    if (nl == std::string_view::npos) {
      return std::string_view::npos;
    }
    pos = nl + 1;
  }
  return std::string_view::npos;
}

std::string
did_you_mean(const std::string& field, const std::vector<std::string>& columns)
{
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : columns) {
    const std::size_t d = util::edit_distance(util::to_lower(field), util::to_lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean {{{{{}}}}}?)", best);
}

// Return true if the placeholder ending at `close` of `text` sits where a display
// name goes: in an address header (`head` is its line up to `pos`), outside
// <> and quotes, with a "<" after it on the same line.
bool
is_display_name(std::string_view text, std::size_t close, std::string_view head)
{
  const auto colon = head.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  const std::string name = util::to_lower(util::trim(head.substr(0, colon)));
  if (name != "from" && name != "to" && name != "cc" && name != "reply-to" && name != "sender") {
    return false;
  }
  const auto value = head.substr(colon + 1);
  const auto count = [&](char c) { return std::count(value.begin(), value.end(), c); };
  if (count('<') > count('>') || count('"') % 2 != 0) {
    return false;
  }
  const auto eol = text.find('\n', close);
  const auto rest = text.substr(close + 2, eol == std::string_view::npos ? eol : eol - close - 2);
  return rest.find('<') != std::string_view::npos;
}

// Return `value` as it goes into a display name: quoted when it holds an
// RFC 5322 special; as it is when it holds a quote or backslash (the
// address rule then refuses it by name).
std::string
display_name_value(const std::string& value)
{
  if (value.find_first_of("\"\\") != std::string::npos
      || value.find_first_of("()<>[]:;@,.") == std::string::npos) {
    return value;
  }
  return fmt::format("\"{}\"", value);
}

} // namespace

Result<Template>
Template::parse(std::string_view text, std::vector<InputProblem>& problems)
{
  Template t;
  const std::size_t before = problems.size();
  const std::size_t hdr_end = header_end(text);
  if (hdr_end == 0) {
    problems.push_back(
      {1, "", "the template has no header section (it starts with an empty line)"});
  }
  std::size_t line = 1;
  std::size_t pos = 0;
  std::string piece;
  while (pos < text.size()) {
    if (text.compare(pos, 2, "{{") != 0) {
      if (text[pos] == '\n') {
        ++line;
      }
      piece += text[pos++];
      continue;
    }
    const std::size_t start_line = line;
    const std::size_t close = text.find("}}", pos + 2);
    const std::size_t nl = text.find('\n', pos + 2);
    if (close == std::string_view::npos || (nl != std::string_view::npos && nl < close)) {
      problems.push_back({start_line, "", "\"{{\" is not closed by \"}}\" on the same line"});
      piece += text[pos++];
      continue;
    }
    const std::string_view name = util::trim(text.substr(pos + 2, close - pos - 2));
    if (name.empty() || !std::all_of(name.begin(), name.end(), field_char)) {
      problems.push_back(
        {start_line, std::string(name), "invalid field name (letters, digits, _ . - only)"});
    }
    const bool in_header = hdr_end == std::string_view::npos || pos < hdr_end;
    if (in_header) {
      // Only in a header value: after the colon, or on a folded line. A
      // placeholder in a field name could make any header (Bcc:) from data.
      const std::size_t bol = pos == 0 ? 0 : text.rfind('\n', pos - 1);
      const std::size_t line_start = bol == std::string_view::npos || pos == 0 ? 0 : bol + 1;
      const std::string_view head = text.substr(line_start, pos - line_start);
      const bool folded = !head.empty() && (head.front() == ' ' || head.front() == '\t');
      if (!folded && head.find(':') == std::string_view::npos) {
        problems.push_back({start_line,
                            std::string(name),
                            "a placeholder in a header must come after the colon (header "
                            "values only)"});
      }
    }
    bool display_name = false;
    if (in_header) {
      const std::size_t bol = pos == 0 ? 0 : text.rfind('\n', pos - 1);
      const std::size_t line_start = bol == std::string_view::npos || pos == 0 ? 0 : bol + 1;
      display_name = is_display_name(text, close, text.substr(line_start, pos - line_start));
    }
    t.m_pieces.push_back(std::move(piece));
    piece.clear();
    t.m_placeholders.push_back({std::string(name), start_line, in_header, display_name});
    pos = close + 2;
  }
  t.m_pieces.push_back(std::move(piece));
  if (problems.size() != before) {
    const std::size_t n = problems.size() - before;
    return fail(Errc::data, fmt::format("template: {} problem{}", n, n == 1 ? "" : "s"));
  }
  return t;
}

std::set<std::string>
Template::fields() const
{
  std::set<std::string> out;
  for (const auto& p : m_placeholders) {
    out.insert(p.field);
  }
  return out;
}

std::vector<InputProblem>
Template::check_fields(const std::vector<std::string>& columns) const
{
  std::vector<InputProblem> out;
  for (const auto& p : m_placeholders) {
    if (p.field == "email" || std::find(columns.begin(), columns.end(), p.field) != columns.end()) {
      continue;
    }
    out.push_back({p.line,
                   p.field,
                   fmt::format("unknown field {{{{{}}}}}: no such column in the recipients{}",
                               p.field,
                               did_you_mean(p.field, columns))});
  }
  return out;
}

std::vector<InputProblem>
Template::check_row(std::size_t row_line, const std::map<std::string, std::string>& fields) const
{
  std::vector<InputProblem> out;
  std::set<std::string> reported;
  for (const auto& p : m_placeholders) {
    if (reported.count(p.field) != 0) {
      continue;
    }
    const auto it = fields.find(p.field);
    if (it == fields.end()) {
      out.push_back({row_line, p.field, fmt::format("missing (template line {} uses it)", p.line)});
      reported.insert(p.field);
    } else if (p.in_header && util::has_line_break_or_nul(it->second)) {
      out.push_back({row_line,
                     p.field,
                     fmt::format("contains a line break or NUL and reaches a header (template "
                                 "line {}): header injection",
                                 p.line)});
      reported.insert(p.field);
    } else if (it->second.find('\0') != std::string::npos) {
      out.push_back({row_line, p.field, "contains a NUL character"});
      reported.insert(p.field);
    }
  }
  return out;
}

Result<std::string>
Template::render(const std::map<std::string, std::string>& fields) const
{
  const auto problems = check_row(0, fields);
  if (!problems.empty()) {
    return fail(Errc::data, to_string(problems.front()));
  }
  std::string out = m_pieces.front();
  for (std::size_t i = 0; i < m_placeholders.size(); ++i) {
    const auto& value = fields.at(m_placeholders[i].field);
    out += m_placeholders[i].display_name ? display_name_value(value) : value;
    out += m_pieces[i + 1];
  }
  return out;
}

Result<Template>
load_template(std::string_view path, std::string_view text, std::vector<InputProblem>& problems)
{
  if (auto p = utf8_problem(text, path)) {
    problems.push_back(std::move(*p));
    return fail(Errc::data, "template: 1 problem");
  }
  return Template::parse(text, problems);
}

Result<Template>
read_template(const std::string& path, std::vector<InputProblem>& problems)
{
  PEERMAIL_TRY_ASSIGN(std::string text, util::read_file(path, k_max_template_bytes));
  return load_template(path, text, problems);
}

} // namespace peermail::batch
