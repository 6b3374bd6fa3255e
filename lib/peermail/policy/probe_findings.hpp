// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// `check --probe`, the judging half: what transport::probe() measured, judged
// against the checklist (CHECKLIST.md §8).

#include <peermail/config/config.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/transport/probe.hpp>

#include <vector>

namespace peermail::policy {

// Judge `report` against the checklist: TLS-01..TLS-10 and AUTH-01..AUTH-03.
// Pure.
std::vector<Finding> probe_findings(const transport::ProbeReport& report,
                                    const config::Config& cfg);

} // namespace peermail::policy
