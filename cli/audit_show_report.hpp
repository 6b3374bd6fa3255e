// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The table of `audit show` (docs/DESIGN.md §7; peermail-audit(1)).

#include <nlohmann/json.hpp>

namespace peermail::cli {

// Print the table's header line.
void print_show_header();

// Print `record` as one table row; every field is made terminal-safe and
// "-" stands for a missing or empty one.
void print_show_row(const nlohmann::json& record);

} // namespace peermail::cli
