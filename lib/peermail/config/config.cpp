// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <cassert>

namespace peermail::config {

std::string_view
to_string(TlsMode mode)
{
  return mode == TlsMode::implicit ? "implicit" : "starttls";
}

std::string_view
to_string(PeerProtocol protocol)
{
  return protocol == PeerProtocol::smime ? "smime" : "openpgp";
}

std::string_view
to_string(TlsVersion version)
{
  return version == TlsVersion::v1_3 ? "1.3" : "1.2";
}

const Account&
Config::account() const
{
  auto it = accounts.find(account_name);
  assert(it != accounts.end());
  return it->second;
}

std::string
Config::where(const std::string& key) const
{
  auto it = positions.find(key);
  if (it == positions.end()) {
    return "default";
  }
  if (it->second.line == 0) {
    return it->second.file;
  }
  return fmt::format("{}:{}", it->second.file, it->second.line);
}

const Peer*
Config::peer(const std::string& address) const
{
  const auto want = util::to_lower(address);
  for (const auto& p : peers) {
    if (p.address == want) {
      return &p;
    }
  }
  return nullptr;
}

std::optional<std::string>
Config::pinned_fingerprint(const std::string& address) const
{
  const auto* p = peer(address);
  if (p == nullptr || p->protocol != PeerProtocol::openpgp) {
    return std::nullopt;
  }
  return p->fingerprint;
}

} // namespace peermail::config
