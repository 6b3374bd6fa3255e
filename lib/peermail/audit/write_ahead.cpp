// SPDX-License-Identifier: GPL-3.0-or-later
#include "write_ahead.hpp"

#include <fmt/core.h>

namespace peermail::audit {

Error
pending_not_written(const Error& append_error, bool first)
{
  Error e(Errc::io,
          fmt::format("{}: the audit record of the attempt could not be written: {}",
                      first ? "nothing was submitted" : "this copy was not submitted",
                      append_error.message),
          append_error.check_id.empty() ? "AUD-04" : append_error.check_id,
          append_error.fix);
  return e;
}

Error
outcome_not_written(const Error& append_error, std::uint64_t pending_seq)
{
  std::string fix = "do not send the message again: the server accepted it";
  if (!append_error.fix.empty()) {
    fix += "; " + append_error.fix;
  }
  fix +=
    fmt::format("; `peermail audit verify` lists pending record {} as unresolved", pending_seq);
  return Error(Errc::io,
               fmt::format("submitted to the server but the audit outcome could not be written: "
                           "{}; pending record {} proves the attempt",
                           append_error.message,
                           pending_seq),
               "AUD-01",
               std::move(fix));
}

} // namespace peermail::audit
