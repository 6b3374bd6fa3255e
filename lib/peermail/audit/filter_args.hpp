// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/audit/audit_log.hpp>
#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <string>

// The record filter as a user gives it on the command line (`audit show`,
// `audit export`, `audit report`; docs/DESIGN.md §7): text, parsed once here.
namespace peermail::audit {

// The filter options, each "" when not given.
struct FilterArgs
{
  std::string since;     // RFC 3339 or DATE (parse_time)
  std::string until;     // RFC 3339 or DATE (parse_time)
  std::string outcome;   // exact
  std::string action;    // exact
  std::string recipient; // case-insensitive address
  std::string user;      // exact (identity.user_id)
};

// Parse `args` into a Filter: the times with parse_time(), then
// Filter::validate(). Errors: usage, naming the value.
Result<Filter> make_filter(const FilterArgs& args);

// Return the filter as the user gave it, for the export manifest: an object
// with each of since, until, outcome, action and recipient that is set
// (export format 1 does not record `user`).
nlohmann::json describe_filter(const FilterArgs& args);

} // namespace peermail::audit
