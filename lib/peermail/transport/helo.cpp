// SPDX-License-Identifier: GPL-3.0-or-later
#include "helo.hpp"

#include <fmt/core.h>

#include <netdb.h>
#include <unistd.h>

#include <array>

namespace peermail::transport {

namespace {

std::string
canonical_name(const std::string& host)
{
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
    return {};
  }
  std::string name = res->ai_canonname != nullptr ? res->ai_canonname : "";
  freeaddrinfo(res);
  return name;
}

} // namespace

HeloName
helo_name(const config::Account& account)
{
  if (!account.helo.empty()) {
    return {account.helo, HeloName::Source::configured};
  }
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') {
    return {"localhost.localdomain", HeloName::Source::fallback};
  }
  const std::string host = buf.data();
  if (const std::string fqdn = canonical_name(host);
      fqdn.find('.') != std::string::npos && config::is_helo_name(fqdn)) {
    return {fqdn, HeloName::Source::fqdn};
  }
  if (host.find('.') != std::string::npos && config::is_helo_name(host)) {
    return {host, HeloName::Source::fqdn};
  }
  if (config::is_helo_name(host)) {
    return {host, HeloName::Source::short_name};
  }
  return {"localhost.localdomain", HeloName::Source::fallback};
}

std::string
describe(const HeloName& h)
{
  switch (h.source) {
  case HeloName::Source::configured:
    return fmt::format("EHLO {} (account.helo)", h.name);
  case HeloName::Source::fqdn:
    return fmt::format("EHLO {} (this host's fully qualified name)", h.name);
  case HeloName::Source::short_name:
    return fmt::format(
      "EHLO {} (this host's short name: it has no fully qualified name; set "
      "account.helo if the server expects one)",
      h.name);
  case HeloName::Source::fallback:
    return fmt::format("EHLO {} (this host has no usable name; set account.helo)", h.name);
  }
  return {};
}

} // namespace peermail::transport
