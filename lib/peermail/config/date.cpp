// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.hpp"

#include <fmt/core.h>

namespace peermail::config {

long
Date::days_since_epoch() const
{
  // Howard Hinnant's days_from_civil.
  const int y = year - (month <= 2 ? 1 : 0);
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(month + (month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string
Date::to_string() const
{
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

} // namespace peermail::config
