// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The audit record of a `check` run (CHECKLIST.md AUD-01): the verdict
// counts and the config hash, so an auditor can show when the setup was
// checked and what it found. No evidence text, no secret.

#include <peermail/config/config.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace peermail::check {

// Which check ran: offline, or with --probe of the live server.
enum class CheckKind { offline, probe };

// Return `findings` counted per level and status, e.g.
// {"required": {"pass": 30, "fail": 1}, "all": {"pass": 40, …}}.
std::map<std::string, std::map<std::string, std::uint64_t>>
count_findings(const std::vector<policy::Finding>& findings);

// Append the record of this run to the config's audit log: action "check"
// or "probe", outcome "compliant" (no FAIL) or "not-compliant", the counts,
// config_sha256 and the user. A log that send would refuse (others can
// write it, a symbolic link, a damaged last line) is not written to. Return
// the seq. Errors: io (AUD-04) or permissions (AUD-01), with the fix;
// `check` reports them and goes on.
Result<std::uint64_t> record_check(const config::Config& cfg,
                                   const std::vector<policy::Finding>& findings,
                                   CheckKind kind);

// Turn the failure `e` of record_check() into a FAIL of its checklist item
// (AUD-04 unless `e` names another) in `findings`: a log that cannot take
// a record would stop every send. An item already failing keeps its own
// finding; an item not in `findings` (left out by --only) is not added.
void note_record_failure(std::vector<policy::Finding>& findings, const Error& e);

} // namespace peermail::check
