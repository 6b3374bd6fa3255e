// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What may go out as SMTP DATA: peermail never negotiates 8BITMIME,
// BINARYMIME or SMTPUTF8, so a message is submitted only as 7-bit text with
// CRLF line ends of at most 998 octets (RFC 5321 §2.3.8, §4.1.1.4,
// §4.5.3.1.6; RFC 6152). A bare CR or LF is
// what SMTP smuggling is made of ("<LF>.<CR><LF>", "<CR>.<CR>": servers that
// read them as the end of data take the rest as new commands); an 8-bit
// byte without 8BITMIME is a protocol violation; the line limit also bounds
// every header a message brings (an oversized Message-ID of `send
// --message`, whose record would otherwise follow it). Everything submitted passes
// through check_wire() before its first byte leaves (pipeline, before the
// write-ahead record; SmtpSession::transfer, for every caller).

#include <peermail/util/result.hpp>

#include <cstdint>
#include <string_view>

namespace peermail::transport {

// A streaming checker: feed() the bytes in order, then finish().
class WireCheck
{
public:
  // Check the next `chunk` of the message.
  void feed(std::string_view chunk);

  // Return the verdict for everything fed: Errc::data (65) naming the first
  // offending byte's offset and what it is, ending in "nothing was sent".
  Result<void> finish() const;

private:
  static constexpr std::uint64_t k_max_line_octets = 998; // without CRLF
  std::uint64_t m_offset = 0;
  std::uint64_t m_line_length = 0;
  std::uint64_t m_bad_at = 0;
  const char* m_problem = nullptr; // first problem found (static text)
  bool m_after_cr = false;         // the previous byte was a CR
};

// Check all of `bytes` (see WireCheck).
Result<void> check_wire(std::string_view bytes);

// Check the file `fd` from offset 0 to its end (pread: the file offset is
// left alone). Errors: data (see WireCheck), io.
Result<void> check_wire_fd(int fd);

} // namespace peermail::transport
