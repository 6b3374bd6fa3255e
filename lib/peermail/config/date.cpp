// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.hpp"

#include <fmt/core.h>

#include <chrono>

namespace peermail::config {

long
Date::days_since_epoch() const
{
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  return static_cast<long>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

std::string
Date::to_string() const
{
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

} // namespace peermail::config
