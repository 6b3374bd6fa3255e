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
  unsupported,      // another protocol peermail does not judge
  smime,            // S/MIME (RFC 8551): multipart/signed or application/pkcs7-mime
};

// A header a reader sees, as compared: the name, and the value decoded,
// unfolded and normalised (addresses lower-cased, Date as epoch seconds).
using Field = std::pair<std::string, std::string>;

// Headers carried inside the protected entity (RFC 9788).
struct ProtectedHeaders
{
  std::vector<std::string> from; // lower-cased addresses
  std::optional<std::string> subject;
  // Each protected header as a reader would compare it (name as in RFC 9788
  // §4.2, value decoded and unfolded, whitespace collapsed).
  std::vector<Field> fields;
};

struct Inspection
{
  Shape shape = Shape::plain;
  bool covers_all = false;          // the protected node is all a reader sees
  std::string signed_content;       // signed_mime, smime_detached: the first part, CRLF
  std::string signature;            // signed_mime, smime_detached: the signature bytes
  std::string payload;              // encrypted_mime / inline_*: the armored block;
                                    // smime (not detached): the DER of application/pkcs7-mime
  std::string malformed;            // non-empty: why the structure is malformed
  std::vector<std::string> from;    // addresses of all From headers
  std::string from_conflict;        // non-empty: a From display name names another address
  std::vector<Field> outer_fields;  // the user-visible headers of the message itself
  bool smime_encrypted = false;     // shape smime: smime-type says enveloped (a hint only)
  bool smime_detached = false;      // shape smime: multipart/signed, else application/pkcs7-mime
  std::optional<std::int64_t> date; // the outer Date header, seconds since the epoch
  std::optional<ProtectedHeaders> protected_headers; // of the signed/encrypted entity root
  std::vector<std::string> warnings;
};

// Inspect `bytes`: a whole message, or a decrypted MIME entity. Errc::data
// when it is not a message at all (empty, no headers).
Result<Inspection> inspect(std::string_view bytes);

// How far the signature covers the headers a reader sees.
struct HeaderCoverage
{
  std::vector<std::string> unsigned_names; // visible outer headers nobody signed
  std::vector<std::string> differing;      // of those, the ones that make it partially signed
  std::vector<std::string> notes;          // transport rewrites: a new Message-ID, a Date moved
};

// Judge the visible `outer` headers against the protected headers `ph` of
// the signed (or decrypted) entity (RFC 9788). With `ph`, every visible
// outer header must equal the protected one or be absent (a Message-ID
// replaced, a Date moved by at most k_date_slack_s or a Date the signer did
// not protect, as Thunderbird does not, are notes; for
// `encrypted` messages an obscured Subject such as "[...]" is expected).
// Without `ph`, every visible outer header is unsigned, and a
// reply-steering one (Reply-To, Sender, Mail-Followup-To, …) differs.
// From is left to the signer check.
inline constexpr std::int64_t k_date_slack_s = 15 * 60;
HeaderCoverage judge_headers(const std::vector<Field>& outer,
                             const std::optional<ProtectedHeaders>& ph,
                             bool encrypted);

// Rebuild a readable message from the received `outer` message and the
// decrypted `inner` entity. When the inner entity has protected headers
// (RFC 9788 §4.3), they are the message's headers and no outer header is
// kept (an outer-only header was never encrypted or signed). Without them
// (legacy mail), the outer headers minus Content-* and MIME-Version, then
// the inner entity.
Result<std::string> restore_decrypted(std::string_view outer, std::string_view inner);

} // namespace peermail::mime
