// SPDX-License-Identifier: GPL-3.0-or-later
#include "fs.hpp"

#include "fd_io.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <fcntl.h>
#include <stdio.h> // renameat2, RENAME_NOREPLACE (glibc 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace peermail::util {

namespace {

Result<std::string>
read_fd(int fd, const std::string& what, std::uint64_t max_bytes)
{
  std::string out;
  std::vector<char> buf(1 << 16);
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Errc::io, fmt::format("{}: read failed: {}", what, std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(Errc::data,
                  fmt::format("{}: larger than the limit of {} bytes", what, max_bytes));
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

// The directory a file really lives in (symbolic links resolved) decides who
// can replace the file: refuse one that group or others can write without
// the sticky bit, or that belongs to someone other than the user or root.
// Returns what is wrong and the fix.
std::optional<std::pair<std::string, std::string>>
directory_problem(const std::string& path)
{
  std::string dir = ".";
  const auto slash = path.rfind('/');
  if (slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  if (char* real = ::realpath(dir.c_str(), nullptr); real != nullptr) {
    dir = real;
    std::free(real);
  }
  if (char* real = ::realpath(path.c_str(), nullptr); real != nullptr) {
    const std::string r(real);
    std::free(real);
    const auto s = r.rfind('/');
    dir = s == 0 ? "/" : r.substr(0, s);
  }
  struct stat ds
  {
  };
  if (::stat(dir.c_str(), &ds) != 0) {
    if (errno == ENOENT) {
      return std::nullopt; // not there yet: peermail creates it (0700)
    }
    return std::make_pair(
      fmt::format("cannot check its directory {}: {}", dir, std::strerror(errno)),
      fmt::format("make {} searchable by you", dir));
  }
  if ((ds.st_mode & 0022) != 0 && (ds.st_mode & S_ISVTX) == 0) {
    return std::make_pair(
      fmt::format("its directory {} (mode {:04o}) lets others replace it", dir, ds.st_mode & 07777),
      fmt::format("chmod go-w {}", dir));
  }
  if (ds.st_uid != ::geteuid() && ds.st_uid != 0) {
    return std::make_pair(
      fmt::format("its directory {} belongs to uid {}, who can replace it", dir, ds.st_uid),
      fmt::format("move {} into a directory of your own", path));
  }
  return std::nullopt;
}

} // namespace

Result<std::string>
read_file(const std::string& path, std::uint64_t max_bytes)
{
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return fail(Errc::no_input, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  struct stat st
  {
  };
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return fail(Errc::no_input, fmt::format("{}: is a directory", path));
  }
  return read_fd(fd.get(), path, max_bytes);
}

Result<std::string>
read_stdin(std::uint64_t max_bytes)
{
  return read_fd(STDIN_FILENO, "standard input", max_bytes);
}

Error
output_exists(const std::string& path)
{
  return Error(Errc::cant_create,
               fmt::format("{} exists; not replacing it", path),
               "",
               "pass --force to replace it, or choose another name");
}

namespace {

// Move the finished temporary file `tmp` to `path`, which must be free: the
// kernel refuses atomically (RENAME_NOREPLACE; a hard link where the file
// system has no such rename) when a file appeared there meanwhile.
Result<void>
publish_new(const char* tmp, const std::string& path)
{
  if (::renameat2(AT_FDCWD, tmp, AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    return {};
  }
  int e = errno;
  if (e == EINVAL || e == ENOSYS) {
    e = ::link(tmp, path.c_str()) == 0 ? 0 : errno;
    ::unlink(tmp);
    if (e == 0) {
      return {};
    }
  } else {
    ::unlink(tmp);
  }
  if (e == EEXIST) {
    return unexpected(output_exists(path));
  }
  return fail(Errc::io, fmt::format("{}: rename failed: {}", path, std::strerror(e)));
}

} // namespace

Result<void>
write_file_atomic(const std::string& path, std::string_view data, mode_t mode, Overwrite overwrite)
{
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  Fd fd(::mkstemp(name.data()));
  if (!fd) {
    return fail(Errc::io, fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  }
  // On any failure: close, remove the temporary file, name the step.
  auto abandon = [&](const std::string& what) {
    const int e = errno;
    fd.close();
    ::unlink(name.data());
    return fail(Errc::io, fmt::format("{}: {}: {}", path, what, std::strerror(e)));
  };
  if (::fchmod(fd.get(), mode) != 0) {
    return abandon("chmod failed");
  }
  if (auto w = write_fd(fd.get(), data); !w) {
    fd.close();
    ::unlink(name.data());
    return fail(Errc::io, fmt::format("{}: {}", path, w.error().message));
  }
  if (::fsync(fd.get()) != 0) {
    return abandon("fsync failed");
  }
  if (fd.close() != 0) {
    return abandon("close failed");
  }
  if (overwrite == Overwrite::refuse) {
    return publish_new(name.data(), path);
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    return abandon("rename failed");
  }
  return {};
}

namespace {

// Write all of `data` to the already existing device or FIFO `path`.
Result<void>
write_in_place(const std::string& path, std::string_view data)
{
  Fd fd;
  do {
    fd = Fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC));
  } while (!fd && errno == EINTR);
  if (!fd) {
    return fail(Errc::io, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  if (auto w = write_fd(fd.get(), data); !w) {
    return fail(Errc::io, fmt::format("{}: {}", path, w.error().message));
  }
  if (fd.close() != 0) {
    return fail(Errc::io, fmt::format("{}: close failed: {}", path, std::strerror(errno)));
  }
  return {};
}

} // namespace

namespace {

// Where `-o FILE` writes, by the rules of write_output_file().
struct OutputTarget
{
  enum class Kind { new_file, replace, in_place } kind = Kind::new_file;
  std::string path; // the file itself (a symbolic link resolved)
};

Result<OutputTarget>
resolve_output(const std::string& path, Overwrite overwrite, int depth = 0)
{
  struct stat st
  {
  };
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return OutputTarget{OutputTarget::Kind::new_file, path};
    }
    return fail(Errc::io, fmt::format("{}: {}", path, std::strerror(errno)));
  }
  if (S_ISLNK(st.st_mode)) {
    // Write through the link, never replace it with a regular file.
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (resolved == nullptr) {
      return fail(Errc::io,
                  fmt::format("{}: a symbolic link whose target cannot be resolved: {}",
                              path,
                              std::strerror(errno)));
    }
    const std::string target(resolved);
    std::free(resolved);
    if (depth > 0) {
      return fail(Errc::io, fmt::format("{}: cannot resolve the link", path));
    }
    return resolve_output(target, overwrite, depth + 1);
  }
  if (S_ISREG(st.st_mode)) {
    if (overwrite == Overwrite::refuse) {
      return unexpected(output_exists(path));
    }
    return OutputTarget{OutputTarget::Kind::replace, path};
  }
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    return OutputTarget{OutputTarget::Kind::in_place, path};
  }
  return fail(
    Errc::io,
    fmt::format("{}: not a regular file, character device or FIFO; not writing to it", path));
}

} // namespace

Result<void>
check_output_file(const std::string& path, Overwrite overwrite)
{
  PEERMAIL_TRY(resolve_output(path, overwrite));
  return {};
}

Result<void>
write_output_file(const std::string& path, std::string_view data, mode_t mode, Overwrite overwrite)
{
  PEERMAIL_TRY_ASSIGN(auto target, resolve_output(path, overwrite));
  switch (target.kind) {
  case OutputTarget::Kind::new_file:
    // A file that appears meanwhile is not replaced without --force.
    return write_file_atomic(target.path, data, mode, overwrite);
  case OutputTarget::Kind::replace:
    return write_file_atomic(target.path, data, mode, Overwrite::replace);
  case OutputTarget::Kind::in_place:
    return write_in_place(target.path, data);
  }
  return fail(Errc::internal, "unreachable");
}

std::string
expand_home(const std::string& path, const std::string& home)
{
  if (path == "~") {
    return home;
  }
  if (path.rfind("~/", 0) == 0) {
    return home + path.substr(1);
  }
  return path;
}

Result<void>
check_owner_only(int fd, const std::string& path, const OwnedFile& f)
{
  struct stat st
  {
  };
  if (::fstat(fd, &st) != 0) {
    return fail(Errc::io,
                fmt::format("{} {}: cannot stat: {}", f.what, path, std::strerror(errno)));
  }
  const auto refuse = [&](const std::string& why, const std::string& fix) {
    return fail(Errc::permissions, fmt::format("{} {}: {}", f.what, path, why), f.check_id, fix);
  };
  if (!S_ISREG(st.st_mode)) {
    return refuse("is not a regular file", fmt::format("point {} at a regular file", f.setting));
  }
  if (st.st_uid != ::geteuid()) {
    return refuse(
      fmt::format("belongs to another user (uid {}, not {})", st.st_uid, ::geteuid()),
      fmt::format(
        "use a {} of your own: move {} aside, or point {} elsewhere", f.what, path, f.setting));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return refuse(fmt::format("is writable by others (mode {:04o})", st.st_mode & 07777),
                  fmt::format("chmod 600 {}", path));
  }
  return check_directory_of(path, f);
}

Result<void>
check_directory_of(const std::string& path, const OwnedFile& f)
{
  if (auto p = directory_problem(path)) {
    return fail(
      Errc::permissions, fmt::format("{} {}: {}", f.what, path, p->first), f.check_id, p->second);
  }
  return {};
}

Result<mode_t>
file_mode(const std::string& path)
{
  struct stat st
  {
  };
  if (::stat(path.c_str(), &st) != 0) {
    return fail(errno == ENOENT ? Errc::no_input : Errc::io,
                fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  }
  return static_cast<mode_t>(st.st_mode & 07777);
}

Result<OpenedFile>
read_file_with_stat(const std::string& path, std::uint64_t max_bytes)
{
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    return fail(Errc::no_input, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  OpenedFile f;
  if (::fstat(fd.get(), &f.st) != 0) {
    return fail(Errc::io, fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(f.st.st_mode)) {
    return fail(Errc::no_input,
                fmt::format("{}: not a regular file (a directory, device or FIFO)", path));
  }
  auto r = read_fd(fd.get(), path, max_bytes);
  if (!r) {
    return unexpected(r.error());
  }
  f.text = std::move(*r);
  return f;
}

Result<void>
judge_private_file(const std::string& path,
                   const struct stat& st,
                   Secrecy secrecy,
                   const std::string& check_id)
{
  const mode_t mode = st.st_mode & 07777;
  if (st.st_uid != ::geteuid()) {
    return fail(Errc::permissions,
                fmt::format("{}: owned by uid {}, not by the user running peermail (uid {})",
                            path,
                            st.st_uid,
                            ::geteuid()),
                check_id,
                fmt::format("chown $(id -u) {}", path));
  }
  if ((mode & 0022) != 0) {
    return fail(Errc::permissions,
                fmt::format("{}: mode {:04o} lets others write it", path, mode),
                check_id,
                fmt::format("chmod 600 {}", path));
  }
  if (secrecy == Secrecy::secret && (mode & 0044) != 0) {
    return fail(Errc::permissions,
                fmt::format("{}: mode {:04o} lets others read a file that holds secret "
                            "references",
                            path,
                            mode),
                check_id,
                fmt::format("chmod 600 {}", path));
  }
  if (auto p = directory_problem(path)) {
    return fail(Errc::permissions, fmt::format("{}: {}", path, p->first), check_id, p->second);
  }
  return {};
}

std::string
sha256_raw(std::string_view data)
{
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string
sha256_hex(std::string_view data)
{
  const std::string raw = sha256_raw(data);
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    fmt::format_to(std::back_inserter(out), "{:02x}", c);
  }
  return out;
}

std::string
base64_encode(std::string_view data)
{
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

} // namespace peermail::util
