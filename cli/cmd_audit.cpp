// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail audit show|verify|export`: read and check the audit log
// (docs/DESIGN.md §7).
#include "app.hpp"
#include "cmd_audit_report.hpp"
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
  std::uint64_t expect_seq = 0; // verify --expect-seq
  std::string anchor;           // verify --anchor
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
  std::string out;
  std::uint64_t n = 0;
  const bool to_stdout = o.output.empty() || o.output == "-";
  auto r = audit::for_each_record(*path, *filter, [&](const nlohmann::json& j, std::uint64_t) {
    ++n;
    std::string line = json_text(j) + "\n";
    if (to_stdout) {
      std::fwrite(line.data(), 1, line.size(), stdout);
    } else {
      out += line;
    }
  });
  if (!r) {
    return print_error(r.error());
  }
  if (!to_stdout) {
    auto w = write_output(o.output, out);
    if (!w) {
      return print_error(w.error());
    }
  }
  if (std::fflush(stdout) != 0) {
    return print_error(Error(Errc::io, "cannot write to standard output"));
  }
  print_note(fmt::format("exported {} record{}", n, n == 1 ? "" : "s"));
  return 0;
}

int
run_verify(const AuditOptions& o, const GlobalOptions& g)
{
  auto path = log_path(o, g);
  if (!path) {
    return print_error(path.error());
  }
  audit::VerifyOptions vo;
  if (o.expect_seq > 0) {
    vo.expect_seq = o.expect_seq;
  }
  vo.anchor_hash = o.anchor;
  auto rep = audit::verify(*path, vo);
  if (!rep) {
    return print_error(rep.error());
  }
  if (g.json) {
    nlohmann::json j = {
      {"ok",         rep->ok        },
      {"path",       *path          },
      {"records",    rep->records   },
      {"head_seq",   rep->head_seq  },
      {"head_hash",  rep->head_hash },
      {"unresolved", rep->unresolved}
    };
    if (!rep->ok) {
      j["problem"] = rep->problem;
      j["line"] = rep->first_bad_line ? nlohmann::json(*rep->first_bad_line) : nlohmann::json();
      j["seq"] = rep->first_bad_seq ? nlohmann::json(*rep->first_bad_seq) : nlohmann::json();
    }
    print_json(j);
  }
  if (!rep->ok) {
    const int rc = print_error(Error(
      Errc::verdict,
      fmt::format("audit log {}: {}", *path, rep->problem),
      "AUD-03",
      fmt::format("the {} record{} before it verify; keep this file as evidence, restore the log "
                  "from a backup and investigate who changed it",
                  rep->records,
                  rep->records == 1 ? "" : "s")));
    return rc;
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
               *path,
               rep->records,
               rep->records == 1 ? "" : "s");
    if (rep->records > 0) {
      fmt::print("head: seq {} hash {}\n", rep->head_seq, rep->head_hash);
      print_note(
        "record the head elsewhere; later `audit verify --anchor HASH --expect-seq N` "
        "also detects removal of the last records");
    }
  }
  return 0;
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
  verify->callback([o, &g, exit_code] { *exit_code = run_verify(*o, g); });

  auto* exp = sub.add_subcommand("export", "write matching records as JSON Lines");
  exp->add_option("--file", o->file, "read this log instead of the configured [audit] path");
  exp->add_option("-o,--output", o->output, "write to FILE (mode 0600) instead of stdout");
  add_filter_options(exp, *o);
  exp->callback([o, &g, exit_code] { *exit_code = run_export(*o, g); });

  register_audit_report(sub, g, exit_code);

  auto* test = sub.add_subcommand("test",
                                  "append a synthetic 'audit-test' record (checks that the log "
                                  "is writable, AUD-01/AUD-04)");
  test->add_option("--file", o->file, "append to this log instead of the configured [audit] path");
  test->callback([o, &g, exit_code] { *exit_code = run_test(*o, g); });
}

} // namespace peermail::cli
