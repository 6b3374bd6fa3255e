// SPDX-License-Identifier: GPL-3.0-or-later
// Audit evidence: `audit verify` (logs with seals, exports), `audit export`
// with a signed manifest, `audit seal [--mail ADDR]` and the seal at the end
// of a run (docs/DESIGN.md §7.1, §7.2; peermail-audit(1)).
#include "cmd_audit_seal.hpp"

#include "message_input.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/audit/export.hpp>
#include <peermail/audit/seal.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

namespace peermail::cli {

namespace {

// What the seal commands take from the config (when there is one).
struct SealContext
{
  std::string key; // "" = no seal key
  std::string log; // [audit] path
  std::string user;
  std::string config_sha256;
};

// Read [audit] seal_key (overridden by `key_opt`). With an explicit --file a
// missing config is fine: the log is then read without a seal key.
Result<SealContext>
seal_context(const std::string& key_opt, bool explicit_file, const GlobalOptions& g)
{
  SealContext c;
  auto cfg = g.load_config(config::Strictness::report);
  if (cfg) {
    c.key = cfg->audit.seal_key;
    c.log = cfg->audit.path;
    c.user = cfg->identity.user_id;
    c.config_sha256 = cfg->sha256;
  } else if (!explicit_file) {
    return unexpected(cfg.error());
  } else if (cfg.error().code != Errc::no_input) {
    print_warn(
      fmt::format("the config was not read ({}): no [audit] seal_key", cfg.error().message));
  }
  if (!key_opt.empty()) {
    c.key = util::normalize_fingerprint(key_opt);
  }
  return c;
}

Result<std::shared_ptr<audit::SealChecker>>
checker_for(const SealContext& c, const GlobalOptions& g)
{
  if (c.key.empty()) {
    return std::shared_ptr<audit::SealChecker>();
  }
  return audit::SealChecker::create(g.gnupg_home_dir(), c.key);
}

const char* const k_no_seal_key =
  "no [audit] seal_key: seals are not checked, so a chain rewritten and rehashed from some "
  "record on is not detected (set [audit] seal_key, see peermail-audit(1))";

int
report_export(const std::string& path, const audit::ExportReport& r, const GlobalOptions& g)
{
  if (g.json) {
    nlohmann::json j = {
      {"ok",                r.ok               },
      {"path",              path               },
      {"export",            true               },
      {"source",            r.source           },
      {"filter",            r.filter           },
      {"records",           r.records          },
      {"filtered",          r.filtered         },
      {"first_seq",         r.first_seq        },
      {"last_seq",          r.last_seq         },
      {"head_seq",          r.head_seq         },
      {"manifest_signed",   r.manifest_signed  },
      {"signature_checked", r.signature_checked},
      {"seals",             r.seals            }
    };
    if (!r.ok) {
      j["problem"] = r.problem;
      j["line"] = r.first_bad_line;
    }
    print_json(j);
  }
  if (!r.ok) {
    return print_error(Error(Errc::verdict,
                             fmt::format("export {}: {}", path, r.problem),
                             "AUD-03",
                             "do not rely on this export; make a new one from the verified log"));
  }
  if (!g.json) {
    fmt::print(
      "export {}: {} record{} of {} (seq {}…{}), {} left out by the filter, chain and "
      "manifest intact\n",
      path,
      r.records,
      r.records == 1 ? "" : "s",
      util::terminal_safe(r.source),
      r.first_seq,
      r.last_seq,
      r.filtered);
    if (r.signature_checked) {
      fmt::print("manifest: signed by the seal key; {} seal{} of the source log verified\n",
                 r.seals,
                 r.seals == 1 ? "" : "s");
    }
  }
  if (r.manifest_signed && !r.signature_checked) {
    print_warn(k_no_seal_key);
  }
  return 0;
}

int
verify_export_file(const AuditVerifyArgs& a,
                   const std::shared_ptr<audit::SealChecker>& checker,
                   const GlobalOptions& g)
{
  auto rep = audit::verify_export(a.path, checker);
  if (!rep) {
    return print_error(rep.error());
  }
  if (rep->ok && !rep->manifest_signed && checker) {
    // A seal key is set: an unsigned manifest could have been rewritten.
    rep->ok = false;
    rep->first_bad_line = 1;
    rep->problem =
      "the export manifest is not signed, but [audit] seal_key is set: anyone could "
      "have rewritten it";
  }
  return report_export(a.path, *rep, g);
}

// Is the first line of `path` an export manifest?
bool
looks_like_export(const std::string& path)
{
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return false;
  }
  std::string first;
  int ch = 0;
  while ((ch = std::fgetc(f)) != EOF && ch != '\n' && first.size() < audit::k_max_line_bytes) {
    first.push_back(static_cast<char>(ch));
  }
  std::fclose(f);
  return audit::is_export_manifest(nlohmann::json::parse(first, nullptr, false));
}

void
print_seal_summary(const audit::VerifyReport& r, const std::string& key)
{
  if (!r.seals_checked) {
    if (r.seals > 0) {
      fmt::print("seals: {} not checked\n", r.seals);
    }
    print_warn(k_no_seal_key);
    return;
  }
  if (r.sealed_seq == 0) {
    fmt::print(
      "seals: none (key {}); {} record{} unsealed\n", key, r.unsealed, r.unsealed == 1 ? "" : "s");
  } else {
    fmt::print(
      "seals: {} valid (key {}); records 1…{} sealed at {}; {} record{} after the last "
      "seal\n",
      r.seals,
      key,
      r.sealed_seq,
      util::terminal_safe(r.sealed_time),
      r.unsealed,
      r.unsealed == 1 ? "" : "s");
  }
  if (r.unsealed > 0) {
    print_warn(
      fmt::format("{} record{} after the last seal can still be rewritten without "
                  "detection: run `peermail audit seal`",
                  r.unsealed,
                  r.unsealed == 1 ? "" : "s"));
  }
}

// The text mailed to the witness: facts and the seal record, no PHI.
std::string
witness_body(const std::string& log, const nlohmann::json& seal)
{
  const auto& s = seal["seal"];
  return fmt::format(
    "peermail audit seal: keep this message. It lets an auditor show that the audit log\n"
    "was not rewritten up to the sealed record.\n\n"
    "log:          {}\n"
    "host:         {}\n"
    "sealed head:  seq {} hash {}\n"
    "seal record:  seq {} hash {}\n"
    "time:         {}\n"
    "seal key:     {}\n\n"
    "Check the log against this message:\n"
    "  peermail audit verify --file {} --anchor {} --expect-seq {}\n\n"
    "The seal record:\n{}\n",
    log,
    s.value("host", ""),
    s.value("seq", std::uint64_t{0}),
    s.value("hash", ""),
    seal.value("seq", std::uint64_t{0}),
    seal.value("hash", ""),
    s.value("time", ""),
    s.value("key", ""),
    log,
    seal.value("hash", ""),
    seal.value("seq", std::uint64_t{0}),
    json_text(seal));
}

struct SealCliOptions
{
  std::string file;
  std::string mail; // --mail ADDR: the witness
};

int
run_seal(const SealCliOptions& o, const GlobalOptions& g)
{
  auto c = seal_context("", !o.file.empty(), g);
  if (!c) {
    return print_error(c.error());
  }
  const std::string path = o.file.empty() ? c->log : o.file;
  if (c->key.empty()) {
    return print_error(Error(Errc::config,
                             "audit seal: no [audit] seal_key configured",
                             "AUD-03",
                             "set [audit] seal_key to the full fingerprint of the organisation's "
                             "(or a service) OpenPGP key whose secret part is in this GnuPG home"));
  }
  audit::SealOptions so{g.gnupg_home_dir(), c->key, c->user, c->config_sha256};
  auto rec = audit::seal(path, so);
  if (!rec) {
    return print_error(rec.error());
  }
  const auto& s = (*rec)["seal"];
  if (g.json && o.mail.empty()) {
    print_json(*rec);
  } else if (!g.json) {
    fmt::print("audit log {}: sealed records 1…{} (hash {}) with key {} as record {}\n",
               path,
               s["seq"].get<std::uint64_t>(),
               s["hash"].get<std::string>(),
               c->key,
               (*rec)["seq"].get<std::uint64_t>());
  }
  if (o.mail.empty()) {
    return 0;
  }
  // The witness: the seal through the normal compliant path (encrypted,
  // signed, audited) to an off-host mailbox.
  auto req = cli_request("send", false, g);
  mime::ComposeRequest cr;
  cr.to = {o.mail};
  cr.subject = "peermail audit seal";
  cr.body = witness_body(path, *rec);
  req.compose = std::move(cr);
  return run_request(req, g, Verbosity::summary);
}

} // namespace

int
run_audit_verify(const AuditVerifyArgs& a, const GlobalOptions& g)
{
  auto c = seal_context(a.seal_key, a.explicit_file, g);
  if (!c) {
    return print_error(c.error());
  }
  auto checker = checker_for(*c, g);
  if (!checker) {
    return print_error(checker.error());
  }
  if (looks_like_export(a.path)) {
    return verify_export_file(a, *checker, g);
  }
  audit::VerifyOptions vo;
  if (a.expect_seq > 0) {
    vo.expect_seq = a.expect_seq;
  }
  vo.anchor_hash = a.anchor;
  vo.seals = *checker;
  auto rep = audit::verify(a.path, vo);
  if (!rep) {
    return print_error(rep.error());
  }
  if (g.json) {
    nlohmann::json j = {
      {"ok",         rep->ok        },
      {"path",       a.path         },
      {"records",    rep->records   },
      {"head_seq",   rep->head_seq  },
      {"head_hash",  rep->head_hash },
      {"unresolved", rep->unresolved},
      {"seals",
       {{"checked", rep->seals_checked},
        {"key", c->key.empty() ? nlohmann::json() : nlohmann::json(c->key)},
        {"count", rep->seals},
        {"sealed_seq", rep->sealed_seq},
        {"sealed_time", rep->sealed_time},
        {"unsealed", rep->unsealed}}}
    };
    if (!rep->ok) {
      j["problem"] = rep->problem;
      j["line"] = rep->first_bad_line ? nlohmann::json(*rep->first_bad_line) : nlohmann::json();
      j["seq"] = rep->first_bad_seq ? nlohmann::json(*rep->first_bad_seq) : nlohmann::json();
    }
    print_json(j);
  }
  if (!rep->ok) {
    return print_error(Error(
      Errc::verdict,
      fmt::format("audit log {}: {}", a.path, rep->problem),
      "AUD-03",
      fmt::format("the {} record{} before it verify; keep this file as evidence, restore the log "
                  "from a backup and investigate who changed it",
                  rep->records,
                  rep->records == 1 ? "" : "s")));
  }
  if (!rep->unresolved.empty()) {
    const auto n = rep->unresolved.size();
    print_warn(
      fmt::format("{} pending record{} without an outcome record: seq {} (a crash, or "
                  "the outcome could not be written; the message may have reached the "
                  "server: check there, or in the batch journal, before resending)",
                  n,
                  n == 1 ? "" : "s",
                  fmt::join(rep->unresolved, ", ")));
  }
  if (!g.json) {
    fmt::print("audit log {}: {} record{}, chain intact\n",
               a.path,
               rep->records,
               rep->records == 1 ? "" : "s");
    if (rep->records > 0) {
      fmt::print("head: seq {} hash {}\n", rep->head_seq, rep->head_hash);
    }
  }
  if (!g.json) {
    print_seal_summary(*rep, c->key);
  } else if (!rep->seals_checked) {
    print_warn(k_no_seal_key);
  }
  if (!g.json && rep->records > 0) {
    print_note(
      "removing the last records (with their seals) is detected only against a head "
      "kept elsewhere: `audit seal --mail ADDR` sends one to a witness; later "
      "`audit verify --anchor HASH --expect-seq N`");
  }
  return 0;
}

int
run_audit_export(const std::string& path,
                 bool explicit_file,
                 const audit::Filter& filter,
                 const nlohmann::json& filter_desc,
                 const std::string& output,
                 bool force,
                 const GlobalOptions& g)
{
  auto c = seal_context("", explicit_file, g);
  if (!c) {
    return print_error(c.error());
  }
  auto checker = checker_for(*c, g);
  if (!checker) {
    return print_error(checker.error());
  }
  audit::ExportOptions eo;
  eo.filter = filter;
  eo.filter_desc = filter_desc;
  eo.seals = *checker;
  eo.signer = audit::SealOptions{g.gnupg_home_dir(), c->key, c->user, c->config_sha256};
  auto ex = audit::make_export(path, eo);
  if (!ex) {
    return print_error(ex.error());
  }
  if (output.empty() || output == "-") {
    std::fwrite(ex->text.data(), 1, ex->text.size(), stdout);
    if (std::fflush(stdout) != 0) {
      return print_error(Error(Errc::io, "cannot write to standard output"));
    }
  } else if (auto w = write_output(output, ex->text, overwrite_for(force)); !w) {
    return print_error(w.error());
  }
  print_note(fmt::format("exported {} record{} with a{} manifest",
                         ex->count,
                         ex->count == 1 ? "" : "s",
                         ex->signed_manifest ? " signed" : "n unsigned"));
  if (!ex->signed_manifest) {
    print_warn(
      "no [audit] seal_key: the manifest is not signed, so a doctored export that "
      "recomputes it is not detected");
  }
  return 0;
}

void
register_audit_seal(CLI::App& audit, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<SealCliOptions>();
  auto* seal = audit.add_subcommand(
    "seal", "sign the chain head with [audit] seal_key and append it as a seal record");
  seal->add_option("--file", o->file, "seal this log instead of the configured [audit] path");
  seal->add_option(
    "--mail", o->mail, "also mail the seal (encrypted, signed, audited) to this witness address");
  seal->callback([o, &g, exit_code] { *exit_code = run_seal(*o, g); });
}

void
seal_after_run(const config::Config& cfg, const GlobalOptions& g)
{
  if (cfg.audit.seal_key.empty() || cfg.audit.path.empty()) {
    return;
  }
  // Nothing new since the last seal (or nothing at all): no seal needed.
  auto last = audit::last_record(cfg.audit.path);
  if (last && (last->is_null() || last->contains("seal"))) {
    return;
  }
  audit::SealOptions so{g.gnupg_home_dir(), cfg.audit.seal_key, cfg.identity.user_id, cfg.sha256};
  if (auto r = audit::seal(cfg.audit.path, so); !r) {
    print_warn(fmt::format("the run is complete, but the audit log was not sealed: {} [AUD-03]",
                           r.error().message));
    if (!r.error().fix.empty()) {
      print_note(fmt::format("fix: {}", r.error().fix));
    }
  }
}

} // namespace peermail::cli
