// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz address validation: an accepted address never holds CR, LF, NUL or a
// second address.
#include <peermail/address/mailbox.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = peermail::address::parse_mailbox(in, "--to");
  if (r) {
    const auto& addr = r->address;
    if (addr.find_first_of(std::string_view("\r\n\0,<> ", 7)) != std::string_view::npos
        || addr.find('@') == std::string_view::npos) {
      std::abort();
    }
    if (!peermail::address::is_valid_address(addr)) {
      std::abort(); // what parse_mailbox returns is already normalised
    }
  }
  return 0;
}
