// SPDX-License-Identifier: GPL-3.0-or-later
#include "wire.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace peermail::transport {

void
WireCheck::feed(std::string_view chunk)
{
  for (const char ch : chunk) {
    const auto c = static_cast<unsigned char>(ch);
    if (m_problem == nullptr) {
      if (m_after_cr && c != '\n') {
        m_problem = "a bare CR (a CR not followed by LF)";
        m_bad_at = m_offset - 1;
      } else if (c == '\n' && !m_after_cr) {
        m_problem = "a bare LF (an LF not preceded by CR)";
        m_bad_at = m_offset;
      } else if (c == '\0') {
        m_problem = "a NUL byte";
        m_bad_at = m_offset;
      } else if (c >= 0x80) {
        m_problem = "an 8-bit byte (peermail submits 7-bit only: it never uses 8BITMIME)";
        m_bad_at = m_offset;
      } else if (c != '\r' && c != '\n' && m_line_length == k_max_line_octets) {
        m_problem = "a line longer than 998 octets (RFC 5321 §4.5.3.1.6)";
        m_bad_at = m_offset;
      }
    }
    m_line_length = c == '\n' ? 0 : c == '\r' ? m_line_length : m_line_length + 1;
    m_after_cr = c == '\r';
    ++m_offset;
  }
}

Result<void>
WireCheck::finish() const
{
  const char* problem = m_problem;
  std::uint64_t at = m_bad_at;
  if (problem == nullptr && m_after_cr) {
    problem = "a bare CR (a CR not followed by LF)";
    at = m_offset - 1;
  }
  if (problem == nullptr) {
    return {};
  }
  return fail(Errc::data,
              fmt::format("the message to submit contains {} at byte {}; SMTP data must be "
                          "7-bit lines ending in CRLF (RFC 5321 §2.3.8; a bare CR or LF is how "
                          "SMTP smuggling works); nothing was sent",
                          problem,
                          at),
              "",
              "encrypt the message with `peermail encrypt` (its output is 7-bit with CRLF "
              "line ends), or convert its line ends to CRLF, fold long header lines and keep "
              "8-bit text out of the headers that travel in clear");
}

Result<void>
check_wire(std::string_view bytes)
{
  WireCheck w;
  w.feed(bytes);
  return w.finish();
}

Result<void>
check_wire_fd(int fd)
{
  WireCheck w;
  std::array<char, 65536> buf{};
  off_t off = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(Errc::io, fmt::format("cannot read the message: {}", std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    w.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    off += n;
  }
  return w.finish();
}

} // namespace peermail::transport
