// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Building PGP/MIME messages (RFC 3156) with protected headers (RFC 9788):
// the message is split into outer headers and a canonical inner entity; the
// caller signs or encrypts the entity's bytes (crypto/) and assembles the
// result here. Never depends on GPGME: signatures and ciphertexts come in as
// bytes.

#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::mime {

// How prepare() treats the outer Subject.
enum class SubjectProtection {
  keep,        // the outer Subject stays (sign only: nothing is hidden)
  placeholder, // the outer Subject becomes "[...]" (RFC 9788 §4.1)
};

// A message split for protection.
struct Prepared
{
  std::string outer_headers;  // CRLF header lines for the outer message, ending with
                              // "MIME-Version: 1.0\r\n"; no Content-*, no Bcc
  std::string inner;          // the canonical entity to sign or encrypt: CRLF
                              // line ends, 7-bit clean, protected headers inside
  std::string message_id;     // without angle brackets (generated if missing)
  std::string from_address;   // the single From address, lower case
  std::vector<std::string> recipients; // To, Cc and Bcc addresses, lower case, unique
};

// Parse `message` (RFC 5322) and split it. The inner entity carries copies of
// From, To, Cc, Reply-To, Subject, Date and Message-ID and
// `protected-headers="v1"` on its Content-Type; its leaves are QP- or
// base64-encoded where needed so that it survives transport unchanged
// (canonicalize_for_signing). Errors: Errc::data for an unparseable message,
// a From with no or several addresses, or a message that is already
// PGP/MIME protected.
Result<Prepared> prepare(std::string_view message, SubjectProtection subject);

// The addresses of a message, for choosing keys.
struct MessageAddresses
{
  std::vector<std::string> from;       // every From address, lower case
  std::vector<std::string> recipients; // To, Cc and Bcc, lower case, unique
};

// Parse `message` and return its addresses. Errc::data when unparseable.
Result<MessageAddresses> read_addresses(std::string_view message);

// Return the complete multipart/signed message (RFC 3156 §5): `p.inner`
// exactly as signed, then `signature` (armored) as application/pgp-signature.
// `micalg` is e.g. "pgp-sha256".
std::string assemble_signed(const Prepared& p, std::string_view signature, std::string_view micalg);

// Return the complete multipart/encrypted message (RFC 3156 §4) around the
// armored `ciphertext`.
std::string assemble_encrypted(const Prepared& p, std::string_view ciphertext);

// Return `text` with every line ending (LF or CRLF) as CRLF.
std::string to_crlf(std::string_view text);

} // namespace peermail::mime
