// SPDX-License-Identifier: GPL-3.0-or-later
#include "error.hpp"

namespace peermail {

std::string_view
to_string(Errc code)
{
  switch (code) {
  case Errc::usage:
    return "usage";
  case Errc::data:
    return "data";
  case Errc::no_input:
    return "no_input";
  case Errc::no_key:
    return "no_key";
  case Errc::unavailable:
    return "unavailable";
  case Errc::internal:
    return "internal";
  case Errc::io:
    return "io";
  case Errc::temp:
    return "temp";
  case Errc::protocol:
    return "protocol";
  case Errc::auth:
    return "auth";
  case Errc::permissions:
    return "permissions";
  case Errc::config:
    return "config";
  case Errc::insecure_config:
    return "insecure_config";
  case Errc::crypto:
    return "crypto";
  case Errc::canceled:
    return "canceled";
  case Errc::verdict:
    return "verdict";
  case Errc::maybe_delivered:
    return "maybe_delivered";
  case Errc::cant_create:
    return "cant_create";
  }
  return "internal";
}

} // namespace peermail
