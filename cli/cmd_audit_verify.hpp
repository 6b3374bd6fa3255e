// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app.hpp"

namespace peermail::cli {

// Add `audit verify [--file LOG|EXPORT] [--expect-seq N] [--anchor HASH]
// [--seal-key FPR]` to `audit`: the hash chain, seals and exports
// (docs/DESIGN.md §7.1, §7.2).
void register_audit_verify(CLI::App& audit, const GlobalOptions& g, int* exit_code);

// Add `audit export [--file LOG] [-o FILE] [filters]` to `audit`: records
// after a manifest signed with the seal key (docs/DESIGN.md §7.2).
void register_audit_export(CLI::App& audit, const GlobalOptions& g, int* exit_code);

} // namespace peermail::cli
