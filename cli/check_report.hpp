// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Rendering of `check` (docs/DESIGN.md §5): the findings, the evidence
// header and the audit record of the run.

#include <peermail/audit/report.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace peermail::cli {

// What `check` reports besides the findings.
struct CheckReportMeta
{
  audit::EvidenceHeader header;
  std::string record_path;                 // the audit log
  std::optional<std::uint64_t> record_seq; // the record of this run, if written
  std::optional<Error> record_error;       // why it was not
  // What was judged: peermail's own config (empty), or another tool's file
  // (`check --msmtprc`: kind "msmtprc", its path and account; `check
  // --muttrc`: kind "muttrc", its path, no account), with what in
  // it could not be judged.
  std::string source_kind;
  std::string source_path;
  std::string source_account;
  std::vector<std::string> notes;
};

// Print the findings grouped by area, the header and the record on stdout.
void print_check_text(const std::vector<policy::Finding>& fs, const CheckReportMeta& m);

// Print {"ok", "profile", "report", "audit_record", "findings"} on stdout.
void print_check_json(const std::vector<policy::Finding>& fs, const CheckReportMeta& m);

} // namespace peermail::cli
