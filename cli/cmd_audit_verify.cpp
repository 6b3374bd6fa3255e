// SPDX-License-Identifier: GPL-3.0-or-later
// `audit verify`: a log (chain, seals, anchor) or an export (manifest,
// records), told apart by the first line (peermail-audit(1)).
#include "cmd_audit_verify.hpp"

#include "audit_export_report.hpp"
#include "audit_options.hpp"
#include "audit_verify_report.hpp"
#include "output.hpp"

#include <peermail/audit/export.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace peermail::cli {

namespace {

struct VerifyCliOptions
{
  std::string file;             // --file: a log or export instead of [audit] path
  std::uint64_t expect_seq = 0; // --expect-seq (0: unset)
  std::string anchor;           // --anchor
  std::string seal_key;         // --seal-key (overrides [audit] seal_key)
};

int
run_audit_verify(const VerifyCliOptions& o, const GlobalOptions& g)
{
  auto path = audit_log_path(o.file, g);
  if (!path) {
    return print_error(path.error());
  }
  auto c = seal_context(o.seal_key, !o.file.empty(), g);
  if (!c) {
    return print_error(c.error());
  }
  auto checker = seal_checker(*c, g);
  if (!checker) {
    return print_error(checker.error());
  }
  if (audit::is_export_file(*path)) {
    auto rep = audit::verify_export(*path, *checker);
    return rep ? report_export_verify(*path, *rep, g) : print_error(rep.error());
  }
  audit::VerifyOptions vo;
  if (o.expect_seq > 0) {
    vo.expect_seq = o.expect_seq;
  }
  vo.anchor_hash = o.anchor;
  vo.seals = *checker;
  auto rep = audit::verify(*path, vo);
  return rep ? report_log_verify(*path, *rep, c->key, g) : print_error(rep.error());
}

} // namespace

void
register_audit_verify(CLI::App& audit, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<VerifyCliOptions>();
  auto* verify = audit.add_subcommand("verify",
                                      "recompute the hash chain; exit 1 naming the first changed, "
                                      "removed or reordered record");
  verify->add_option("--file", o->file, "verify this log instead of the configured [audit] path");
  verify->add_option("--expect-seq",
                     o->expect_seq,
                     "the log must hold at least N records (detects removal at the end)");
  verify->add_option("--anchor", o->anchor, "a head hash recorded earlier that must still exist");
  verify->add_option(
    "--seal-key", o->seal_key, "check seals against this key instead of [audit] seal_key");
  verify->callback([o, &g, exit_code] { *exit_code = run_audit_verify(*o, g); });
}

} // namespace peermail::cli
