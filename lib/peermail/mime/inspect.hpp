// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reading received messages for `verify` (RFC 3156, inline OpenPGP, RFC 9788
// protected headers). Finds the protected node and whether it covers all that
// a reader would see (notmuch-style payload tracking). Never depends on
// GPGME: signature and ciphertext bytes are handed out for crypto/.

#include <peermail/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace peermail::mime {

// What kind of protection the chosen node has.
enum class Shape {
  plain,            // nothing signed or encrypted
  signed_mime,      // multipart/signed; protocol="application/pgp-signature"
  encrypted_mime,   // multipart/encrypted; protocol="application/pgp-encrypted"
  inline_signed,    // a text part holding a cleartext-signed block
  inline_encrypted, // a text part holding an armored PGP MESSAGE
  unsupported,      // S/MIME or another protocol peermail does not judge
};

// Headers carried inside the protected entity (RFC 9788).
struct ProtectedHeaders
{
  std::vector<std::string> from; // lower-cased addresses
  std::optional<std::string> subject;
  // Each protected header as a reader would compare it (name as in RFC 9788
  // §4.2, value decoded and unfolded, whitespace collapsed).
  std::vector<std::pair<std::string, std::string>> fields;
};

struct Inspection
{
  Shape shape = Shape::plain;
  bool covers_all = false;          // the protected node is all a reader sees
  std::string signed_content;       // signed_mime: the first part in canonical CRLF form
  std::string signature;            // signed_mime: the signature bytes
  std::string payload;              // encrypted_mime / inline_*: the armored block
  std::string malformed;            // non-empty: why the structure is malformed
  std::vector<std::string> from;    // addresses of all From headers
  std::optional<std::int64_t> date; // the outer Date header, seconds since the epoch
  std::optional<ProtectedHeaders> protected_headers; // of the signed/encrypted entity root
  std::vector<std::string> warnings;
};

// Inspect `bytes`: a whole message, or a decrypted MIME entity. Errc::data
// when it is not a message at all (empty, no headers).
Result<Inspection> inspect(std::string_view bytes);

// Rebuild a readable message from the received `outer` message and the
// decrypted `inner` entity: the outer headers (minus Content-* and
// MIME-Version), overridden by the inner protected headers (the real Subject,
// RFC 9788 §4.3), then the inner entity.
Result<std::string> restore_decrypted(std::string_view outer, std::string_view inner);

} // namespace peermail::mime
