// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail audit report [--file LOG] [--since T] [--until T]`: sends by
// outcome, user and TLS version, seals and gaps for a period, with the
// evidence header (docs/DESIGN.md §7).
#include "cmd_audit_report.hpp"

#include "evidence.hpp"
#include "output.hpp"

#include <peermail/audit/filter_args.hpp>
#include <peermail/audit/report.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace peermail::cli {

namespace {

struct ReportOptions
{
  std::string file;  // --file
  std::string since; // --since
  std::string until; // --until
};

std::string
counts_text(const std::map<std::string, std::uint64_t>& m)
{
  if (m.empty()) {
    return "none";
  }
  std::string out;
  for (const auto& [k, n] : m) {
    out +=
      fmt::format("{}{} {}", out.empty() ? "" : ", ", util::terminal_safe(k.empty() ? "-" : k), n);
  }
  return out;
}

std::string
render_text(const audit::Summary& s, const audit::EvidenceHeader& h)
{
  auto when = [](const std::optional<std::int64_t>& ms, const char* open) {
    return ms ? audit::format_time(*ms) : std::string(open);
  };
  std::string out = fmt::format("peermail audit report: log {}\n", util::terminal_safe(s.path));
  out += evidence_text(h);
  out += fmt::format("period: {} to {} (end excluded)\n",
                     when(s.since_ms, "the beginning"),
                     when(s.until_ms, "now"));
  out += fmt::format("records: {} (seq {} to {}); by action: {}\n",
                     s.records,
                     s.first_seq,
                     s.last_seq,
                     counts_text(s.by_action));
  out += fmt::format("sends by outcome: {}\n", counts_text(s.sends_by_outcome));
  out += fmt::format("sends by user: {}\n", counts_text(s.sends_by_user));
  out += fmt::format("sends by TLS version: {}\n", counts_text(s.sends_by_tls));
  out += fmt::format("seals: {} in the period; ", s.seals);
  out += s.last_seal_seq
           ? fmt::format("last seal at seq {}, {} record{} after it unsealed\n",
                         *s.last_seal_seq,
                         s.unsealed_tail,
                         s.unsealed_tail == 1 ? "" : "s")
           : fmt::format("no seal in the log: all {} records unsealed\n", s.unsealed_tail);
  std::string gaps;
  for (const auto& [first, last] : s.gaps) {
    gaps +=
      fmt::format("{}{}",
                  gaps.empty() ? "" : ", ",
                  first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last));
  }
  out += fmt::format("log: head seq {}; missing seq: {}; out of order: {}; unreadable lines: {}\n",
                     s.head_seq,
                     gaps.empty() ? "none" : gaps,
                     s.out_of_order,
                     s.bad_lines);
  out += "counts only: `peermail audit verify` judges the hash chain\n";
  return out;
}

int
run_report(const ReportOptions& o, const GlobalOptions& g)
{
  std::string path = o.file;
  std::string config_path;
  std::string config_sha256;
  // The config names the log and goes into the header; with --file it is
  // read only when --config names it.
  if (path.empty() || g.config_path) {
    auto cfg = g.load_config(config::Strictness::report);
    if (!cfg) {
      return print_error(cfg.error());
    }
    config_path = cfg->path;
    config_sha256 = cfg->sha256;
    if (path.empty()) {
      path = cfg->audit.path;
    }
  }
  audit::FilterArgs args;
  args.since = o.since;
  args.until = o.until;
  auto period = audit::make_filter(args);
  if (!period) {
    return print_error(period.error());
  }
  auto summary = audit::summarise(path, *period);
  if (!summary) {
    return print_error(summary.error());
  }
  const auto header = evidence_header(g, config_path, config_sha256);
  if (g.json) {
    nlohmann::json j = audit::to_json(*summary);
    j["report"] = audit::to_json(header);
    print_json(j);
  } else {
    fmt::print("{}", render_text(*summary, header));
  }
  return 0;
}

} // namespace

void
register_audit_report(CLI::App& audit, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = audit.add_subcommand(
    "report", "summarise a period: sends by outcome, user and TLS version, seals and gaps");
  cmd->add_option("--file", o->file, "read this log instead of the configured [audit] path");
  cmd->add_option("--since", o->since, "only records at or after this time (RFC 3339 or DATE)");
  cmd->add_option("--until", o->until, "only records before this time (RFC 3339 or DATE)");
  cmd->callback([o, &g, exit_code] { *exit_code = run_report(*o, g); });
}

} // namespace peermail::cli
