// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Rendering of the `verify` verdict (docs/DESIGN.md §6) as text or JSON.

#include <peermail/verify/verify.hpp>

#include <string>

namespace peermail::cli {

// Return the DESIGN.md §6 JSON object of `r` and a newline.
std::string render_verify_json(const verify::VerifyReport& r);

// Return the text report of `r`. Every text that came from the message or a
// key goes through util::terminal_safe.
std::string render_verify_text(const verify::VerifyReport& r);

} // namespace peermail::cli
