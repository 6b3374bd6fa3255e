// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Audit evidence (issue 14): `audit verify` with seals and exports, `audit
// export` with a signed manifest, `audit seal [--mail ADDR]`, and the seal
// at the end of every send/sendmail/batch run. cmd_audit.cpp resolves the
// log path and filter and calls in here.

#include "app.hpp"

#include <peermail/audit/audit_log.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace peermail::cli {

// What `audit verify` was asked.
struct AuditVerifyArgs
{
  std::string path;             // the log or export to verify
  bool explicit_file = false;   // --file was given (the config may be absent)
  std::uint64_t expect_seq = 0; // --expect-seq (0: unset)
  std::string anchor;           // --anchor
  std::string seal_key;         // --seal-key (overrides [audit] seal_key)
};

// Verify the log (or export) `a.path`, checking seals; print the verdict.
int run_audit_verify(const AuditVerifyArgs& a, const GlobalOptions& g);

// Export the records of `path` that pass `filter` (as the user gave it in
// `filter_desc`) with a manifest, to `output` ("" or "-": stdout).
int run_audit_export(const std::string& path,
                     bool explicit_file,
                     const audit::Filter& filter,
                     const nlohmann::json& filter_desc,
                     const std::string& output,
                     bool force,
                     const GlobalOptions& g);

// Register `audit seal` on `audit`.
void register_audit_seal(CLI::App& audit, const GlobalOptions& g, int* exit_code);

// At the end of a send, sendmail or batch run: seal the log when [audit]
// seal_key is set and the last record is not a seal already (a dry run that
// recorded a refusal is sealed too; one that recorded nothing is not).
// The mail is already sent, so a failure is a warning with the fix (the exit
// code of the run is unchanged; docs/DESIGN.md §7.1).
void seal_after_run(const config::Config& cfg, const GlobalOptions& g);

} // namespace peermail::cli
