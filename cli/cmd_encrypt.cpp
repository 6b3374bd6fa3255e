// SPDX-License-Identifier: GPL-3.0-or-later
// PLACEHOLDER: replaced by the real implementation of `peermail encrypt`.
#include "app.hpp"
#include "output.hpp"

namespace peermail::cli {

void
register_encrypt(CLI::App& sub, const GlobalOptions& /*g*/, int* exit_code)
{
  sub.callback([exit_code] {
    *exit_code = print_error(Error(Errc::internal, "'encrypt' is not implemented yet"));
  });
}

} // namespace peermail::cli
