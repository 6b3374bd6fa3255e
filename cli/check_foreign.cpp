// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_foreign.hpp"

#include "check_report.hpp"
#include "evidence.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/check/foreign.hpp>
#include <peermail/policy/checklist.hpp>

namespace peermail::cli {

namespace {

// Print the report `r` on the file of kind `kind` like `check` does.
int
render(const GlobalOptions& g, const Result<check::ForeignReport>& r, const char* kind)
{
  if (!r) {
    return print_error(r.error());
  }
  CheckReportMeta meta;
  meta.header = evidence_header(g, r->path, r->sha256);
  meta.source_kind = kind;
  meta.source_path = r->path;
  meta.source_account = r->account;
  meta.notes = r->notes;
  if (g.json) {
    print_check_json(r->findings, meta);
  } else {
    print_check_text(r->findings, meta);
  }
  return policy::any_fail(r->findings) ? k_negative : k_ok;
}

} // namespace

int
run_check_msmtprc(const GlobalOptions& g, const std::string& path)
{
  return render(g, check::check_msmtprc(path, g.account.value_or("")), "msmtprc");
}

int
run_check_muttrc(const GlobalOptions& g, const std::string& path)
{
  return render(g, check::check_muttrc(path, g.getenv("HOME")), "muttrc");
}

} // namespace peermail::cli
