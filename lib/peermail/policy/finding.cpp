// SPDX-License-Identifier: GPL-3.0-or-later
#include "finding.hpp"

namespace peermail::policy {

std::string_view
to_string(Status s)
{
  switch (s) {
  case Status::pass:
    return "pass";
  case Status::warn:
    return "warn";
  case Status::fail:
    return "fail";
  case Status::skip:
    return "skip";
  }
  return "skip";
}

std::string_view
to_string(Level l)
{
  switch (l) {
  case Level::required:
    return "required";
  case Level::addressable:
    return "addressable";
  case Level::recommended:
    return "recommended";
  case Level::conditional:
    return "conditional";
  }
  return "required";
}

} // namespace peermail::policy
