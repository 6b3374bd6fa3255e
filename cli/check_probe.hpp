// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `check --probe`: the live-server items, merged into the findings.

#include "app.hpp"

#include <peermail/config/config.hpp>
#include <peermail/policy/finding.hpp>

#include <vector>

namespace peermail::cli {

// Probe the account of `cfg` and merge the results into `fs` (TLS-01 fails
// when the probe itself fails).
// Probe the account's server and merge its findings into `fs`; with
// `login` false no credentials are read or sent (check --probe --no-login).
void run_probe(const GlobalOptions& g,
               const config::Config& cfg,
               std::vector<policy::Finding>& fs,
               bool login);

} // namespace peermail::cli
