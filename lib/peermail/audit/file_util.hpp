// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Small file helpers for the audit log (internal to peermail::audit).

#include <peermail/util/result.hpp>

#include <sys/types.h>

#include <string>

namespace peermail::audit::detail {

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
    : m_fd(o.m_fd)
  {
    o.m_fd = -1;
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

private:
  int m_fd = -1;
};

// The last line of a file.
struct LastLine
{
  std::string text;      // without the trailing "\n"
  bool complete = false; // false: the file does not end with "\n"
};

// Read the last line of the `size`-byte file `fd` by reading backwards from
// the end in blocks (never the whole file). Errors: io (read failure, or a
// line longer than k_max_line_bytes).
Result<LastLine> read_last_line(int fd, off_t size);

} // namespace peermail::audit::detail
