// SPDX-License-Identifier: GPL-3.0-or-later
#include "fd.hpp"

#include <unistd.h>

namespace peermail::util {

Fd&
Fd::operator=(Fd&& o) noexcept
{
  if (this != &o) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = std::exchange(o.m_fd, -1);
  }
  return *this;
}

int
Fd::close() noexcept
{
  if (m_fd < 0) {
    return 0;
  }
  return ::close(std::exchange(m_fd, -1));
}

Fd::~Fd()
{
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

} // namespace peermail::util
