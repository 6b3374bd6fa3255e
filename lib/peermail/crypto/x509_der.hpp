// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Small OpenSSL X.509 helpers shared inside crypto/ (cms.cpp,
// x509_import.cpp): the one home of the certificate handle, its DER and the
// hex form of a digest.

#include <peermail/util/handle.hpp>

#include <openssl/x509.h>

#include <string>

namespace peermail::crypto {

using X509Ptr = util::Handle<X509, X509_free>;

// The DER encoding of `x` ("" when OpenSSL cannot encode it).
std::string der_of(X509* x);

// `n` bytes at `p` as upper-case hex, no separators.
std::string hex_upper(const unsigned char* p, unsigned n);

} // namespace peermail::crypto
