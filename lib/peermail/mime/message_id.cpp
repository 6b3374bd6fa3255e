// SPDX-License-Identifier: GPL-3.0-or-later
#include "message_id.hpp"

#include <fmt/core.h>

#include <sys/random.h>

#include <array>
#include <cerrno>

namespace peermail::mime {

std::string
make_message_id(std::string_view domain)
{
  std::array<unsigned char, 16> rnd{};
  std::size_t got = 0;
  while (got < rnd.size()) {
    const auto n = ::getrandom(rnd.data() + got, rnd.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      break; // getrandom cannot fail on Linux ≥ 3.17 after boot; keep going
    }
  }
  std::string hex;
  for (const auto b : rnd) {
    hex += fmt::format("{:02x}", b);
  }
  return fmt::format("{}@{}", hex, domain);
}

} // namespace peermail::mime
