// SPDX-License-Identifier: GPL-3.0-or-later
#include "filter_args.hpp"

#include <utility>

namespace peermail::audit {

Result<Filter>
make_filter(const FilterArgs& args)
{
  Filter f;
  if (!args.since.empty()) {
    PEERMAIL_TRY_ASSIGN(f.since_ms, parse_time(args.since));
  }
  if (!args.until.empty()) {
    PEERMAIL_TRY_ASSIGN(f.until_ms, parse_time(args.until));
  }
  f.outcome = args.outcome;
  f.action = args.action;
  f.recipient = args.recipient;
  f.user = args.user;
  PEERMAIL_TRY(f.validate());
  return f;
}

nlohmann::json
describe_filter(const FilterArgs& args)
{
  nlohmann::json d = nlohmann::json::object();
  for (const auto& [key, value] : {
         std::pair<const char*, const std::string*>{"since",     &args.since    },
         {"until",     &args.until    },
         {"outcome",   &args.outcome  },
         {"action",    &args.action   },
         {"recipient", &args.recipient}
  }) {
    if (!value->empty()) {
      d[key] = *value;
    }
  }
  return d;
}

} // namespace peermail::audit
