// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one rule for every OpenPGP fingerprint a user writes: config keys
// (identity.signing_key, [[peer]] fingerprint, policy.archive_key,
// audit.seal_key), `keys pin` and `keys certify`.

#include <peermail/util/result.hpp>

#include <string>
#include <string_view>

namespace peermail::util {

// Return true if `fpr` (normalised: util::normalize_fingerprint) is a full
// OpenPGP fingerprint: 40 (v4) or 64 (v5/v6) upper-case hex digits, never a
// key ID.
bool is_full_fingerprint(std::string_view fpr);

// Return `text` normalised when it is a full fingerprint; else Errc::usage
// (E2E-04) with the fix: for fingerprints typed on the command line.
Result<std::string> full_fingerprint(std::string_view text);

} // namespace peermail::util
