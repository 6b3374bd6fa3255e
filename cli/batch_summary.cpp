// SPDX-License-Identifier: GPL-3.0-or-later
// The end of `peermail batch`: the summary line (text or --json).
#include "batch_report.hpp"
#include "output.hpp"
#include "signals.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace peermail::cli {

void
BatchReporter::summary(const BatchTally& t, int exit_code, int signal)
{
  clear_bar();
  const double secs =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  if (m_json) {
    nlohmann::json j = {
      {"summary",
       {{"recipients", t.total},
        {"sent", m_dry_run ? 0 : t.sent},
        {"would_send", m_dry_run ? t.sent : 0},
        {"failed", t.failed},
        {"unknown", t.unknown},
        {"not_sent", t.not_sent},
        {"interrupted", t.interrupted},
        {"already_sent", t.already_sent},
        {"resolved", t.resolved},
        {"unready", t.unready},
        {"invalid", t.invalid},
        {"dry_run", m_dry_run},
        {"seconds", secs},
        {"exit_code", exit_code}}}
    };
    if (signal > 0) {
      j["summary"]["signal"] = signal_name(signal);
    }
    print_json(j);
  } else {
    print_summary_text(t, secs);
  }
  if (t.unknown > 0) {
    print_note(
      fmt::format("{} message{} may have been delivered (no reply to the final \".\"): "
                  "check with {} before sending again; a rerun never resends {}",
                  t.unknown,
                  t.unknown == 1 ? "" : "s",
                  t.unknown == 1 ? "that recipient" : "those recipients",
                  t.unknown == 1 ? "it" : "them"));
  }
}

void
BatchReporter::print_summary_text(const BatchTally& t, double secs) const
{
  const double rate = secs > 0 ? static_cast<double>(t.sent + t.failed) / secs : 0.0;
  fmt::print(
    "batch{}: {} {}, {} failed, {} unknown, {} interrupted, {} not sent, {} already sent, {} "
    "skipped (no usable key), {} skipped (invalid row) of {} recipients in {:.1f} s ({:.1f} "
    "msg/s)\n",
    m_dry_run ? " (dry run, nothing was sent)" : "",
    t.sent,
    m_dry_run ? "would be sent" : "sent",
    t.failed,
    t.unknown,
    t.interrupted,
    t.not_sent,
    t.already_sent,
    t.unready,
    t.invalid,
    t.total,
    secs,
    rate);
}

} // namespace peermail::cli
