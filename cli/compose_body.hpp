// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Where `send`'s body comes from: --body-file, standard input, or the
// user's editor on a terminal.

#include "send_compose.hpp"

#include <peermail/util/result.hpp>

#include <cstdint>
#include <string>

namespace peermail::cli {

// The body: --body-file, else standard input. On a terminal, $VISUAL or
// $EDITOR (as git and mutt do; util::edit_text), else typed in after a hint
// on how to end it. Errors: usage (the editor failed, or the body is empty),
// data (more than `max` bytes), no_input, io.
Result<std::string>
read_body(const ComposeCliOptions& o, const GlobalOptions& g, std::uint64_t max);

} // namespace peermail::cli
