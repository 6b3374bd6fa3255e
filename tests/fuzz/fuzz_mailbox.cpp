// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz address validation: an accepted address never holds CR, LF, NUL or a
// second address.
#include <peermail/config/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = peermail::config::parse_mailbox(in);
  if (r) {
    const auto& addr = r->second;
    if (addr.find_first_of(std::string_view("\r\n\0,<> ", 7)) != std::string_view::npos
        || addr.find('@') == std::string_view::npos) {
      std::abort();
    }
  }
  return 0;
}
