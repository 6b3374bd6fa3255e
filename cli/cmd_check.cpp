// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail check [--probe] [--only ID,...]`: the compliance checklist.
#include "app.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/check/gather.hpp>
#include <peermail/policy/checklist.hpp>
#include <peermail/util/strings.hpp>

#if __has_include(<peermail/transport/probe.hpp>)
#  include <peermail/policy/probe_findings.hpp>
#  include <peermail/transport/probe.hpp>
#  define PEERMAIL_HAVE_PROBE 1
#else
#  define PEERMAIL_HAVE_PROBE 0
#endif

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <set>

namespace peermail::cli {

namespace {

struct CheckOptions
{
  bool probe = false;
  bool no_login = false; // --no-login: the probe does not log in
  std::vector<std::string> only;
};

// The items that only a live server can answer (replaced by --probe results).
constexpr const char* k_live_items[] = {"TLS-03", "TLS-06", "TLS-07", "TLS-10"};

Result<std::set<std::string>>
parse_only(const std::vector<std::string>& raw)
{
  std::set<std::string> ids;
  for (const auto& arg : raw) {
    for (const auto& part : util::split(arg, ',')) {
      std::string id(util::trim(part));
      for (auto& c : id) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (id.empty()) {
        continue;
      }
      if (policy::find_item(id) == nullptr) {
        return fail(Errc::usage,
                    fmt::format("--only: unknown checklist ID \"{}\"", part),
                    "",
                    "use IDs such as TLS-02,AUD-05 (see docs/CHECKLIST.md)");
      }
      ids.insert(id);
    }
  }
  return ids;
}

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
  (void)login;
  (void)cfg;
  for (auto& f : fs) {
    for (const char* id : k_live_items) {
      if (f.id == id) {
        f.evidence = "probe not available in this build";
      }
    }
  }
#endif
}

void
print_text(const std::vector<policy::Finding>& fs, const std::string& config_path)
{
  std::cout << fmt::format("peermail check: profile hipaa, config {}\n", config_path);
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
      std::cout << fmt::format("               {}\n", f.evidence);
    }
    if (!f.fix.empty() && (f.status == policy::Status::fail || f.status == policy::Status::warn)) {
      std::cout << fmt::format("               fix: {}\n", f.fix);
    }
  }
  std::cout << fmt::format("\n{} pass, {} warn, {} fail, {} skip: {}\n",
                           counts[0],
                           counts[1],
                           counts[2],
                           counts[3],
                           counts[2] > 0 ? "NOT COMPLIANT" : "no failures");
}

int
run_check(const GlobalOptions& g, const CheckOptions& o)
{
  auto only = parse_only(o.only);
  if (!only) {
    return print_error(only.error());
  }
  auto cfg = g.load_config(config::Strictness::report);
  if (!cfg) {
    return print_error(cfg.error());
  }
  check::GatherOptions go;
  go.gnupg_home = g.gnupg_home_dir();
  go.env = g.env;
  auto facts = check::gather(*cfg, go);
  auto findings = policy::evaluate(facts);
  if (o.probe) {
    if (cfg->accounts.empty()) {
      print_warn("--probe: no account to probe");
    } else {
      run_probe(g, *cfg, findings, !o.no_login);
    }
  }
  if (!only->empty()) {
    std::vector<policy::Finding> kept;
    for (auto& f : findings) {
      if (only->count(f.id) > 0) {
        kept.push_back(std::move(f));
      }
    }
    findings = std::move(kept);
  }
  const bool failed = policy::any_fail(findings);
  if (g.json) {
    nlohmann::json out = {
      {"ok",       !failed                },
      {"profile",  "hipaa"                },
      {"findings", nlohmann::json::array()}
    };
    for (const auto& f : findings) {
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
  } else {
    print_text(findings, cfg->path);
  }
  return failed ? k_negative : k_ok;
}

} // namespace

void
register_check(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<CheckOptions>();
  sub.add_flag("--probe",
               opts->probe,
               "also probe the live submission server (TLS, certificate, AUTH); sends no mail");
  sub.add_flag(
    "--no-login", opts->no_login, "with --probe: do not log in (no credentials are read or sent)");
  sub.add_option("--only", opts->only, "report only these checklist IDs (e.g. TLS-02,AUD-05)")
    ->delimiter(',');
  sub.footer(
    "Evaluates every docs/CHECKLIST.md item (profile hipaa) over the config, the files it\n"
    "names and the GnuPG keyring. Items that need a live server report skip \"needs\n"
    "--probe\"; items that need a human report skip with the reason.\n"
    "Exit: 0 no FAIL; 1 some FAIL; 64 unknown --only ID; 66 config missing;\n"
    "78 config cannot be loaded.");
  sub.callback([&g, opts, exit_code] { *exit_code = run_check(g, *opts); });
}

} // namespace peermail::cli
