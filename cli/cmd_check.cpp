// SPDX-License-Identifier: GPL-3.0-or-later
// PLACEHOLDER: replaced by the real implementation of `peermail check`.
#include "app.hpp"
#include "output.hpp"

namespace peermail::cli {

void
register_check(CLI::App& sub, const GlobalOptions& /*g*/, int* exit_code)
{
  sub.callback([exit_code] {
    *exit_code = print_error(Error(Errc::internal, "'check' is not implemented yet"));
  });
}

} // namespace peermail::cli
