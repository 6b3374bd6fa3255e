// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

namespace peermail::runtime {

// Initialise GPGME (version check, locale), libcurl and GMime once per
// process. Call before any other peermail function; safe to call again.
Result<void> init();

} // namespace peermail::runtime
