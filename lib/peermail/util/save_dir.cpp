// SPDX-License-Identifier: GPL-3.0-or-later
#include "save_dir.hpp"

#include "fd_io.hpp"
#include "strings.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace peermail::util {

namespace {

constexpr std::size_t k_max_name_bytes = 160;
constexpr int k_max_suffix = 999;

// Return `s` cut to at most `max` bytes on a UTF-8 boundary.
std::string_view
cut_utf8(std::string_view s, std::size_t max)
{
  if (s.size() <= max) {
    return s;
  }
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

// Split `name` into stem and extension (".pdf"; "" when none or long).
std::pair<std::string_view, std::string_view>
split_extension(std::string_view name)
{
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name.size() - dot > 16) {
    return {name, {}};
  }
  return {name.substr(0, dot), name.substr(dot)};
}

} // namespace

std::string
safe_file_name(std::string_view name, std::string_view fallback)
{
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  // terminal_safe marks every unsafe character (and byte) with '?'; no '?'
  // is kept in a file name (a shell pattern character).
  std::string out = terminal_safe(name);
  for (auto& c : out) {
    c = c == '?' ? '_' : c;
  }
  out = std::string(trim(out));
  if (!out.empty() && out.front() == '.') {
    out.front() = '_';
  }
  if (out.size() > k_max_name_bytes) {
    const auto [stem, ext] = split_extension(out);
    out = fmt::format("{}{}", cut_utf8(stem, k_max_name_bytes - ext.size()), ext);
  }
  return out.empty() ? std::string(fallback) : out;
}

Result<SaveDir>
SaveDir::open(const std::string& path)
{
  struct stat st
  {
  };
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return fail(Errc::io, fmt::format("{}: {}", path, std::strerror(errno)));
    }
    if (::mkdir(path.c_str(), 0700) != 0) {
      return fail(Errc::io,
                  fmt::format("{}: cannot create the directory: {}", path, std::strerror(errno)),
                  "",
                  "create the directory first, or choose one that exists");
    }
  } else if (S_ISLNK(st.st_mode)) {
    return fail(Errc::io,
                fmt::format("{}: a symbolic link; attachments are saved only into a real "
                            "directory",
                            path),
                "",
                "give the directory the link points to, or another one");
  } else if (!S_ISDIR(st.st_mode)) {
    return fail(Errc::io,
                fmt::format("{}: not a directory", path),
                "",
                "give a directory (it is created with mode 0700 when it does not exist)");
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return fail(Errc::io, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  SaveDir d;
  d.m_path = path;
  d.m_fd = Fd(fd);
  return d;
}

Result<std::string>
SaveDir::save(std::string_view name, std::string_view data, std::string_view fallback)
{
  const std::string base = safe_file_name(name, fallback);
  const auto [stem, ext] = split_extension(base);
  for (int n = 0; n <= k_max_suffix; ++n) {
    const std::string candidate = n == 0 ? base : fmt::format("{} ({}){}", stem, n, ext);
    const int fd = ::openat(
      m_fd.get(), candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) {
        continue;
      }
      return fail(Errc::io,
                  fmt::format("{}/{}: cannot create: {}", m_path, candidate, std::strerror(errno)));
    }
    Fd file(fd);
    auto w = write_fd(file.get(), data);
    if (w && ::fsync(file.get()) != 0) {
      w = fail(Errc::io, std::strerror(errno));
    }
    if (!w) {
      ::unlinkat(m_fd.get(), candidate.c_str(), 0);
      return fail(Errc::io, fmt::format("{}/{}: {}", m_path, candidate, w.error().message));
    }
    return candidate;
  }
  return fail(Errc::io,
              fmt::format("{}: {} and {} more names like it are taken", m_path, base, k_max_suffix),
              "",
              "save into an empty directory");
}

} // namespace peermail::util
