// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The header of reports filed as evidence (`check`, `audit report`).

#include "app.hpp"

#include <peermail/audit/report.hpp>

#include <string>

namespace peermail::cli {

// Return the evidence header for a report made now from the config at
// `config_path` (hash `config_sha256`) with the GnuPG home of `g`
// (--gnupg-home, $PEERMAIL_GNUPG_HOME, $GNUPGHOME, else ~/.gnupg).
audit::EvidenceHeader evidence_header(const GlobalOptions& g,
                                      const std::string& config_path,
                                      const std::string& config_sha256);

// Return the header as three text lines.
std::string evidence_text(const audit::EvidenceHeader& h);

} // namespace peermail::cli
