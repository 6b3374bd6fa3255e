// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `audit seal [--mail ADDR]` and the seal at the end of every send, sendmail
// and batch run (issue 14; docs/DESIGN.md §7.1).

#include "app.hpp"

namespace peermail::cli {

// Register `audit seal` on `audit`.
void register_audit_seal(CLI::App& audit, const GlobalOptions& g, int* exit_code);

// At the end of a send, sendmail or batch run: seal the log when [audit]
// seal_key is set and the last record is not a seal already (a dry run that
// recorded a refusal is sealed too; one that recorded nothing is not).
// The mail is already sent, so a failure is a warning with the fix (the exit
// code of the run is unchanged; docs/DESIGN.md §7.1).
void seal_after_run(const config::Config& cfg, const GlobalOptions& g);

} // namespace peermail::cli
