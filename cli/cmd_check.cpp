// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail check [--probe] [--only ID,...]`: the compliance checklist.
#include "app.hpp"
#include "check_foreign.hpp"
#include "check_probe.hpp"
#include "check_report.hpp"
#include "evidence.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/check/gather.hpp>
#include <peermail/check/record.hpp>
#include <peermail/policy/checklist.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <set>

namespace peermail::cli {

namespace {

struct CheckOptions
{
  bool probe = false;
  bool no_login = false; // --no-login: the probe does not log in
  std::string msmtprc;   // --msmtprc FILE: judge an msmtp configuration instead
  std::string muttrc;    // --muttrc FILE: judge a Mutt configuration instead
  std::string postfix;   // --postfix [DIR]: judge a Postfix configuration instead
  std::vector<std::string> only;
};

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

int
run_check(const GlobalOptions& g, const CheckOptions& o)
{
  if (!o.msmtprc.empty()) {
    return run_check_msmtprc(g, o.msmtprc);
  }
  if (!o.muttrc.empty()) {
    return run_check_muttrc(g, o.muttrc);
  }
  if (!o.postfix.empty()) {
    return run_check_postfix(g, o.postfix);
  }
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
  // The run is on record before it is reported; a log that cannot take
  // the record is reported, never a reason not to report (AUD-04).
  CheckReportMeta meta;
  meta.header = evidence_header(g, cfg->path, cfg->sha256);
  meta.record_path = cfg->audit.path;
  auto seq = check::record_check(
    *cfg, findings, o.probe ? check::CheckKind::probe : check::CheckKind::offline);
  if (seq) {
    meta.record_seq = *seq;
  } else {
    meta.record_error = seq.error();
    check::note_record_failure(findings, seq.error());
    print_warn(fmt::format("this check is not recorded in the audit log: {}", seq.error().message));
  }
  if (g.json) {
    print_check_json(findings, meta);
  } else {
    print_check_text(findings, meta);
  }
  return policy::any_fail(findings) ? k_negative : k_ok;
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
  sub
    .add_option("--msmtprc",
                opts->msmtprc,
                "judge this msmtp configuration instead (account: --account, else its default)")
    ->excludes("--probe");
  sub
    .add_option("--muttrc",
                opts->muttrc,
                "judge this Mutt or NeoMutt configuration instead (and the files it sources)")
    ->excludes("--probe")
    ->excludes("--msmtprc");
  sub
    .add_option("--postfix",
                opts->postfix,
                "judge the Postfix configuration in this directory instead (default /etc/postfix)")
    ->expected(0, 1)
    ->default_str("/etc/postfix")
    ->excludes("--probe")
    ->excludes("--msmtprc")
    ->excludes("--muttrc");
  sub.add_option("--only", opts->only, "report only these checklist IDs (e.g. TLS-02,AUD-05)")
    ->delimiter(',');
  sub.footer(
    "Evaluates every docs/CHECKLIST.md item (profile hipaa) over the config, the files it\n"
    "names and the GnuPG keyring. Items that need a live server report skip \"needs\n"
    "--probe\"; items that need a human report skip with the reason.\n"
    "With --msmtprc FILE the items that concern an msmtp account are judged over that\n"
    "file (peermail's own config is not needed), each citing file:line and the fix in\n"
    "msmtp's syntax; with --muttrc FILE likewise over a Mutt configuration, and\n"
    "with --postfix [DIR] over a Postfix one (fixes as postconf commands).\n"
    "Exit: 0 no FAIL; 1 some FAIL; 64 unknown --only ID; 66 config missing;\n"
    "78 config cannot be loaded.");
  sub.callback([&g, opts, exit_code] { *exit_code = run_check(g, *opts); });
}

} // namespace peermail::cli
