// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Resume: resolve the write-ahead audit records of an earlier, interrupted
// or killed run with what the journal knows (issue 14, "Outcomes for
// everything started"). A "pending" batch record that no outcome names
// (audit_log.hpp, "Write-ahead"; found by audit::verify's own rule) gets the
// outcome record it lacks, with its pending_seq, so that `audit verify` has
// no unresolved record after the resume:
//
//   journal state                         outcome
//   sent                                  "sent" (the journal's SMTP code)
//   unknown (in flight, or no reply)      "unknown"
//   failed, changed after the pending     "failed"
//   pending, or failed before the pending "not-sent" (the run stopped after
//                                          the record, before the in-flight
//                                          mark: nothing was submitted)

#include <peermail/audit/audit_log.hpp>
#include <peermail/batch/resume.hpp>
#include <peermail/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace peermail::batch_run {

// Return the outcome ("sent", "unknown", "failed", "not-sent") of a pending
// record written at `pending_ms` for a journal entry `e`.
std::string reconciled_outcome(const batch::ResumeEntry& e, std::int64_t pending_ms);

// Append an outcome record for every unresolved "pending" record of action
// "batch" in the log at `audit_path` whose Message-ID and recipient match an
// entry of `entries` (keyed by address). `base` is the record to start from
// (user, signer, config); `append` appends one record. Return how many were
// resolved. A log that does not verify is left alone (0). Errors: those of
// `append` and of reading the log (io).
Result<std::size_t>
resolve_pending(const std::string& audit_path,
                const std::map<std::string, batch::ResumeEntry>& entries,
                const audit::Record& base,
                const std::function<Result<std::uint64_t>(const audit::Record&)>& append);

} // namespace peermail::batch_run
