// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The `-v` SMTP dialogue: command/reply lines with AUTH redacted (internal to
// transport/). DATA never reaches these functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace peermail::transport {

// Return the reply code of an SMTP reply line ("250-x" → 250), or 0 when the
// line does not start with three digits.
int reply_code(std::string_view line);

// Return true if `line` is the last line of a reply ("250 x", not "250-x").
bool is_last_reply_line(std::string_view line);

// Return the limit of the EHLO keyword line `keyword` (the text after
// "250-"), "SIZE 10240000" (RFC 1870 §4); nullopt for any other keyword and
// for SIZE without a limit (or 0).
std::optional<std::uint64_t> ehlo_size_limit(std::string_view keyword);

// Return `text` without CR, LF and other control characters (for messages).
std::string sanitize(std::string_view text);

// Redacts credentials in the dialogue. The AUTH command keeps its mechanism
// ("AUTH PLAIN <redacted>"); every client line after it is "<redacted>" until
// the server answers with something other than 334 (RFC 4954 §4).
class TranscriptFilter
{
public:
  // Return the line to show for the client line `line` (no CR/LF).
  std::string outgoing(std::string_view line);

  // Note the server line `line`; return it sanitised.
  std::string incoming(std::string_view line);

  // Return true while an AUTH exchange is in progress.
  bool
  in_auth() const
  {
    return m_in_auth;
  }

private:
  bool m_in_auth = false;
};

} // namespace peermail::transport
