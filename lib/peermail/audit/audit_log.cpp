// SPDX-License-Identifier: GPL-3.0-or-later
// Appending to the hash-chained audit log (see audit_log.hpp for the format).
#include "audit_log.hpp"

#include <peermail/audit/file_util.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <exception>
#include <optional>

namespace peermail::audit {

namespace {

constexpr const char* k_check_id = "AUD-04";

// check_writable() wants this much free space (a record is < 4 KiB).
constexpr std::uint64_t k_min_free_bytes = 16U << 10;

Error
io_error(const std::string& path, const std::string& what, int err)
{
  std::string fix;
  if (err == ENOSPC || err == EDQUOT) {
    fix = "free space on that file system, or set [audit] path to another location";
  } else if (err == EROFS || err == EACCES || err == EPERM) {
    fix = fmt::format(
      "make {} writable by this user, or set [audit] path to a writable "
      "location",
      path);
  } else {
    fix = "check the file and its directory, or set [audit] path to a writable location";
  }
  return Error(Errc::io,
               fmt::format("audit log {}: {}: {}", path, what, std::strerror(err)),
               k_check_id,
               std::move(fix));
}

// Create the missing directories of `path`'s parent with mode 0700.
Result<void>
make_parent_dirs(const std::string& path)
{
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) {
    return {};
  }
  const std::string dir = path.substr(0, slash);
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') {
      continue;
    }
    const std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return unexpected(io_error(path, fmt::format("cannot create directory {}", part), errno));
    }
  }
  return {};
}

// Make sure a newly created file's directory entry is durable.
void
fsync_parent(const std::string& path)
{
  const auto slash = path.rfind('/');
  const std::string dir =
    slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const detail::Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) {
    ::fsync(dfd.get());
  }
}

const util::OwnedFile k_log_file{"audit log", "AUD-01", "[audit] path"};

Error
symlink_refusal(const std::string& path)
{
  return Error{Errc::permissions,
               fmt::format("audit log {}: is a symbolic link", path),
               "AUD-01",
               "point [audit] path at the log file itself"};
}

} // namespace

Result<void>
check_log_file(const std::string& path)
{
  if (path.empty()) {
    return fail(
      Errc::io, "audit log: no path configured", k_check_id, "set [audit] path in the config");
  }
  detail::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd) {
    return util::check_owner_only(fd.get(), path, k_log_file);
  }
  if (errno == ELOOP) {
    return unexpected(symlink_refusal(path));
  }
  if (errno != ENOENT) {
    return unexpected(io_error(path, "cannot open", errno));
  }
  // Not there yet: the first send creates it (0600) where it is judged again.
  return util::check_directory_of(path, k_log_file);
}

namespace {

// Open (creating) the log for appending and take the exclusive lock.
// A log that someone else can write, or that sits in a directory others
// can write, can be rewritten behind peermail's back: refuse it (77).
Result<detail::Fd>
open_locked(const std::string& path)
{
  if (path.empty()) {
    return fail(
      Errc::io, "audit log: no path configured", k_check_id, "set [audit] path in the config");
  }
  PEERMAIL_TRY(make_parent_dirs(path));
  // Never through a symlink (O_NOFOLLOW), and judged on what was opened.
  detail::Fd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) {
    if (errno == ELOOP) {
      return unexpected(symlink_refusal(path));
    }
    return unexpected(io_error(path, "cannot open for appending", errno));
  }
  PEERMAIL_TRY(util::check_owner_only(fd.get(), path, k_log_file));
  int rc = 0;
  do {
    rc = ::flock(fd.get(), LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return unexpected(io_error(path, "cannot lock", errno));
  }
  return fd;
}

// The seq and hash of the last record of a locked log, and its size.
struct Tail
{
  std::uint64_t seq = 0;
  std::string hash = std::string(k_genesis_prev);
  off_t size = 0;
};

std::string
damaged_fix(const std::string& path)
{
  return fmt::format(
    "run `peermail audit verify --file {}`; if only the last line is damaged, keep a copy of "
    "the file and remove that line (sed -i '$d' {}) to resume logging",
    path,
    path);
}

// The chain fields of the complete last line `text`, or nullopt.
std::optional<Tail>
parse_tail(const std::string& text)
{
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() || !j.contains("hash")
      || !j["hash"].is_string() || j["hash"].get<std::string>().size() != 64) {
    return std::nullopt;
  }
  Tail t;
  t.seq = j["seq"].get<std::uint64_t>();
  t.hash = j["hash"].get<std::string>();
  return t;
}

Result<detail::LastLine>
last_line(const std::string& path, int fd, off_t size)
{
  auto line = detail::read_last_line(fd, size);
  if (!line) {
    Error e = line.error();
    e.message = fmt::format("audit log {}: {}", path, e.message);
    return unexpected(std::move(e));
  }
  return line;
}

Result<nlohmann::json> write_record(const std::string& path, int fd, Tail& tail, nlohmann::json j);

// The last line of the locked log (`fd`, `size` bytes) has no "\n": a write
// cut short by a crash (kill -9 can stop a write() between two pages). Keep
// its bytes (base64), length and offset in a "recovered"/"torn-tail" record
// chained to the last complete record, which replaces the fragment. Refuse
// when the line before it is not a valid record (the log is damaged, not
// torn). A write error puts the fragment back (best effort); a crash
// between the truncation and the write loses only that fragment, never a
// complete record.
Result<Tail>
recover_torn_tail(const std::string& path, int fd, off_t size, const std::string& fragment)
{
  const off_t start = size - static_cast<off_t>(fragment.size());
  Tail t;
  if (start > 0) {
    PEERMAIL_TRY_ASSIGN(auto before, last_line(path, fd, start));
    auto parsed = before.complete ? parse_tail(before.text) : std::nullopt;
    if (!parsed) {
      return fail(Errc::io,
                  fmt::format("audit log {}: the line before the incomplete last line is not a "
                              "valid audit record; refusing to chain onto it",
                              path),
                  k_check_id,
                  damaged_fix(path));
    }
    t = *parsed;
  }
  Record r;
  r.action = "recovered";
  r.outcome = "torn-tail";
  r.protocol.clear();
  nlohmann::json j = to_json(r);
  j["torn_tail"] = {
    {"bytes",  fragment.size()              },
    {"offset", start                        },
    {"base64", util::base64_encode(fragment)}
  };
  if (::ftruncate(fd, start) != 0) {
    return unexpected(io_error(path, "cannot remove the incomplete last line", errno));
  }
  t.size = start;
  if (auto w = write_record(path, fd, t, std::move(j)); !w) {
    if (::ftruncate(fd, start) == 0
        && ::write(fd, fragment.data(), fragment.size()) != static_cast<ssize_t>(fragment.size())) {
      // Nothing more we can do: verify reports what is left.
    }
    return unexpected(w.error());
  }
  return t;
}

Result<Tail>
read_tail(const std::string& path, int fd, off_t size)
{
  Tail t;
  t.size = size;
  if (size == 0) {
    return t;
  }
  PEERMAIL_TRY_ASSIGN(auto line, last_line(path, fd, size));
  if (!line.complete) {
    return recover_torn_tail(path, fd, size, line.text);
  }
  auto parsed = parse_tail(line.text);
  if (!parsed) {
    return fail(Errc::io,
                fmt::format("audit log {}: the last line is not a valid audit record; refusing "
                            "to chain onto it",
                            path),
                k_check_id,
                damaged_fix(path));
  }
  parsed->size = size;
  return *parsed;
}

std::string
os_user()
{
  struct passwd pw
  {
  };
  struct passwd* out = nullptr;
  std::array<char, 4096> buf{};
  if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &out) == 0 && out != nullptr
      && out->pw_name != nullptr) {
    return out->pw_name;
  }
  return fmt::format("uid:{}", ::geteuid());
}

std::int64_t
now_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

nlohmann::json
opt(const std::optional<std::string>& v)
{
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// Chain `j` onto `tail` (seq, ts, prev, tool_version, hash; the OS user if
// none), write it as one line and fsync; on success `tail` becomes the new
// record. A short or failed write is rolled back to `tail.size`.
Result<nlohmann::json>
write_record(const std::string& path, int fd, Tail& tail, nlohmann::json j)
{
  if (j["user"].get<std::string>().empty()) {
    j["user"] = os_user();
  }
  j["seq"] = tail.seq + 1;
  j["ts"] = format_time(now_ms());
  j["prev"] = tail.hash;
  j["tool_version"] = PEERMAIL_VERSION;
  j["hash"] = record_hash(j);
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  // One write() of the whole line; should the kernel write less (disk full),
  // finish or roll back while we still hold the lock.
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      if (::ftruncate(fd, tail.size) != 0) {
        // Nothing more we can do: verify will report the damaged last line.
      }
      return unexpected(io_error(path, "cannot write", err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    if (::ftruncate(fd, tail.size) != 0) {
      // As above.
    }
    return unexpected(io_error(path, "cannot sync to disk", err));
  }
  if (tail.size == 0) {
    fsync_parent(path);
  }
  tail.seq += 1;
  tail.hash = j["hash"].get<std::string>();
  tail.size += static_cast<off_t>(line.size());
  return j;
}

// Append `r` to the locked log; with `expect`, only if the head is still
// that record (a seal signs the head it is appended after).
Result<nlohmann::json>
append_locked(const std::string& path, const Record& r, const Tail* expect)
{
  PEERMAIL_TRY_ASSIGN(detail::Fd fd, open_locked(path));
  struct stat st
  {
  };
  if (::fstat(fd.get(), &st) != 0) {
    return unexpected(io_error(path, "cannot stat", errno));
  }
  PEERMAIL_TRY_ASSIGN(Tail tail, read_tail(path, fd.get(), st.st_size));
  if (expect != nullptr && (expect->seq != tail.seq || expect->hash != tail.hash)) {
    return fail(Errc::temp,
                fmt::format("audit log {}: record {} was appended meanwhile", path, tail.seq),
                "AUD-03",
                "try again");
  }
  return write_record(path, fd.get(), tail, to_json(r));
}

} // namespace

AuditLog::AuditLog(std::string path)
  : m_path(std::move(path))
{
}

Result<AuditLog>
AuditLog::open(const std::string& path)
{
  PEERMAIL_TRY(check_writable(path));
  return AuditLog(path);
}

Result<void>
AuditLog::check_writable(const std::string& path)
{
  try {
    PEERMAIL_TRY_ASSIGN(detail::Fd fd, open_locked(path));
    struct stat st
    {
    };
    if (::fstat(fd.get(), &st) != 0) {
      return unexpected(io_error(path, "cannot stat", errno));
    }
    if (::access(path.c_str(), W_OK) != 0) {
      return unexpected(io_error(path, "not writable", errno));
    }
    // A full file system would let the message go out and then fail the
    // record: refuse before sending unless a few records' worth is free.
    struct statvfs vfs
    {
    };
    if (::fstatvfs(fd.get(), &vfs) == 0
        && static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize < k_min_free_bytes) {
      return unexpected(io_error(path, "no space left for a record", ENOSPC));
    }
    PEERMAIL_TRY(read_tail(path, fd.get(), st.st_size));
    return {};
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("audit log {}: {}", path, e.what()), k_check_id);
  }
}

Result<nlohmann::json>
AuditLog::append(const Record& r)
{
  try {
    return append_locked(m_path, r, nullptr);
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("audit log {}: {}", m_path, e.what()), k_check_id);
  }
}

Result<nlohmann::json>
AuditLog::append_after(const Record& r, std::uint64_t seq, const std::string& hash)
{
  try {
    Tail expect;
    expect.seq = seq;
    expect.hash = hash;
    return append_locked(m_path, r, &expect);
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("audit log {}: {}", m_path, e.what()), k_check_id);
  }
}

const std::string&
AuditLog::path() const
{
  return m_path;
}

std::string
canonical(const nlohmann::json& record)
{
  if (!record.is_object() || !record.contains("hash")) {
    return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  nlohmann::json copy = record;
  copy.erase("hash");
  return copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string
record_hash(const nlohmann::json& record)
{
  return util::sha256_hex(canonical(record));
}

nlohmann::json
to_json(const Record& r)
{
  nlohmann::json j = nlohmann::json::object();
  j["user"] = r.user;
  j["action"] = r.action;
  j["outcome"] = r.outcome;
  // A caller's Message-ID can hold a name or a record number: only its
  // SHA-256 is kept ("sha256:<hex>"; hash the ID the same way to find it).
  j["message_id"] = r.message_id.empty() ? "" : "sha256:" + util::sha256_hex(r.message_id);
  j["recipients"] = r.recipients;
  j["signer_fpr"] = r.signer_fpr;
  j["recipient_fprs"] = r.recipient_fprs;
  j["protocol"] = r.protocol;
  j["hash_algo"] = r.hash_algo;
  j["tls"] = {
    {"version",          opt(r.tls_version)         },
    {"cipher",           opt(r.tls_cipher)          },
    {"peer_cert_sha256", opt(r.tls_peer_cert_sha256)}
  };
  j["smtp"] = {
    {"code", r.smtp_code ? nlohmann::json(*r.smtp_code) : nlohmann::json(nullptr)}
  };
  j["content_sha256"] = r.content_sha256;
  j["config_sha256"] = r.config_sha256;
  if (!r.check_id.empty()) {
    j["check_id"] = r.check_id;
  }
  if (!r.exit_code.empty()) {
    j["exit_code"] = r.exit_code;
  }
  if (!r.verdict.empty()) {
    j["verdict"] = r.verdict;
  }
  if (!r.counts.empty()) {
    j["counts"] = r.counts;
  }
  if (r.pending_seq) {
    j["pending_seq"] = *r.pending_seq;
  }
  if (!r.seal.is_null()) {
    j["seal"] = r.seal;
  }
  return j;
}

std::string
format_time(std::int64_t unix_ms)
{
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                     tm.tm_year + 1900,
                     tm.tm_mon + 1,
                     tm.tm_mday,
                     tm.tm_hour,
                     tm.tm_min,
                     tm.tm_sec,
                     ms);
}

} // namespace peermail::audit
