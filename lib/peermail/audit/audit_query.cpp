// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the audit log for `audit show` and `audit export`.
#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/line_reader.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace peermail::audit {

namespace {

// Parse exactly `n` digits at `s[pos]`.
bool
digits(std::string_view s, std::size_t pos, std::size_t n, int& out)
{
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<std::int64_t>
parse_rfc3339(std::string_view s)
{
  int y = 0;
  int mo = 0;
  int d = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-'
      || !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(y),
                                         std::chrono::month(static_cast<unsigned>(mo)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) {
    return std::nullopt;
  }
  std::int64_t ms = std::chrono::sys_days(date).time_since_epoch().count() * std::int64_t{86400000};
  if (s.size() == 10) {
    return ms;
  }
  int h = 0;
  int mi = 0;
  int sec = 0;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s.size() < 19
      || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec) || h > 23
      || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  ms += (h * 3600LL + mi * 60LL + sec) * 1000;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int frac_ms = 0;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
    ms += frac_ms;
  }
  if (pos == s.size()) {
    return std::nullopt; // RFC 3339 requires an offset
  }
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    return ms;
  }
  int oh = 0;
  int om = 0;
  if ((s[pos] != '+' && s[pos] != '-') || s.size() != pos + 6 || !digits(s, pos + 1, 2, oh)
      || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
    return std::nullopt;
  }
  const std::int64_t offset = (oh * 60LL + om) * 60000;
  return s[pos] == '+' ? ms - offset : ms + offset;
}

} // namespace

Result<std::int64_t>
parse_time(std::string_view text)
{
  if (auto ms = parse_rfc3339(text)) {
    return *ms;
  }
  return fail(Errc::usage,
              fmt::format("invalid time \"{}\": expected RFC 3339 (2026-03-01T12:00:00Z) or a "
                          "date (2026-03-01)",
                          text));
}

const std::vector<std::string_view>&
known_actions()
{
  // "seal": chain seals (audit seal); "audit-test": `audit test`; "verify":
  // documented since format 1 for verifications (none written so far);
  // "recovered": a torn last line kept after kill -9.
  static const std::vector<std::string_view> k_actions = {"access",
                                                          "audit-test",
                                                          "batch",
                                                          "check",
                                                          "probe",
                                                          "recovered",
                                                          "refusal",
                                                          "seal",
                                                          "send",
                                                          "sendmail",
                                                          "verify"};
  return k_actions;
}

const std::vector<std::string_view>&
known_outcomes()
{
  // Sends: pending … unknown, interrupted (SIGINT/SIGTERM before the final
  // "."), not-sent (resolved by a batch resume); access: accessed, withheld;
  // check and probe: compliant, not-compliant; audit-test: ok; seal: sealed;
  // recovered: torn-tail; verify: valid.
  static const std::vector<std::string_view> k_outcomes = {"accessed",
                                                           "compliant",
                                                           "dry-run",
                                                           "failed",
                                                           "interrupted",
                                                           "not-compliant",
                                                           "not-sent",
                                                           "ok",
                                                           "pending",
                                                           "refused",
                                                           "sealed",
                                                           "sent",
                                                           "tempfail",
                                                           "torn-tail",
                                                           "unknown",
                                                           "valid",
                                                           "withheld"};
  return k_outcomes;
}

namespace {

Result<void>
check_known(std::string_view what,
            const std::string& value,
            const std::vector<std::string_view>& known)
{
  if (value.empty() || std::find(known.begin(), known.end(), value) != known.end()) {
    return {};
  }
  std::string_view best;
  std::size_t best_distance = 3; // within two edits
  for (const auto k : known) {
    const std::size_t d = util::edit_distance(util::to_lower(value), k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  const std::string hint = best.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", best);
  return fail(Errc::usage,
              fmt::format("unknown {} \"{}\"{}", what, value, hint),
              "",
              fmt::format("use one of: {}", fmt::join(known, ", ")));
}

} // namespace

Result<void>
Filter::validate() const
{
  PEERMAIL_TRY(check_known("action", action, known_actions()));
  return check_known("outcome", outcome, known_outcomes());
}

bool
Filter::matches(const nlohmann::json& record) const
{
  if (!record.is_object()) {
    return false;
  }
  auto str = [&](const char* key) -> std::string {
    const auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!outcome.empty() && str("outcome") != outcome) {
    return false;
  }
  if (!action.empty() && str("action") != action) {
    return false;
  }
  if (!user.empty() && str("user") != user) {
    return false;
  }
  if (since_ms || until_ms) {
    const auto ts = parse_rfc3339(str("ts"));
    if (!ts || (since_ms && *ts < *since_ms) || (until_ms && *ts >= *until_ms)) {
      return false;
    }
  }
  if (!recipient.empty()) {
    const std::string want = util::to_lower(recipient);
    const auto it = record.find("recipients");
    if (it == record.end() || !it->is_array()) {
      return false;
    }
    const bool found = std::any_of(it->begin(), it->end(), [&](const nlohmann::json& r) {
      return r.is_string() && util::to_lower(r.get<std::string>()) == want;
    });
    if (!found) {
      return false;
    }
  }
  return true;
}

Result<void>
for_each_record(const std::string& path,
                const Filter& filter,
                const std::function<void(const nlohmann::json&, std::uint64_t)>& fn)
{
  PEERMAIL_TRY_ASSIGN(auto in, detail::LineReader::open(path));
  std::string line;
  bool complete = false;
  while (in.next(line, complete)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && filter.matches(j)) {
      fn(j, in.line_number());
    }
  }
  if (!in.ok()) {
    return fail(Errc::io, fmt::format("audit log {}: read error", path));
  }
  return {};
}

} // namespace peermail::audit
