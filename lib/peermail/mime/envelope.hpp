// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Reading an outgoing, already protected message for submission (`send
// --message`, sendmail, batch): who it goes to, whether its top level is end-to-
// end encrypted (E2E-01), and the bytes that travel (Bcc removed, CRLF).

#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::mime {

// The top-level protection of a message.
enum class Protection {
  none, // anything else, or a top-level Content-Type or Content-Transfer-Encoding
        // header given twice: refused for submission (E2E-01)
  // multipart/encrypted; protocol="application/pgp-encrypted" (RFC 3156 §4),
  // strictly: exactly two parts, the first application/pgp-encrypted holding
  // "Version: 1", the second exactly one ASCII-armored PGP MESSAGE and
  // nothing else; no text in the preamble (but the one-line "This is an
  // OpenPGP/MIME …" notice) or epilogue. Anything less is `none`.
  pgp_mime_encrypted,
  // application/pkcs7-mime (or x-pkcs7-mime); smime-type=enveloped-data or
  // authEnveloped-data (RFC 8551 §3.3), strictly: one part, base64 and
  // nothing else (no text a decoder would skip, nothing after the padding).
  // What the DER holds is judged by crypto/ (cms_recipients.hpp).
  smime_enveloped,
};

struct OutgoingMessage
{
  std::vector<std::string> from; // addresses of the From header
  std::vector<std::string> to;   // addresses of To (groups expanded)
  std::vector<std::string> cc;
  std::vector<std::string> bcc; // Bcc and Resent-Bcc; these headers never travel
  std::string message_id;       // without angle brackets; "" when absent
  Protection protection = Protection::none;
  // pgp_mime_encrypted: the armored PGP MESSAGE block (the only content of
  // the encrypted part). smime_enveloped: the DER (or BER) CMS object, the
  // decoded base64 body. none: why the message is not accepted as
  // end-to-end encrypted ("" when its top level is not even claimed to be).
  std::string ciphertext;
  std::string not_protected_reason;
  // smime_enveloped: its smime-type says authEnveloped-data (RFC 8551
  // §3.2.2), else enveloped-data; the CMS object must be that kind.
  bool smime_authenticated = false;
  std::string wire; // the message without Bcc headers, CRLF line ends

  // Return To, Cc and Bcc in that order without duplicates.
  std::vector<std::string> all_recipients() const;
};

// Parse `bytes` (an RFC 5322 message) with GMime. Errors: data when it is not
// a message (empty, no header block), a bare CR in a header, or a To/Cc/Bcc
// address that address::check_address() refuses.
Result<OutgoingMessage> parse_outgoing(std::string_view bytes);

// Return why `text` (the decoded encrypted part of a PGP/MIME message) is not
// exactly one ASCII-armored PGP MESSAGE (RFC 4880 §6.2) with nothing outside
// it, or "" when it is: whitespace around it is allowed; inside, armor
// headers other than Version, or a line that is not radix-64, are refused
// (text there would travel in clear).
std::string armor_problem(std::string_view text);

} // namespace peermail::mime
