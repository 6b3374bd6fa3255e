// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The SMTP URL of Mutt's `smtp_url` (and NeoMutt's):
// smtp[s]://[user[:password]@]host[:port][/]. Pure.

#include <string>
#include <string_view>

namespace peermail::foreign {

struct SmtpUrl
{
  std::string scheme;        // lower case; "" when there is no "://"
  std::string user;          // "" when none
  bool has_password = false; // "user:password@"
  std::string host;          // without [] around an IPv6 address
  std::string port;          // "" = the scheme's default
  std::string shown;         // the URL with the password replaced by "…"
};

// Split `url`. The user information ends at the last "@" (a password may
// hold "/" or "@"), so no part of a password reaches `shown`.
SmtpUrl parse_smtp_url(std::string_view url);

} // namespace peermail::foreign
