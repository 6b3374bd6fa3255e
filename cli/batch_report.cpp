// SPDX-License-Identifier: GPL-3.0-or-later
#include "batch_report.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "signals.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace peermail::cli {

BatchReporter::BatchReporter(bool json, bool progress, bool dry_run, std::string recipients)
  : m_json(json),
    m_dry_run(dry_run),
    m_recipients(std::move(recipients)),
    m_start(std::chrono::steady_clock::now()),
    m_line(progress, std::chrono::milliseconds(0))
{
}

void
BatchReporter::clear_bar()
{
  m_line.clear();
}

void
BatchReporter::recipient(const batch_run::RecipientEvent& e)
{
  if (m_json) {
    nlohmann::json j = {
      {"email",      e.email                                                      },
      {"status",     e.status                                                     },
      {"message_id", e.message_id                                                 },
      {"smtp_code",  e.smtp_code ? nlohmann::json(*e.smtp_code) : nlohmann::json()},
      {"attempts",   e.attempts                                                   },
      {"error",      e.error ? nlohmann::json(e.error->message) : nlohmann::json()}
    };
    if (e.line != 0) {
      j["line"] = e.line;
    }
    if (!e.protocol.empty()) {
      j["protocol"] = e.protocol; // "OpenPGP" | "S/MIME" (not for an invalid row)
    }
    if (e.error) {
      j["check_id"] = e.error->check_id;
      j["exit_code"] = e.exit_code;
    }
    print_json(j);
    std::fflush(stdout);
    return;
  }
  if (!e.error || e.status == "already-sent") {
    return;
  }
  clear_bar();
  std::string who = e.email;
  if (e.status == "invalid") {
    who = e.email.empty() ? fmt::format("{}:{}", m_recipients, e.line)
                          : fmt::format("{}:{}: {}", m_recipients, e.line, e.email);
  }
  std::string line = fmt::format("peermail: {} {}: {}", e.status, who, e.error->message);
  if (!e.error->check_id.empty()) {
    line += fmt::format(" [{}]", e.error->check_id);
  }
  if (!e.error->fix.empty()) {
    line += fmt::format("\npeermail: fix: {}", e.error->fix);
  }
  fmt::print(stderr, "{}\n", line);
}

void
BatchReporter::progress(const BatchTally& t, bool force)
{
  if (!m_line.enabled()) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
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
  m_line.draw(fmt::format("[{}{}] {}/{} {} {}  failed {}  {:.1f} msg/s  left {}",
                          std::string(filled, '#'),
                          std::string(k_width - filled, '.'),
                          done,
                          t.to_send,
                          m_dry_run ? "checked" : "sent",
                          t.sent,
                          t.failed,
                          rate,
                          eta),
              force);
}

} // namespace peermail::cli
