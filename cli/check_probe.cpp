// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_probe.hpp"

#include "output.hpp"
#include "progress_line.hpp"

#include <peermail/policy/checklist.hpp>

#if __has_include(<peermail/transport/probe.hpp>)
#  include <peermail/policy/probe_findings.hpp>
#  include <peermail/transport/probe.hpp>
#  define PEERMAIL_HAVE_PROBE 1
#else
#  define PEERMAIL_HAVE_PROBE 0
#endif

#include <fmt/core.h>

#include <cstdio>

namespace peermail::cli {

void
run_probe(const GlobalOptions& g,
          const config::Config& cfg,
          std::vector<policy::Finding>& fs,
          bool login)
{
#if PEERMAIL_HAVE_PROBE
  std::optional<config::Credentials> creds;
  if (login && !cfg.account().username.empty()) {
    auto c = config::resolve_credentials(cfg.account(), g.env);
    if (!c) {
      print_warn(fmt::format("probe without login: {}", c.error().message));
    } else {
      creds = std::move(*c);
    }
  }
  transport::ProbeOptions po;
  po.login = login;
  po.rcpt = cfg.identity.address;
  // What the probe is doing, on a terminal only (one line, rewritten); stdout
  // (the report, or --json) never carries it.
  const std::string hp = fmt::format("probing {}:{}", cfg.account().host, cfg.account().port);
  ProgressLine line(progress_wanted(g.quiet), std::chrono::milliseconds(0));
  po.progress = [&hp, &line](const std::string& step) { line.show(hp + ": " + step); };
  auto report = transport::probe(cfg.account(), creds, po);
  line.clear();
  if (!report) {
    policy::Finding f;
    f.id = "TLS-01";
    auto* item = policy::find_item(f.id);
    f.title = std::string(item->title);
    f.level = item->level;
    f.reference = std::string(item->reference);
    f.status = policy::Status::fail;
    f.evidence = fmt::format(
      "probe of {}:{} failed: {}", cfg.account().host, cfg.account().port, report.error().message);
    f.fix = report.error().fix;
    policy::merge_findings(fs, {f});
    return;
  }
  policy::merge_findings(fs, policy::probe_findings(*report, cfg));
#else
  (void)g;
  (void)cfg;
  (void)login;
  // The items that only a live server can answer (replaced by --probe results).
  constexpr const char* k_live_items[] = {"TLS-03", "TLS-06", "TLS-07", "TLS-10"};
  for (auto& f : fs) {
    for (const char* id : k_live_items) {
      if (f.id == id) {
        f.evidence = "probe not available in this build";
      }
    }
  }
#endif
}

} // namespace peermail::cli
