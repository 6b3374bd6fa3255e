// SPDX-License-Identifier: GPL-3.0-or-later
#include "smtp_url.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::foreign {

SmtpUrl
parse_smtp_url(std::string_view url)
{
  SmtpUrl u;
  const auto sep = url.find("://");
  std::string_view prefix;
  auto rest = url;
  if (sep != std::string_view::npos) {
    u.scheme = util::to_lower(url.substr(0, sep));
    prefix = url.substr(0, sep + 3);
    rest = url.substr(sep + 3);
  }
  std::string userinfo_shown;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    u.user = std::string(userinfo.substr(0, colon));
    u.has_password = colon != std::string_view::npos;
    userinfo_shown = fmt::format("{}{}@", u.user, u.has_password ? ":…" : "");
    rest = rest.substr(at + 1);
  }
  const auto slash = rest.find('/');
  const auto hostport = rest.substr(0, slash);
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    u.host = std::string(hostport.substr(1, close == std::string_view::npos ? close : close - 1));
    if (close != std::string_view::npos && close + 1 < hostport.size()
        && hostport[close + 1] == ':') {
      u.port = std::string(hostport.substr(close + 2));
    }
  } else {
    const auto colon = hostport.rfind(':');
    u.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      u.port = std::string(hostport.substr(colon + 1));
    }
  }
  u.shown = fmt::format("{}{}{}", prefix, userinfo_shown, rest);
  return u;
}

} // namespace peermail::foreign
