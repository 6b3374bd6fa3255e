// SPDX-License-Identifier: GPL-3.0-or-later
// `audit export`: the selected records after a manifest signed with the seal
// key (docs/DESIGN.md §7.2; peermail-audit(1)).
#include "audit_export_report.hpp"
#include "audit_options.hpp"
#include "cmd_audit_verify.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/audit/export.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace peermail::cli {

namespace {

struct ExportCliOptions
{
  std::string file;         // --file: a log instead of [audit] path
  audit::FilterArgs filter; // --since, --until, --outcome, …
  std::string output;       // -o ("" or "-": stdout)
  bool force = false;       // --force: -o may replace an existing file
};

int
run_audit_export(const ExportCliOptions& o, const GlobalOptions& g)
{
  auto sel = audit_selection(o.file, o.filter, g);
  if (!sel) {
    return print_error(sel.error());
  }
  auto c = seal_context("", !o.file.empty(), g);
  if (!c) {
    return print_error(c.error());
  }
  auto checker = seal_checker(*c, g);
  if (!checker) {
    return print_error(checker.error());
  }
  audit::ExportOptions eo;
  eo.filter = sel->filter;
  eo.filter_desc = audit::describe_filter(o.filter);
  eo.seals = *checker;
  eo.signer = audit::SealOptions{g.gnupg_home_dir(), c->key, c->user, c->config_sha256};
  auto ex = audit::make_export(sel->path, eo);
  if (!ex) {
    return print_error(ex.error());
  }
  if (o.output.empty() || o.output == "-") {
    std::fwrite(ex->text.data(), 1, ex->text.size(), stdout);
    if (std::fflush(stdout) != 0) {
      return print_error(Error(Errc::io, "cannot write to standard output"));
    }
  } else if (auto w = write_output(o.output, ex->text, overwrite_for(o.force)); !w) {
    return print_error(w.error());
  }
  report_export_written(*ex);
  return 0;
}

} // namespace

void
register_audit_export(CLI::App& audit, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<ExportCliOptions>();
  auto* exp = audit.add_subcommand(
    "export", "write matching records as JSON Lines after a manifest signed with the seal key");
  exp->add_option("--file", o->file, "read this log instead of the configured [audit] path");
  exp->add_option("-o,--output", o->output, "write to FILE (mode 0600) instead of stdout");
  add_force_flag(*exp, o->force);
  add_filter_options(exp, o->filter);
  exp->callback([o, &g, exit_code] { *exit_code = run_audit_export(*o, g); });
}

} // namespace peermail::cli
