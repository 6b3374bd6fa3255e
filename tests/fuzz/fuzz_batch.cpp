// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz the batch data layer: recipients (CSV and JSON Lines) and templates.
// Never a crash, hang or leak; a row is rendered exactly when check_row finds
// no problem; a rendered header section never gains a line (no value can
// inject a header); every accepted email is a valid address.
#include <peermail/address/mailbox.hpp>
#include <peermail/batch/recipients.hpp>
#include <peermail/batch/template.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Abort (a libFuzzer crash) naming the broken invariant.
void
fail_invariant(const char* what)
{
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

#define check(cond) ((cond) ? (void)0 : fail_invariant(#cond))

// The number of lines of the header section of `msg` (up to the first
// empty line).
std::size_t
header_lines(std::string_view msg)
{
  std::size_t lines = 0;
  std::size_t pos = 0;
  while (pos < msg.size()) {
    const auto eol = msg.find('\n', pos);
    std::string_view line = msg.substr(pos, eol == std::string_view::npos ? msg.npos : eol - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      break;
    }
    ++lines;
    if (eol == std::string_view::npos) {
      break;
    }
    pos = eol + 1;
  }
  return lines;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace peermail::batch;
  FuzzedDataProvider fdp(data, size);
  const std::string tmpl = fdp.ConsumeRandomLengthString(4096);
  const bool jsonl = fdp.ConsumeBool();
  const std::string people = fdp.ConsumeRemainingBytesAsString();

  RecipientLimits limits;
  limits.max_rows = 200;
  limits.max_field_bytes = 4096;
  const RecipientList list =
    parse_recipients(people, jsonl ? RecipientFormat::jsonl : RecipientFormat::csv, limits);
  check(list.rows.size() <= limits.max_rows);
  for (const auto& row : list.rows) {
    check(peermail::address::is_valid_address(row.email));
    check(row.email.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  }
  (void)parse_csv(people, limits.max_field_bytes);

  std::vector<InputProblem> problems;
  auto t = Template::parse(tmpl, problems);
  if (!t) {
    check(!problems.empty());
    return 0;
  }
  (void)t->check_fields(list.columns);
  // Templates whose header lines are only placeholders may legitimately
  // change shape; the invariant is about values, so compare with a render
  // whose values are all "x".
  std::map<std::string, std::string> plain;
  for (const auto& f : t->fields()) {
    plain[f] = "x";
  }
  plain["email"] = "x";
  auto reference = t->render(plain);
  std::size_t n = 0;
  for (const auto& row : list.rows) {
    if (++n > 20) {
      break;
    }
    const auto row_problems = t->check_row(row.line, row.fields);
    auto msg = t->render(row.fields);
    check(row_problems.empty() == msg.has_value());
    if (msg && reference) {
      bool empty_value = false;
      for (const auto& p : t->placeholders()) {
        auto it = row.fields.find(p.field);
        empty_value =
          empty_value || (p.in_header && (it == row.fields.end() || it->second.empty()));
      }
      if (!empty_value) {
        check(header_lines(*msg) == header_lines(*reference));
      }
    }
  }
  return 0;
}
