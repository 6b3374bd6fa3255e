// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one owner of a POSIX file descriptor.

#include <utility>

namespace peermail::util {

// An owned file descriptor, closed on destruction (which also drops a flock).
class Fd
{
public:
  Fd() = default;
  explicit Fd(int fd)
    : m_fd(fd)
  {
  }
  Fd(Fd&& o) noexcept
    : m_fd(std::exchange(o.m_fd, -1))
  {
  }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  // Return the descriptor (-1 if none); ownership stays here.
  int
  get() const
  {
    return m_fd;
  }
  explicit operator bool() const
  {
    return m_fd >= 0;
  }

  // Close the descriptor now (if any) and return what close(2) returned:
  // 0, or -1 with errno set. Where a close error matters (a file just
  // written), call this and check it; the destructor cannot report one.
  int close() noexcept;

private:
  int m_fd = -1;
};

} // namespace peermail::util
