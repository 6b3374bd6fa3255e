// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Rendering of `audit verify` on a log (docs/DESIGN.md §7.1;
// peermail-audit(1)).

#include "app.hpp"

#include <peermail/audit/audit_log.hpp>

#include <cstdint>
#include <string>

namespace peermail::cli {

// Print the verdict `r` of verifying the log `path` whose seals were checked
// against `key` ("" = no seal key) as text or JSON; return the exit code
// (1 with AUD-03 when the chain is broken).
int report_log_verify(const std::string& path,
                      const audit::VerifyReport& r,
                      const std::string& key,
                      const GlobalOptions& g);

// Warn that seals are not checked for want of [audit] seal_key (AUD-03).
void warn_seals_not_checked();

// Return "" for 1, else "s".
const char* plural(std::uint64_t n);

} // namespace peermail::cli
