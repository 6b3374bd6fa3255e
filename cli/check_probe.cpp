// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_probe.hpp"

#include "output.hpp"

#include <peermail/policy/checklist.hpp>

#if __has_include(<peermail/transport/probe.hpp>)
#  include <peermail/policy/probe_findings.hpp>
#  include <peermail/transport/probe.hpp>
#  define PEERMAIL_HAVE_PROBE 1
#else
#  define PEERMAIL_HAVE_PROBE 0
#endif

#include <fmt/core.h>

namespace peermail::cli {

namespace {

// The items that only a live server can answer (replaced by --probe results).
constexpr const char* k_live_items[] = {"TLS-03", "TLS-06", "TLS-07", "TLS-10"};

} // namespace

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
  auto report = transport::probe(cfg.account(), creds, {login, cfg.identity.address});
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
