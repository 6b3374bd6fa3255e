// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The X.509 certificates in gpgsm's keybox, with their facts (read-only):
// for `keys list` and `keys pin --smime`. No trust judgement here (that is
// the recipient-certificate judgement's).

#include <peermail/crypto/x509_import.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <vector>

namespace peermail::crypto {

// List the certificates of `gnupg_home` ("" = default), `secret` set for
// those whose private key gpg-agent holds. A home without a keybox, or a
// system without gpgsm, has none.
Result<std::vector<X509Summary>> list_x509(const std::string& gnupg_home);

// Return the certificate `fingerprint` (SHA-1 or SHA-256, normalised) from
// `certs`, or nullptr.
const X509Summary* find_x509(const std::vector<X509Summary>& certs, const std::string& fingerprint);

} // namespace peermail::crypto
