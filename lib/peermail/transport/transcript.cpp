// SPDX-License-Identifier: GPL-3.0-or-later
#include "transcript.hpp"

#include <peermail/util/strings.hpp>

#include <cctype>

namespace peermail::transport {

int
reply_code(std::string_view line)
{
  if (line.size() < 3) {
    return 0;
  }
  int code = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (std::isdigit(static_cast<unsigned char>(line[i])) == 0) {
      return 0;
    }
    code = code * 10 + (line[i] - '0');
  }
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') {
    return 0;
  }
  return code;
}

bool
is_last_reply_line(std::string_view line)
{
  return line.size() <= 3 || line[3] != '-';
}

std::optional<std::uint64_t>
ehlo_size_limit(std::string_view kw)
{
  if (kw.size() < 6 || (kw.substr(0, 5) != "SIZE " && kw.substr(0, 5) != "size ")) {
    return std::nullopt;
  }
  kw.remove_prefix(5);
  std::uint64_t n = 0;
  std::size_t digits = 0;
  for (const char c : kw) {
    if (c < '0' || c > '9' || ++digits > 18) {
      break;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n > 0 ? std::optional<std::uint64_t>(n) : std::nullopt;
}

std::string
sanitize(std::string_view text)
{
  std::string line;
  line.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n') {
      line.push_back(c);
    }
  }
  return util::terminal_safe(line);
}

std::string
TranscriptFilter::outgoing(std::string_view line)
{
  if (m_in_auth) {
    return "<redacted>";
  }
  const std::string head = util::to_lower(line.substr(0, 5));
  if (head == "auth " || head == "auth") {
    m_in_auth = true;
    // Keep "AUTH MECH", hide any initial response (RFC 4954 §4).
    const auto rest = line.substr(5);
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) {
      return sanitize(line);
    }
    return "AUTH " + sanitize(rest.substr(0, space)) + " <redacted>";
  }
  return sanitize(line);
}

std::string
TranscriptFilter::incoming(std::string_view line)
{
  if (m_in_auth && is_last_reply_line(line) && reply_code(line) != 334) {
    m_in_auth = false;
  }
  return sanitize(line);
}

} // namespace peermail::transport
