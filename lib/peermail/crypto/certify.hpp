// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `peermail keys certify FPR`: a local certification (gpg --quick-lsign-key)
// of every user ID of a peer's key with the user's own signing key, through
// GPGME (E2E-04: certified, i.e. full validity, is one of the two ways a key
// becomes usable; a [[peer]] pin is the other).

#include <peermail/crypto/passphrase.hpp>
#include <peermail/util/result.hpp>

#include <memory>
#include <string>

namespace peermail::crypto {

// Certify the key `fingerprint` (full fingerprint) locally (non-exportable,
// no expiry) with the secret key `signer_fingerprint`, in `gnupg_home`.
// `passphrase` (may be null) is given through the loopback pinentry. A key
// already certified by the signer is not an error. Errors: usage (not a
// full fingerprint), no_key (either key missing), auth (passphrase), crypto.
Result<void> certify_locally(const std::string& gnupg_home,
                             const std::string& fingerprint,
                             const std::string& signer_fingerprint,
                             std::shared_ptr<const Secret> passphrase);

} // namespace peermail::crypto
