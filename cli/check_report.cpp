// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_report.hpp"

#include "evidence.hpp"
#include "output.hpp"

#include <peermail/policy/checklist.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace peermail::cli {

namespace {

std::string
record_text(const CheckReportMeta& m)
{
  if (m.record_path.empty() && !m.record_error) {
    return {}; // another tool's file: nothing of peermail's is recorded
  }
  if (m.record_seq) {
    return fmt::format(
      "recorded: audit log {} record {}\n", util::terminal_safe(m.record_path), *m.record_seq);
  }
  const std::string why = m.record_error ? m.record_error->message : "no audit log";
  return fmt::format("NOT recorded in the audit log: {}\n", util::terminal_safe(why));
}

} // namespace

void
print_check_text(const std::vector<policy::Finding>& fs, const CheckReportMeta& m)
{
  if (m.source_kind.empty()) {
    std::cout << fmt::format("peermail check: profile hipaa, config {}\n",
                             util::terminal_safe(m.header.config_path));
  } else {
    const auto kind = m.source_kind == "msmtprc"  ? "msmtp"
                      : m.source_kind == "muttrc" ? "mutt"
                                                  : m.source_kind.c_str();
    std::cout << fmt::format(
      "peermail check: profile hipaa, {} {}{}\n",
      kind,
      util::terminal_safe(m.source_path),
      m.source_account.empty()
        ? std::string()
        : fmt::format(", account {}", util::terminal_safe(m.source_account)));
  }
  std::cout << evidence_text(m.header);
  for (const auto& n : m.notes) {
    std::cout << fmt::format("note: {}\n", util::terminal_safe(n));
  }
  std::string_view area;
  int counts[4] = {0, 0, 0, 0};
  for (const auto& f : fs) {
    const auto* item = policy::find_item(f.id);
    if (item != nullptr && item->area != area) {
      area = item->area;
      std::cout << fmt::format("\n{}\n", area);
    }
    counts[static_cast<int>(f.status)]++;
    std::cout << fmt::format("  {:<4}  {:<7}  {}\n", policy::to_string(f.status), f.id, f.title);
    if (!f.evidence.empty()) {
      // Evidence may quote a file (another tool's, a tampered main.cf) or
      // a server: terminal controls are shown escaped, never raw.
      std::cout << fmt::format("               {}\n", util::terminal_safe(f.evidence));
    }
    if (!f.fix.empty() && (f.status == policy::Status::fail || f.status == policy::Status::warn)) {
      std::cout << fmt::format("               fix: {}\n", util::terminal_safe(f.fix));
    }
  }
  std::cout << fmt::format("\n{} pass, {} warn, {} fail, {} skip: {}\n",
                           counts[0],
                           counts[1],
                           counts[2],
                           counts[3],
                           counts[2] > 0 ? "NOT COMPLIANT" : "no failures");
  std::cout << record_text(m);
}

void
print_check_json(const std::vector<policy::Finding>& fs, const CheckReportMeta& m)
{
  nlohmann::json record = {
    {"path",  m.record_path                                                         },
    {"seq",   m.record_seq ? nlohmann::json(*m.record_seq) : nlohmann::json(nullptr)},
    {"error", m.record_error ? m.record_error->message : std::string()              },
    {"fix",   m.record_error ? m.record_error->fix : std::string()                  }
  };
  nlohmann::json out = {
    {"ok",           !policy::any_fail(fs)   },
    {"profile",      "hipaa"                 },
    {"report",       audit::to_json(m.header)},
    {"audit_record", record                  },
    {"findings",     nlohmann::json::array() }
  };
  if (!m.source_kind.empty()) {
    // `check --msmtprc`: what was judged, and what in it could not be.
    out["source"] = {
      {"kind",    m.source_kind                                                                 },
      {"path",    m.source_path                                                                 },
      {"account", m.source_account.empty() ? nlohmann::json() : nlohmann::json(m.source_account)}
    };
    out["notes"] = m.notes;
  }
  for (const auto& f : fs) {
    out["findings"].push_back({
      {"id",        f.id                       },
      {"title",     f.title                    },
      {"status",    policy::to_string(f.status)},
      {"level",     policy::to_string(f.level) },
      {"evidence",  f.evidence                 },
      {"fix",       f.fix                      },
      {"reference", f.reference                }
    });
  }
  print_json(out);
}

} // namespace peermail::cli
