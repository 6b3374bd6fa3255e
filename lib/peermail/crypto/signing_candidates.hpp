// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The secret keys that could sign for an address: what `peermail init`
// offers instead of asking for a fingerprint.

#include <peermail/crypto/keyring.hpp>

#include <vector>

namespace peermail::crypto {

// Every secret key in `keyring` with a user ID for `address` (compared in
// lower case), each judged as a signing key for `address` exactly as send
// judges it (judge_signer: SIG-01, KEY-01..05). Usable keys come first, then
// by fingerprint, so the order is stable.
Result<std::vector<KeyJudgement>>
signing_candidates(Keyring& keyring, const std::string& address, const KeyPolicy& policy);

} // namespace peermail::crypto
