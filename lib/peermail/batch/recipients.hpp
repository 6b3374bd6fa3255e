// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Batch recipients (docs/DESIGN.md §2.2): a CSV file (RFC 4180 with a header row)
// or JSON Lines (one flat object per line). Column `email` is required; every
// other column is a template field. Pure: no I/O except read_recipients().
//
// Everything wrong is collected as an InputProblem (line, column, what), never
// just the first thing: missing/invalid/duplicate email, NUL in any field,
// CR/LF in the email, too many rows, a field over the size limit, a row with
// the wrong number of CSV fields, a JSON line that is not a flat object.
// CR/LF in other fields is allowed here (a multi-line value may go into the
// body); the template refuses them in values that reach a header.
// Problems never quote field values (they may be PHI), only row, column and
// what is wrong.
//
// Limits (RecipientLimits): 100 000 rows, 64 KiB per field, 256 columns,
// 64 MiB per file.
//
// Usage:
//   auto list = read_recipients("people.csv");      // Result<RecipientList>
//   if (!list) → no_input/data error (unreadable, over the size limit)
//   for (auto& p : list->problems) … report all …
//   for (auto& row : list->rows) render(row.fields) …

#include <peermail/util/result.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::batch {

// One thing wrong with the batch input. `line` is 1-based in the file it
// concerns (recipients file or template; 0: the whole file); `column` names
// the column or template field concerned ("" if none). `row` is true when
// only that row is wrong (a bad or missing value, a wrong field count): the
// rest of the file is sound without it, so `batch --skip-invalid` may skip
// it. Anything else (the CSV cannot be parsed, the header, the encoding, a
// limit) concerns the whole file.
struct InputProblem
{
  std::size_t line = 0;
  std::string column;
  std::string message;
  bool row = false;
};

// Return "line N: column C: message" (parts omitted when empty/0).
std::string to_string(const InputProblem& p);

enum class RecipientFormat {
  csv,
  jsonl,
};

struct RecipientLimits
{
  std::size_t max_rows = 100000;
  std::size_t max_field_bytes = 64 * 1024;
  std::size_t max_columns = 256;
  std::size_t max_file_bytes = 64ULL << 20;
};

// One recipient.
struct RecipientRow
{
  std::size_t line = 0;                      // line of the file where the row starts
  std::string email;                         // the `email` value, trimmed and lower-cased
  std::map<std::string, std::string> fields; // every column, `email` included (as normalised)
};

struct RecipientList
{
  RecipientFormat format = RecipientFormat::csv;
  char delimiter = ',';             // CSV: the field separator found in the header row
  std::vector<std::string> columns; // header order (CSV) or first-seen order (JSON Lines)
  std::vector<RecipientRow> rows;   // rows with a valid, unique email
  std::vector<InputProblem> problems;
};

// One CSV record with the line it starts on.
struct CsvRecord
{
  std::size_t line = 0;
  std::vector<std::string> fields;
};

// Parse `text` as RFC 4180 CSV: fields separated by `delimiter`, records by CRLF or
// LF (a trailing line break is optional), fields optionally in double quotes
// with "" for a quote; quoted fields may hold commas and line breaks. A UTF-8
// BOM at the start is skipped. Blank lines are skipped. Errors (data, with
// the line): an unterminated quoted field, a quote inside an unquoted field,
// characters after a closing quote, a field over `max_field_bytes`.
Result<std::vector<CsvRecord>>
parse_csv(std::string_view text, std::size_t max_field_bytes = 64 * 1024, char delimiter = ',');

// Return the field separator of a CSV `text`, judged on its header row:
// the one of ",", ";" (spreadsheets in German and other locales) and tab
// that splits off an `email` column; when several do, the one giving more
// columns; when none does, ",". Quotes in the header are honoured.
char detect_delimiter(std::string_view text);

// Return csv for a ".csv" `path`, jsonl for ".jsonl"/".ndjson"/".json", else
// jsonl if the first non-blank byte of `content` is "{", else csv.
RecipientFormat detect_format(std::string_view path, std::string_view content);

// Parse recipients from `content` in `format`. Never fails: everything
// wrong is in RecipientList::problems. Every email goes through the one
// address rule (address::check_address) and is kept normalised (lower case,
// A-label domain).
RecipientList parse_recipients(std::string_view content,
                               RecipientFormat format,
                               const RecipientLimits& limits = {});

// Return the problem of a `content` that is not UTF-8 (GLib's validator),
// naming the first line that is not and the iconv(1) command that converts
// the file `path` ("line 7: not UTF-8 (convert it: iconv -f LATIN1 -t UTF-8
// people.csv > people-utf8.csv)"), or nothing when it is UTF-8.
std::optional<InputProblem> utf8_problem(std::string_view content, std::string_view path);

// Parse recipients from the bytes `content` of the file `path`: format by
// detect_format, a file that is not UTF-8 is one problem (utf8_problem).
// The caller reads the file once and may hash the same bytes.
RecipientList load_recipients(std::string_view path,
                              std::string_view content,
                              const RecipientLimits& limits = {});

// Read and parse the recipients file `path` (format by detect_format).
// A file that is not UTF-8 is one problem (utf8_problem), not parsed.
// Errors: no_input (missing or unreadable), data (over max_file_bytes).
Result<RecipientList> read_recipients(const std::string& path, const RecipientLimits& limits = {});

} // namespace peermail::batch
