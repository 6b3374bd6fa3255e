// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz the config loader: any bytes must give a Config or an Error, never a
// crash, hang or leak.
#include <peermail/config/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  peermail::config::LoadOptions opts;
  opts.env["HOME"] = "/home/fuzz";
  opts.strictness = peermail::config::Strictness::report;
  auto r = peermail::config::parse(
    std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml", opts);
  (void)r;
  return 0;
}
