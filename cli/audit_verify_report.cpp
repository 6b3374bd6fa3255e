// SPDX-License-Identifier: GPL-3.0-or-later
#include "audit_verify_report.hpp"

#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

namespace peermail::cli {

void
warn_seals_not_checked()
{
  print_warn(
    "no [audit] seal_key: seals are not checked, so a chain rewritten and rehashed from some "
    "record on is not detected (set [audit] seal_key, see peermail-audit(1))");
}

const char*
plural(std::uint64_t n)
{
  return n == 1 ? "" : "s";
}

namespace {

nlohmann::json
log_verify_json(const std::string& path, const audit::VerifyReport& r, const std::string& key)
{
  nlohmann::json j = {
    {"ok",         r.ok        },
    {"path",       path        },
    {"records",    r.records   },
    {"head_seq",   r.head_seq  },
    {"head_hash",  r.head_hash },
    {"unresolved", r.unresolved},
    {"seals",
     {{"checked", r.seals_checked},
      {"key", key.empty() ? nlohmann::json() : nlohmann::json(key)},
      {"count", r.seals},
      {"sealed_seq", r.sealed_seq},
      {"sealed_time", r.sealed_time},
      {"unsealed", r.unsealed}}}
  };
  if (!r.ok) {
    j["problem"] = r.problem;
    j["line"] = r.first_bad_line ? nlohmann::json(*r.first_bad_line) : nlohmann::json();
    j["seq"] = r.first_bad_seq ? nlohmann::json(*r.first_bad_seq) : nlohmann::json();
  }
  return j;
}

void
print_seal_summary(const audit::VerifyReport& r, const std::string& key)
{
  if (!r.seals_checked) {
    if (r.seals > 0) {
      fmt::print("seals: {} not checked\n", r.seals);
    }
    warn_seals_not_checked();
    return;
  }
  if (r.sealed_seq == 0) {
    fmt::print("seals: none (key {}); {} record{} unsealed\n", key, r.unsealed, plural(r.unsealed));
  } else {
    fmt::print(
      "seals: {} valid (key {}); records 1…{} sealed at {}; {} record{} after the last "
      "seal\n",
      r.seals,
      key,
      r.sealed_seq,
      util::terminal_safe(r.sealed_time),
      r.unsealed,
      plural(r.unsealed));
  }
  if (r.unsealed > 0) {
    print_warn(
      fmt::format("{} record{} after the last seal can still be rewritten without "
                  "detection: run `peermail audit seal`",
                  r.unsealed,
                  plural(r.unsealed)));
  }
}

} // namespace

int
report_log_verify(const std::string& path,
                  const audit::VerifyReport& r,
                  const std::string& key,
                  const GlobalOptions& g)
{
  if (g.json) {
    print_json(log_verify_json(path, r, key));
  }
  if (!r.ok) {
    return print_error(Error(
      Errc::verdict,
      fmt::format("audit log {}: {}", path, r.problem),
      "AUD-03",
      fmt::format("the {} record{} before it verify; keep this file as evidence, restore the log "
                  "from a backup and investigate who changed it",
                  r.records,
                  plural(r.records))));
  }
  if (!r.unresolved.empty()) {
    const auto n = r.unresolved.size();
    print_warn(
      fmt::format("{} pending record{} without an outcome record: seq {} (a crash, or "
                  "the outcome could not be written; the message may have reached the "
                  "server: check there, or in the batch journal, before resending)",
                  n,
                  plural(n),
                  fmt::join(r.unresolved, ", ")));
  }
  if (g.json) {
    if (!r.seals_checked) {
      warn_seals_not_checked();
    }
    return 0;
  }
  fmt::print("audit log {}: {} record{}, chain intact\n", path, r.records, plural(r.records));
  if (r.records > 0) {
    fmt::print("head: seq {} hash {}\n", r.head_seq, r.head_hash);
  }
  print_seal_summary(r, key);
  if (r.records > 0) {
    print_note(
      "removing the last records (with their seals) is detected only against a head "
      "kept elsewhere: `audit seal --mail ADDR` sends one to a witness; later "
      "`audit verify --anchor HASH --expect-seq N`");
  }
  return 0;
}

} // namespace peermail::cli
