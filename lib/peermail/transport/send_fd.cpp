// SPDX-License-Identifier: GPL-3.0-or-later
// Default (non-streaming) Transport::send_fd: read the message, then send().
#include "transport.hpp"

#include <peermail/util/fd_io.hpp>

namespace peermail::transport {

Result<SendResult>
Transport::send_fd(const Envelope& envelope, int fd)
{
  PEERMAIL_TRY_ASSIGN(auto message, util::read_fd(fd));
  return send(envelope, message);
}

} // namespace peermail::transport
