// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail audit show|verify|export|report|test|seal`: read and check the
// audit log (docs/DESIGN.md §7); one file per subcommand beside this one.
#include "app.hpp"
#include "audit_options.hpp"
#include "audit_show_report.hpp"
#include "cmd_audit_report.hpp"
#include "cmd_audit_seal.hpp"
#include "cmd_audit_verify.hpp"
#include "output.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/filter_args.hpp>
#include <peermail/audit/self_test.hpp>

#include <fmt/core.h>

#include <memory>
#include <string>

namespace peermail::cli {

namespace {

struct AuditOptions
{
  std::string file;         // --file: a log to read instead of [audit] path
  audit::FilterArgs filter; // show: --since, --until, --outcome, …
};

int
run_show(const AuditOptions& o, const GlobalOptions& g)
{
  auto sel = audit_selection(o.file, o.filter, g);
  if (!sel) {
    return print_error(sel.error());
  }
  std::uint64_t shown = 0;
  if (!g.json) {
    print_show_header();
  }
  auto r =
    audit::for_each_record(sel->path, sel->filter, [&](const nlohmann::json& j, std::uint64_t) {
      ++shown;
      g.json ? print_json(j) : print_show_row(j);
    });
  if (!r) {
    return print_error(r.error());
  }
  if (!g.json) {
    print_note(fmt::format("{} record{}", shown, shown == 1 ? "" : "s"));
  }
  return 0;
}

// `audit test`: append a synthetic record (AUD-01/AUD-04).
int
run_test(const AuditOptions& o, const GlobalOptions& g)
{
  std::string path = o.file;
  std::string user;
  std::string config_sha256;
  if (path.empty()) {
    auto cfg = g.load_config(config::Strictness::report);
    if (!cfg) {
      return print_error(cfg.error());
    }
    path = cfg->audit.path;
    user = cfg->identity.user_id;
    config_sha256 = cfg->sha256;
  }
  auto j = audit::append_test_record(path, user, config_sha256);
  if (!j) {
    return print_error(j.error());
  }
  if (g.json) {
    print_json(*j);
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
  add_filter_options(show, o->filter);
  show->callback([o, &g, exit_code] { *exit_code = run_show(*o, g); });

  register_audit_verify(sub, g, exit_code);
  register_audit_export(sub, g, exit_code);
  register_audit_report(sub, g, exit_code);

  auto* test = sub.add_subcommand("test",
                                  "append a synthetic 'audit-test' record (checks that the log "
                                  "is writable, AUD-01/AUD-04)");
  test->add_option("--file", o->file, "append to this log instead of the configured [audit] path");
  test->callback([o, &g, exit_code] { *exit_code = run_test(*o, g); });

  register_audit_seal(sub, g, exit_code);
}

} // namespace peermail::cli
