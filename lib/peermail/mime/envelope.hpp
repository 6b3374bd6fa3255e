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
  none,               // anything else: refused for submission (E2E-01)
  pgp_mime_encrypted, // multipart/encrypted; protocol="application/pgp-encrypted" (RFC 3156 §4)
  smime_enveloped,    // application/pkcs7-mime; smime-type=(auth)enveloped-data (RFC 8551 §3.3)
};

struct OutgoingMessage
{
  std::vector<std::string> from; // addresses of the From header
  std::vector<std::string> to;   // addresses of To (groups expanded)
  std::vector<std::string> cc;
  std::vector<std::string> bcc; // Bcc and Resent-Bcc; these headers never travel
  std::string message_id;       // without angle brackets; "" when absent
  Protection protection = Protection::none;
  std::string wire; // the message without Bcc headers, CRLF line ends

  // Return To, Cc and Bcc in that order without duplicates.
  std::vector<std::string> all_recipients() const;
};

// Parse `bytes` (an RFC 5322 message) with GMime. Errors: data when it is not
// a message (empty, no header block).
Result<OutgoingMessage> parse_outgoing(std::string_view bytes);

} // namespace peermail::mime
