// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app.hpp"

namespace peermail::cli {

// Add `audit report [--file LOG] [--since T] [--until T]` to the `audit`
// command `audit`: the period summary an auditor files (docs/DESIGN.md §7).
void register_audit_report(CLI::App& audit, const GlobalOptions& g, int* exit_code);

} // namespace peermail::cli
