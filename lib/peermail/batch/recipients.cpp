// SPDX-License-Identifier: GPL-3.0-or-later
#include "recipients.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace peermail::batch {

namespace {

bool
valid_column_name(std::string_view name)
{
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '-' || c == '.';
  });
}

bool
ends_with(std::string_view s, std::string_view suffix)
{
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Adds the rows of one file, checking emails and field values.
// How much of an offending value a problem shows.
constexpr std::size_t k_shown_value_bytes = 64;

// Return `s` cut to at most `max` bytes on a UTF-8 boundary, "…" marking a cut.
std::string
clip(std::string_view s, std::size_t max)
{
  if (s.size() <= max) {
    return std::string(s);
  }
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return fmt::format("{}\u2026", s.substr(0, end));
}

class Collector
{
public:
  Collector(RecipientList& out, const RecipientLimits& limits)
    : m_out(out),
      m_limits(limits)
  {
  }

  // A problem of the whole file.
  void
  problem(std::size_t line, std::string column, std::string message)
  {
    m_out.problems.push_back({line, std::move(column), std::move(message), false});
  }

  // A problem of the row on `line` only (InputProblem::row).
  void
  row_problem(std::size_t line, std::string column, std::string message)
  {
    m_out.problems.push_back({line, std::move(column), std::move(message), true});
  }

  // Return false once the row limit is exceeded (stop reading).
  bool
  add(std::size_t line, std::map<std::string, std::string> fields)
  {
    if (++m_count > m_limits.max_rows) {
      problem(line, "", fmt::format("more than {} rows; split the file", m_limits.max_rows));
      return false;
    }
    bool ok = true;
    for (const auto& [name, value] : fields) {
      if (value.find('\0') != std::string::npos) {
        row_problem(line, name, "contains a NUL character");
        ok = false;
      } else if (!util::valid_utf8(value)) {
        row_problem(line, name, "not UTF-8 (convert the file: iconv -f LATIN1 -t UTF-8)");
        ok = false;
      }
      if (value.size() > m_limits.max_field_bytes) {
        row_problem(line, name, fmt::format("longer than {} bytes", m_limits.max_field_bytes));
        ok = false;
      }
    }
    const auto it = fields.find("email");
    if (it == fields.end()) {
      row_problem(line, "email", "missing");
      return true;
    }
    const std::string raw = it->second;
    if (util::has_line_break_or_nul(raw)) {
      row_problem(line, "email", "contains a line break or NUL (header injection)");
      return true;
    }
    const std::string_view trimmed = util::trim(raw);
    if (trimmed.empty()) {
      row_problem(line, "email", "is empty");
      return true;
    }
    // The one address rule. The value is shown (the user must find it in
    // their own file), terminal-safe and clipped; audit records never hold it.
    auto normal = address::check_address(trimmed);
    if (!normal) {
      row_problem(line,
                  "email",
                  fmt::format("\"{}\" is not a valid email address: {}",
                              util::terminal_safe(clip(trimmed, k_shown_value_bytes)),
                              normal.error().message));
      return true;
    }
    const std::string email = std::move(*normal);
    const auto [seen, inserted] = m_seen.emplace(email, line);
    if (!inserted) {
      row_problem(line, "email", fmt::format("duplicates the address on line {}", seen->second));
      return true;
    }
    if (!ok) {
      return true;
    }
    it->second = email;
    m_out.rows.push_back({line, email, std::move(fields)});
    return true;
  }

private:
  RecipientList& m_out;
  const RecipientLimits& m_limits;
  std::map<std::string, std::size_t> m_seen;
  std::size_t m_count = 0;
};

void
parse_csv_recipients(std::string_view content, const RecipientLimits& limits, RecipientList& out)
{
  Collector c(out, limits);
  out.delimiter = detect_delimiter(content);
  auto records = parse_csv(content, limits.max_field_bytes, out.delimiter);
  if (!records) {
    c.problem(0, "", records.error().message);
    return;
  }
  if (records->empty()) {
    c.problem(0, "", "no header row (a header with an `email` column is required)");
    return;
  }
  const CsvRecord& header = records->front();
  if (header.fields.size() > limits.max_columns) {
    c.problem(header.line, "", fmt::format("more than {} columns", limits.max_columns));
    return;
  }
  std::set<std::string> names;
  bool header_ok = true;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    std::string name(util::trim(header.fields[i]));
    if (util::to_lower(name) == "email") {
      name = "email";
    }
    if (!valid_column_name(name)) {
      c.problem(header.line,
                name,
                fmt::format("column {} has an invalid name (letters, digits, _ . - only)", i + 1));
      header_ok = false;
    } else if (!names.insert(name).second) {
      c.problem(header.line, name, "duplicate column name");
      header_ok = false;
    }
    out.columns.push_back(name);
  }
  if (names.count("email") == 0) {
    c.problem(header.line, "email", "no `email` column in the header row");
    header_ok = false;
  }
  if (!header_ok) {
    return;
  }
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    if (rec.fields.size() != out.columns.size()) {
      c.row_problem(rec.line,
                    "",
                    fmt::format("row has {} field{}, the header has {}",
                                rec.fields.size(),
                                rec.fields.size() == 1 ? "" : "s",
                                out.columns.size()));
      continue;
    }
    std::map<std::string, std::string> fields;
    for (std::size_t i = 0; i < rec.fields.size(); ++i) {
      fields.emplace(out.columns[i], rec.fields[i]);
    }
    if (!c.add(rec.line, std::move(fields))) {
      return;
    }
  }
}

void
parse_jsonl_recipients(std::string_view content, const RecipientLimits& limits, RecipientList& out)
{
  Collector c(out, limits);
  std::set<std::string> known;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  if (content.substr(0, 3) == "\xEF\xBB\xBF") {
    pos = 3;
  }
  while (pos < content.size()) {
    const std::size_t nl = content.find('\n', pos);
    std::string_view line =
      content.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? content.size() : nl + 1;
    ++line_no;
    if (util::trim(line).empty()) {
      continue;
    }
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) {
      c.row_problem(line_no, "", "not a JSON object");
      continue;
    }
    std::map<std::string, std::string> fields;
    bool ok = true;
    for (const auto& [key, value] : j.items()) {
      std::string name = util::to_lower(key) == "email" ? "email" : key;
      if (!valid_column_name(name)) {
        c.row_problem(line_no, "", "a key has an invalid name (letters, digits, _ . - only)");
        ok = false;
        continue;
      }
      if (value.is_string()) {
        fields[name] = value.get<std::string>();
      } else if (value.is_null()) {
        fields[name] = "";
      } else if (value.is_primitive()) {
        fields[name] = value.dump();
      } else {
        c.row_problem(line_no, name, "nested arrays and objects are not supported");
        ok = false;
        continue;
      }
      if (known.insert(name).second) {
        if (known.size() > limits.max_columns) {
          c.problem(line_no, "", fmt::format("more than {} columns", limits.max_columns));
          return;
        }
        out.columns.push_back(name);
      }
    }
    if (!ok) {
      continue;
    }
    if (!c.add(line_no, std::move(fields))) {
      return;
    }
  }
}

} // namespace

std::string
to_string(const InputProblem& p)
{
  std::string out;
  if (p.line > 0) {
    out = fmt::format("line {}: ", p.line);
  }
  if (!p.column.empty()) {
    out += fmt::format("{}: ", p.column);
  }
  return out + p.message;
}

Result<std::vector<CsvRecord>>
parse_csv(std::string_view text, std::size_t max_field_bytes, char delimiter)
{
  std::vector<CsvRecord> records;
  std::size_t pos = 0;
  std::size_t line = 1;
  const std::size_t n = text.size();
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    pos = 3;
  }
  auto too_long = [&](std::size_t at) {
    return fail(Errc::data,
                fmt::format("line {}: a field is longer than {} bytes", at, max_field_bytes));
  };
  while (pos < n) {
    CsvRecord rec;
    rec.line = line;
    bool any_quoted = false;
    for (;;) {
      std::string field;
      if (pos < n && text[pos] == '"') {
        any_quoted = true;
        const std::size_t start_line = line;
        ++pos;
        for (;;) {
          if (pos >= n) {
            return fail(Errc::data,
                        fmt::format("line {}: a quoted field is not closed", start_line));
          }
          const char ch = text[pos];
          if (ch == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field += '"';
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          if (ch == '\n') {
            ++line;
          }
          field += ch;
          ++pos;
          if (field.size() > max_field_bytes) {
            return too_long(start_line);
          }
        }
        if (pos < n && text[pos] != delimiter && text[pos] != '\n'
            && !(text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n')) {
          return fail(Errc::data, fmt::format("line {}: characters after a closing quote", line));
        }
      } else {
        while (pos < n && text[pos] != delimiter && text[pos] != '\n' && text[pos] != '\r') {
          if (text[pos] == '"') {
            return fail(Errc::data,
                        fmt::format("line {}: a quote inside an unquoted field (quote the field "
                                    "and double the quote)",
                                    line));
          }
          field += text[pos++];
          if (field.size() > max_field_bytes) {
            return too_long(line);
          }
        }
        if (pos < n && text[pos] == '\r' && !(pos + 1 < n && text[pos + 1] == '\n')) {
          return fail(Errc::data,
                      fmt::format("line {}: a carriage return without line feed", line));
        }
      }
      rec.fields.push_back(std::move(field));
      if (pos >= n) {
        break;
      }
      if (text[pos] == delimiter) {
        ++pos;
        continue;
      }
      pos += text[pos] == '\r' ? 2 : 1; // CRLF or LF
      ++line;
      break;
    }
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty() && !any_quoted;
    if (!blank) {
      records.push_back(std::move(rec));
    }
  }
  return records;
}

char
detect_delimiter(std::string_view text)
{
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  auto header = text.substr(0, text.find('\n'));
  if (!header.empty() && header.back() == '\r') {
    header.remove_suffix(1);
  }
  char best = ',';
  std::size_t best_columns = 0;
  for (const char d : {',', ';', '\t'}) {
    auto rec = parse_csv(header, 64 * 1024, d);
    if (!rec || rec->empty()) {
      continue;
    }
    const auto& fields = rec->front().fields;
    const bool has_email = std::any_of(fields.begin(), fields.end(), [](const std::string& f) {
      return util::to_lower(util::trim(f)) == "email";
    });
    if (has_email && fields.size() > best_columns) {
      best = d;
      best_columns = fields.size();
    }
  }
  return best;
}

RecipientFormat
detect_format(std::string_view path, std::string_view content)
{
  const std::string lower = util::to_lower(path);
  if (ends_with(lower, ".csv")) {
    return RecipientFormat::csv;
  }
  if (ends_with(lower, ".jsonl") || ends_with(lower, ".ndjson") || ends_with(lower, ".json")) {
    return RecipientFormat::jsonl;
  }
  if (content.substr(0, 3) == "\xEF\xBB\xBF") {
    content.remove_prefix(3);
  }
  const auto first = util::trim(content);
  return !first.empty() && first.front() == '{' ? RecipientFormat::jsonl : RecipientFormat::csv;
}

RecipientList
parse_recipients(std::string_view content, RecipientFormat format, const RecipientLimits& limits)
{
  RecipientList out;
  out.format = format;
  if (format == RecipientFormat::csv) {
    parse_csv_recipients(content, limits, out);
  } else {
    parse_jsonl_recipients(content, limits, out);
  }
  if (out.problems.empty() && out.rows.empty()) {
    out.problems.push_back({0, "", "no recipients"});
  }
  return out;
}

namespace {

// Return `path` as a shell word: as it is when it holds only safe
// characters, else single-quoted.
std::string
shell_word(std::string_view path)
{
  const bool safe = !path.empty() && std::all_of(path.begin(), path.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || std::string_view("._-/+,=:@%").find(c) != std::string_view::npos;
  });
  return safe ? std::string(path) : util::shell_quote(path);
}

} // namespace

std::optional<InputProblem>
utf8_problem(std::string_view content, std::string_view path)
{
  std::size_t line = 1;
  std::size_t pos = 0;
  while (pos < content.size()) {
    const auto nl = content.find('\n', pos);
    const auto end = nl == std::string_view::npos ? content.size() : nl;
    const auto text = content.substr(pos, end - pos);
    // NUL is refused on its own terms (per field); here only the encoding.
    bool ok = true;
    std::size_t from = 0;
    while (ok && from <= text.size()) {
      const auto nul = text.find('\0', from);
      const auto upto = nul == std::string_view::npos ? text.size() : nul;
      ok = util::valid_utf8(text.substr(from, upto - from));
      from = upto + 1;
    }
    if (!ok) {
      const auto slash = path.rfind('/');
      const auto dot = path.rfind('.');
      const bool has_ext =
        dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash + 1);
      const std::string out = has_ext
                                ? fmt::format("{}-utf8{}", path.substr(0, dot), path.substr(dot))
                                : fmt::format("{}-utf8", path);
      return InputProblem{line,
                          "",
                          fmt::format("not UTF-8 (convert it: iconv -f LATIN1 -t UTF-8 {} > {})",
                                      shell_word(path),
                                      shell_word(out))};
    }
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
    ++line;
  }
  return std::nullopt;
}

RecipientList
load_recipients(std::string_view path, std::string_view content, const RecipientLimits& limits)
{
  const auto format = detect_format(path, content);
  if (auto p = utf8_problem(content, path)) {
    RecipientList out;
    out.format = format;
    out.problems.push_back(std::move(*p));
    return out;
  }
  return parse_recipients(content, format, limits);
}

Result<RecipientList>
read_recipients(const std::string& path, const RecipientLimits& limits)
{
  PEERMAIL_TRY_ASSIGN(std::string content, util::read_file(path, limits.max_file_bytes));
  return load_recipients(path, content, limits);
}

} // namespace peermail::batch
