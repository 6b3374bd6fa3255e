// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail audit show|verify|export`: read and check the audit log
// (docs/DESIGN.md §7).
#include "app.hpp"
#include "cmd_audit_report.hpp"
#include "cmd_audit_seal.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

namespace peermail::cli {

namespace {

struct AuditOptions
{
  std::string file;             // --file: a log to read instead of [audit] path
  std::string since;            // --since
  std::string until;            // --until
  std::string outcome;          // --outcome
  std::string action;           // --action
  std::string recipient;        // --recipient
  std::string user;             // --user
  std::string output;           // export -o
  bool force = false;           // export --force
  std::uint64_t expect_seq = 0; // verify --expect-seq
  std::string anchor;           // verify --anchor
  std::string seal_key;         // verify --seal-key
};

// Return the log to read: --file, else [audit] path from the config.
Result<std::string>
log_path(const AuditOptions& o, const GlobalOptions& g)
{
  if (!o.file.empty()) {
    return o.file;
  }
  // An auditor reads the log even when the config is not compliant.
  PEERMAIL_TRY_ASSIGN(auto cfg, g.load_config(config::Strictness::report));
  if (cfg.audit.path.empty()) {
    return fail(Errc::config,
                fmt::format("{}: no [audit] path configured", cfg.path),
                "AUD-01",
                "set [audit] path, or pass --file PATH");
  }
  return cfg.audit.path;
}

Result<audit::Filter>
make_filter(const AuditOptions& o)
{
  audit::Filter f;
  if (!o.since.empty()) {
    PEERMAIL_TRY_ASSIGN(f.since_ms, audit::parse_time(o.since));
  }
  if (!o.until.empty()) {
    PEERMAIL_TRY_ASSIGN(f.until_ms, audit::parse_time(o.until));
  }
  f.outcome = o.outcome;
  f.action = o.action;
  f.recipient = o.recipient;
  f.user = o.user;
  PEERMAIL_TRY(f.validate());
  return f;
}

std::string
field(const nlohmann::json& j, const char* key)
{
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return "-";
  }
  if (it->is_string()) {
    return it->get<std::string>().empty() ? "-" : util::terminal_safe(it->get<std::string>());
  }
  return util::terminal_safe(it->dump());
}

std::string
recipients(const nlohmann::json& j)
{
  const auto it = j.find("recipients");
  if (it == j.end() || !it->is_array() || it->empty()) {
    return "-";
  }
  std::string out;
  for (const auto& r : *it) {
    if (!out.empty()) {
      out += ",";
    }
    out +=
      r.is_string() ? util::terminal_safe(r.get<std::string>()) : util::terminal_safe(json_text(r));
  }
  return out;
}

std::string
smtp_code(const nlohmann::json& j)
{
  const auto it = j.find("smtp");
  if (it == j.end() || !it->is_object() || !it->contains("code") || (*it)["code"].is_null()) {
    return "-";
  }
  return util::terminal_safe(json_text((*it)["code"]));
}

void
add_filter_options(CLI::App* cmd, AuditOptions& o)
{
  cmd->add_option("--since", o.since, "only records at or after this time (RFC 3339 or DATE)");
  cmd->add_option("--until", o.until, "only records before this time (RFC 3339 or DATE)");
  cmd->add_option("--outcome", o.outcome, "only records with this outcome (sent, refused, …)");
  cmd->add_option("--action", o.action, "only records of this action (send, batch, verify, …)");
  cmd->add_option("--recipient", o.recipient, "only records to this address");
  cmd->add_option("--user", o.user, "only records of this user (identity.user_id)");
}

int
run_show(const AuditOptions& o, const GlobalOptions& g)
{
  auto path = log_path(o, g);
  if (!path) {
    return print_error(path.error());
  }
  auto filter = make_filter(o);
  if (!filter) {
    return print_error(filter.error());
  }
  std::uint64_t shown = 0;
  if (!g.json) {
    fmt::print("{:>6} {:<24} {:<12} {:<10} {:<14} {:<4} {:<30} {}\n",
               "SEQ",
               "TIME",
               "USER",
               "ACTION",
               "OUTCOME",
               "SMTP",
               "RECIPIENTS",
               "MESSAGE-ID");
  }
  auto r = audit::for_each_record(*path, *filter, [&](const nlohmann::json& j, std::uint64_t) {
    ++shown;
    if (g.json) {
      print_json(j);
      return;
    }
    fmt::print("{:>6} {:<24} {:<12} {:<10} {:<14} {:<4} {:<30} {}\n",
               field(j, "seq"),
               field(j, "ts"),
               field(j, "user"),
               field(j, "action"),
               field(j, "outcome"),
               smtp_code(j),
               recipients(j),
               field(j, "message_id"));
  });
  if (!r) {
    return print_error(r.error());
  }
  if (!g.json) {
    print_note(fmt::format("{} record{}", shown, shown == 1 ? "" : "s"));
  }
  return 0;
}

// The filter as the user gave it, for the export manifest.
nlohmann::json
filter_desc(const AuditOptions& o)
{
  nlohmann::json d = nlohmann::json::object();
  for (const auto& [k, v] : {
         std::pair<const char*, const std::string*>{"since",     &o.since    },
         {"until",     &o.until    },
         {"outcome",   &o.outcome  },
         {"action",    &o.action   },
         {"recipient", &o.recipient}
  }) {
    if (!v->empty()) {
      d[k] = *v;
    }
  }
  return d;
}

int
run_export(const AuditOptions& o, const GlobalOptions& g)
{
  auto path = log_path(o, g);
  if (!path) {
    return print_error(path.error());
  }
  auto filter = make_filter(o);
  if (!filter) {
    return print_error(filter.error());
  }
  return run_audit_export(*path, !o.file.empty(), *filter, filter_desc(o), o.output, o.force, g);
}

int
run_verify(const AuditOptions& o, const GlobalOptions& g)
{
  auto path = log_path(o, g);
  if (!path) {
    return print_error(path.error());
  }
  return run_audit_verify(
    AuditVerifyArgs{*path, !o.file.empty(), o.expect_seq, o.anchor, o.seal_key}, g);
}

// Append a synthetic record and verify the chain: the runtime check of
// AUD-01/AUD-04 ("emit a synthetic event"), also used by the test suites.
int
run_test(const AuditOptions& o, const GlobalOptions& g)
{
  audit::Record r;
  r.action = "audit-test";
  r.outcome = "ok";
  r.protocol.clear();
  std::string path = o.file;
  if (path.empty()) {
    auto cfg = g.load_config(config::Strictness::report);
    if (!cfg) {
      return print_error(cfg.error());
    }
    path = cfg->audit.path;
    r.user = cfg->identity.user_id;
    r.config_sha256 = cfg->sha256;
  }
  auto log = audit::AuditLog::open(path);
  if (!log) {
    return print_error(log.error());
  }
  auto j = log->append(r);
  if (!j) {
    return print_error(j.error());
  }
  if (g.json) {
    fmt::print("{}\n", j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("audit log {}: appended record {} (hash {})\n",
               path,
               (*j)["seq"].get<std::uint64_t>(),
               (*j)["hash"].get<std::string>());
  }
  return 0;
}

} // namespace

void
register_audit(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<AuditOptions>();
  sub.require_subcommand(1);

  auto* show = sub.add_subcommand("show", "print matching records as a table (--json: JSON Lines)");
  show->add_option("--file", o->file, "read this log instead of the configured [audit] path");
  add_filter_options(show, *o);
  show->callback([o, &g, exit_code] { *exit_code = run_show(*o, g); });

  auto* verify = sub.add_subcommand("verify",
                                    "recompute the hash chain; exit 1 naming the first changed, "
                                    "removed or reordered record");
  verify->add_option("--file", o->file, "verify this log instead of the configured [audit] path");
  verify->add_option("--expect-seq",
                     o->expect_seq,
                     "the log must hold at least N records (detects removal at the end)");
  verify->add_option("--anchor", o->anchor, "a head hash recorded earlier that must still exist");
  verify->add_option(
    "--seal-key", o->seal_key, "check seals against this key instead of [audit] seal_key");
  verify->callback([o, &g, exit_code] { *exit_code = run_verify(*o, g); });

  auto* exp = sub.add_subcommand(
    "export", "write matching records as JSON Lines after a manifest signed with the seal key");
  exp->add_option("--file", o->file, "read this log instead of the configured [audit] path");
  exp->add_option("-o,--output", o->output, "write to FILE (mode 0600) instead of stdout");
  add_force_flag(*exp, o->force);
  add_filter_options(exp, *o);
  exp->callback([o, &g, exit_code] { *exit_code = run_export(*o, g); });

  register_audit_report(sub, g, exit_code);

  auto* test = sub.add_subcommand("test",
                                  "append a synthetic 'audit-test' record (checks that the log "
                                  "is writable, AUD-01/AUD-04)");
  test->add_option("--file", o->file, "append to this log instead of the configured [audit] path");
  test->callback([o, &g, exit_code] { *exit_code = run_test(*o, g); });

  register_audit_seal(sub, g, exit_code);
}

} // namespace peermail::cli
