// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// S/MIME framing (RFC 8551) of a message split by mime::prepare(): the
// inner entity, with its RFC 9788 protected headers, is signed (detached,
// multipart/signed) and that entity is enveloped (application/pkcs7-mime).
// Like pgp_mime, never depends on GPGME: the CMS objects come in as DER.

#include <peermail/mime/pgp_mime.hpp>

#include <string>
#include <string_view>

namespace peermail::mime {

// Return the multipart/signed entity (RFC 8551 §3.5.3) of `inner` (exactly
// as signed) and the detached signature `signature_der`:
// protocol="application/pkcs7-signature", micalg=`micalg` ("sha-256").
std::string smime_signed_entity(std::string_view inner,
                                std::string_view signature_der,
                                std::string_view micalg);

// Return the complete message: the outer headers of `p`, then the
// enveloped-data `der` as application/pkcs7-mime; smime-type=enveloped-data;
// name=smime.p7m, base64 in lines of 76.
std::string assemble_smime_enveloped(const Prepared& p, std::string_view der);

// Return `der` as base64 in CRLF-ended lines of 76 characters.
std::string base64_lines(std::string_view der);

} // namespace peermail::mime
