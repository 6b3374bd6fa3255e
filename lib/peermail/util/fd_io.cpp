// SPDX-License-Identifier: GPL-3.0-or-later
#include "fd_io.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace peermail::util {

Result<std::string>
read_fd(int fd, std::uint64_t max_bytes)
{
  std::string out;
  char buf[65536];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Errc::io, fmt::format("read failed: {}", std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(Errc::data, fmt::format("input larger than {} MiB", max_bytes >> 20));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<void>
write_fd(int fd, std::string_view data)
{
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Errc::io, fmt::format("write failed: {}", std::strerror(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

TempFile::TempFile(int fd)
  : m_fd(fd)
{
}

Result<TempFile>
TempFile::create(const std::string& dir)
{
  const std::string d = dir.empty() ? "/tmp" : dir;
  int fd = ::open(d.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string tmpl = d + "/peermail.XXXXXX";
    fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
      return fail(Errc::io,
                  fmt::format("cannot create a temporary file in {}: {}", d, std::strerror(errno)));
    }
    ::unlink(tmpl.c_str());
  }
  return TempFile(fd);
}

int
TempFile::fd() const
{
  return m_fd.get();
}

Result<void>
TempFile::rewind() const
{
  if (::lseek(m_fd.get(), 0, SEEK_SET) != 0) {
    return fail(Errc::io, fmt::format("cannot rewind a temporary file: {}", std::strerror(errno)));
  }
  return {};
}

Result<std::uint64_t>
TempFile::size() const
{
  struct stat st
  {
  };
  if (::fstat(m_fd.get(), &st) != 0) {
    return fail(Errc::io, fmt::format("cannot stat a temporary file: {}", std::strerror(errno)));
  }
  return static_cast<std::uint64_t>(st.st_size);
}

} // namespace peermail::util
