// SPDX-License-Identifier: GPL-3.0-or-later
#include "file_util.hpp"

#include <peermail/audit/audit_log.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace peermail::audit::detail {

std::optional<ChainedLine>
parse_chained(const std::string& line)
{
  ChainedLine p;
  p.j = nlohmann::json::parse(line, nullptr, false);
  if (!p.j.is_object()) {
    return std::nullopt;
  }
  const auto seq = p.j.find("seq");
  const auto prev = p.j.find("prev");
  const auto hash = p.j.find("hash");
  if (seq == p.j.end() || !seq->is_number_unsigned() || prev == p.j.end() || !prev->is_string()
      || hash == p.j.end() || !hash->is_string()) {
    return std::nullopt;
  }
  p.seq = seq->get<std::uint64_t>();
  p.prev = prev->get<std::string>();
  p.hash = hash->get<std::string>();
  return p;
}

Result<LastLine>
read_last_line(int fd, off_t size)
{
  LastLine out;
  if (size <= 0) {
    out.complete = true;
    return out;
  }
  std::string tail; // bytes from `pos` to the end, read backwards
  off_t pos = size;
  std::array<char, 4096> buf{};
  // Find the start of the last line: the "\n" before it (ignoring a final
  // "\n"), or the beginning of the file.
  for (;;) {
    const off_t want = std::min<off_t>(static_cast<off_t>(buf.size()), pos);
    if (want == 0) {
      break;
    }
    pos -= want;
    std::size_t got = 0;
    while (got < static_cast<std::size_t>(want)) {
      const ssize_t n = ::pread(
        fd, buf.data() + got, static_cast<std::size_t>(want) - got, pos + static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return fail(
          Errc::io,
          fmt::format("cannot read: {}", n < 0 ? std::strerror(errno) : "unexpected end"));
      }
      got += static_cast<std::size_t>(n);
    }
    tail.insert(0, buf.data(), got);
    // `tail` always ends at the end of the file; skip its final "\n".
    const std::size_t search_end = tail.size() - (tail.back() == '\n' ? 1 : 0);
    const auto nl = std::string_view(tail.data(), search_end).rfind('\n');
    if (nl != std::string_view::npos) {
      tail.erase(0, nl + 1);
      break;
    }
    if (tail.size() > k_max_line_bytes) {
      return fail(Errc::io, fmt::format("the last line is longer than {} bytes", k_max_line_bytes));
    }
  }
  out.complete = !tail.empty() && tail.back() == '\n';
  if (out.complete) {
    tail.pop_back();
  }
  out.text = std::move(tail);
  return out;
}

} // namespace peermail::audit::detail
