// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A GPGME CMS (gpgsm) context for a GnuPG home (internal to crypto/: it
// names GPGME types, which cli/ never sees).

#include <peermail/crypto/context.hpp>
#include <peermail/util/result.hpp>

#include <string>

namespace peermail::crypto {

// Create a CMS context for `gnupg_home` ("" = default home).
Result<Ctx> cms_context(const std::string& gnupg_home);

} // namespace peermail::crypto
