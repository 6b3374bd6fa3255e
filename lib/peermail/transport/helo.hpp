// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The name peermail gives in EHLO (RFC 5321 §4.1.1.1), for send and the
// probe alike: account.helo, else the host's fully qualified domain name.

#include <peermail/config/config.hpp>

#include <string>

namespace peermail::transport {

struct HeloName
{
  enum class Source {
    configured, // account.helo
    fqdn,       // the canonical name of gethostname() (getaddrinfo AI_CANONNAME)
    short_name, // gethostname() as it is: no fully qualified name exists
    fallback,   // no usable host name at all: "localhost.localdomain"
  };
  std::string name;
  Source source = Source::configured;
};

// The EHLO name of `account`. A host name that is not a valid EHLO name
// (config::is_helo_name) is never used.
HeloName helo_name(const config::Account& account);

// One line saying where the name came from, for check and -v.
std::string describe(const HeloName& helo);

} // namespace peermail::transport
