// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Rendering of `audit verify` on an export and of `audit export`
// (docs/DESIGN.md §7.2; peermail-audit(1)).

#include "app.hpp"

#include <peermail/audit/export.hpp>

#include <string>

namespace peermail::cli {

// Print the verdict `r` of verifying the export `path`; return the exit
// code (1 with AUD-03 when the export does not verify).
int
report_export_verify(const std::string& path, const audit::ExportReport& r, const GlobalOptions& g);

// Say on stderr what the export `ex` holds and warn when its manifest is
// not signed.
void report_export_written(const audit::Export& ex);

} // namespace peermail::cli
