// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <nlohmann/json.hpp>

#include <string>

// Seals after a run and the witness mail of `audit seal --mail ADDR`
// (docs/DESIGN.md §7.1, CHECKLIST.md AUD-03).
namespace peermail::audit {

// Return true if the log at `path` has records after its last seal, so a
// run should seal it: false for an empty log and for one that ends with a
// seal. A log whose last record cannot be read needs a seal too (seal()
// then says why it cannot make one).
bool needs_seal(const std::string& path);

// Return the text mailed to a witness for the seal record `seal_record`
// (as seal() returned it) of the log at `log`: the facts, the command that
// checks the log against them, and the record. Holds no PHI.
std::string witness_text(const std::string& log, const nlohmann::json& seal_record);

} // namespace peermail::audit
