// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_foreign.hpp"

#include "check_report.hpp"
#include "evidence.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/check/foreign.hpp>
#include <peermail/policy/checklist.hpp>

namespace peermail::cli {

int
run_check_msmtprc(const GlobalOptions& g, const std::string& path)
{
  auto r = check::check_msmtprc(path, g.account.value_or(""));
  if (!r) {
    return print_error(r.error());
  }
  CheckReportMeta meta;
  meta.header = evidence_header(g, r->path, r->sha256);
  meta.source_kind = "msmtprc";
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

} // namespace peermail::cli
