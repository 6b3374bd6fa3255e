// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Batch message templates (docs/DESIGN.md §2.2): an RFC 5322 message with
// `{{field}}` placeholders in its headers and body. Pure, no I/O except
// read_template().
//
// Syntax: "{{" optional spaces, a field name (letters, digits, _ . -),
// optional spaces, "}}". There is no escape: a literal "{{" cannot appear.
// The header section is everything before the first empty line (folded
// continuation lines included); the rest is the body. Line endings (LF or
// CRLF) are kept as written.
//
// Errors are collected with template line numbers: an unclosed "{{", an
// invalid field name, an empty header section, a placeholder in a header
// field name (before the colon: data must never choose a header), and (check_fields) a field
// that no recipient column provides (with "did you mean"). `{{email}}` is
// always available.
//
// Rendering refuses (Errc::data, 65) a value that would reach a header with
// CR, LF or NUL (header injection, RFC 5322 §2.2) or a body value with NUL,
// and a field the row does not have; the error names the line and field,
// never the value (it may be PHI). A display-name placeholder whose value
// holds specials is quoted (Placeholder::display_name).
//
// Usage:
//   auto t = Template::parse(text);                 // Result<Template>: problems → data error
//   auto probs = t->check_fields(list.columns);     // unknown fields
//   auto probs2 = t->check_row(row.line, row.fields); // per recipient, before sending
//   auto msg = t->render(row.fields);               // Result<std::string>

#include <peermail/batch/recipients.hpp>
#include <peermail/util/result.hpp>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::batch {

class Template
{
public:
  // One placeholder.
  struct Placeholder
  {
    std::string field;
    std::size_t line = 0; // 1-based template line
    bool in_header = false;
    // In an address header (From, To, Cc, Reply-To, Sender) before its "<":
    // a display name. A value with RFC 5322 specials ("Ruiz, Ana",
    // "Doe; Jane") is rendered as a quoted string so that it stays one name.
    bool display_name = false;
  };

  // Parse `text`. Every syntax problem is collected in `problems` (and the
  // result is then an error); on success `problems` is untouched.
  // Errors: data ("template: N problems", details in `problems`).
  static Result<Template> parse(std::string_view text, std::vector<InputProblem>& problems);

  // Return every placeholder in order of appearance.
  const std::vector<Placeholder>&
  placeholders() const
  {
    return m_placeholders;
  }

  // Return the distinct field names used.
  std::set<std::string> fields() const;

  // Return one problem per placeholder whose field is not in `columns` (and
  // is not `email`), with the template line and a "did you mean".
  std::vector<InputProblem> check_fields(const std::vector<std::string>& columns) const;

  // Return the problems rendering `fields` would have, as recipients-file
  // problems on `row_line`: a missing field, CR/LF/NUL in a header value,
  // NUL in a body value.
  std::vector<InputProblem> check_row(std::size_t row_line,
                                      const std::map<std::string, std::string>& fields) const;

  // Return the message for `fields`. Errors: data (the first problem
  // check_row would report, without the row line).
  Result<std::string> render(const std::map<std::string, std::string>& fields) const;

private:
  // The text split into literal pieces and placeholders: m_pieces[i] is
  // followed by m_placeholders[i]; m_pieces has one more element.
  std::vector<std::string> m_pieces;
  std::vector<Placeholder> m_placeholders;
};

// The largest template file.
inline constexpr std::size_t k_max_template_bytes = 1U << 20;

// Parse the template from the bytes `text` of the file `path` (named in the
// iconv fix when it is not UTF-8). Errors as read_template() except no_input.
Result<Template>
load_template(std::string_view path, std::string_view text, std::vector<InputProblem>& problems);

// Read and parse the template file `path`. Errors: no_input (missing or
// unreadable), data (too large: 1 MiB; not UTF-8 (utf8_problem) or syntax
// problems, in `problems`).
Result<Template> read_template(const std::string& path, std::vector<InputProblem>& problems);

} // namespace peermail::batch
