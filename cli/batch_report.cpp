// SPDX-License-Identifier: GPL-3.0-or-later
#include "batch_report.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "signals.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace peermail::cli {

BatchReporter::BatchReporter(bool json, bool progress, bool dry_run)
  : m_json(json),
    m_progress(progress),
    m_dry_run(dry_run),
    m_start(std::chrono::steady_clock::now())
{
}

void
BatchReporter::clear_bar()
{
  if (m_drawn) {
    std::fputs("\r\033[K", stderr);
    m_drawn = false;
  }
}

void
BatchReporter::recipient(const std::string& email,
                         const std::string& status,
                         const std::string& message_id,
                         std::optional<int> smtp_code,
                         int attempts,
                         const std::optional<Error>& error,
                         int exit_code)
{
  if (m_json) {
    nlohmann::json j = {
      {"email",      email                                                    },
      {"status",     status                                                   },
      {"message_id", message_id                                               },
      {"smtp_code",  smtp_code ? nlohmann::json(*smtp_code) : nlohmann::json()},
      {"attempts",   attempts                                                 },
      {"error",      error ? nlohmann::json(error->message) : nlohmann::json()}
    };
    if (error) {
      j["check_id"] = error->check_id;
      j["exit_code"] = exit_code;
    }
    print_json(j);
    std::fflush(stdout);
    return;
  }
  if (!error || status == "already-sent") {
    return;
  }
  clear_bar();
  std::string line = fmt::format("peermail: {} {}: {}", status, email, error->message);
  if (!error->check_id.empty()) {
    line += fmt::format(" [{}]", error->check_id);
  }
  if (!error->fix.empty()) {
    line += fmt::format("\npeermail: fix: {}", error->fix);
  }
  fmt::print(stderr, "{}\n", line);
}

void
BatchReporter::progress(const BatchTally& t, bool force)
{
  if (!m_progress) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - m_last_draw < std::chrono::milliseconds(200)) {
    return;
  }
  m_last_draw = now;
  const double secs = std::chrono::duration<double>(now - m_start).count();
  const std::size_t done = t.sent + t.failed + t.unknown + t.not_sent + t.interrupted;
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  const std::size_t left = t.to_send > done ? t.to_send - done : 0;
  std::string eta = "--:--";
  if (rate > 0) {
    const auto s = static_cast<long>(static_cast<double>(left) / rate + 0.5);
    eta = fmt::format("{}:{:02}", s / 60, s % 60);
  }
  constexpr std::size_t k_width = 24;
  const std::size_t filled = t.to_send == 0 ? k_width : done * k_width / t.to_send;
  fmt::print(stderr,
             "\r\033[K[{}{}] {}/{} {} {}  failed {}  {:.1f} msg/s  left {}",
             std::string(filled, '#'),
             std::string(k_width - filled, '.'),
             done,
             t.to_send,
             m_dry_run ? "checked" : "sent",
             t.sent,
             t.failed,
             rate,
             eta);
  std::fflush(stderr);
  m_drawn = true;
}

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
    "skipped (no usable key) of {} recipients in {:.1f} s ({:.1f} msg/s)\n",
    m_dry_run ? " (dry run, nothing was sent)" : "",
    t.sent,
    m_dry_run ? "would be sent" : "sent",
    t.failed,
    t.unknown,
    t.interrupted,
    t.not_sent,
    t.already_sent,
    t.unready,
    t.total,
    secs,
    rate);
}

} // namespace peermail::cli
