// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Facts about an established OpenSSL session (internal to transport/).

#include <peermail/transport/transport.hpp>

namespace peermail::transport {

// Return version, cipher (IANA name) and the hex SHA-256 of the leaf
// certificate (DER) of `ssl`, an OpenSSL `SSL*` (not owned). Empty fields for
// a null pointer.
TlsInfo tls_info_from_ssl(const void* ssl);

// Return 12 for "TLSv1.2", 13 for "TLSv1.3", 10/11 for older, 0 if unknown.
int tls_version_number(std::string_view version);

} // namespace peermail::transport
