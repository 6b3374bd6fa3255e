// SPDX-License-Identifier: GPL-3.0-or-later
// Default (non-streaming) Protector::protect_fd: read, protect, write.
#include "protect.hpp"

#include <peermail/util/fd_io.hpp>

namespace peermail::protect {

Result<ProtectResult>
Protector::protect_fd(int in_fd, int out_fd, const ProtectOptions& opts)
{
  PEERMAIL_TRY_ASSIGN(auto input, util::read_fd(in_fd));
  PEERMAIL_TRY_ASSIGN(auto r, protect(input, opts));
  PEERMAIL_TRY(util::write_fd(out_fd, r.message));
  r.message.clear();
  r.message.shrink_to_fit();
  return r;
}

} // namespace peermail::protect
