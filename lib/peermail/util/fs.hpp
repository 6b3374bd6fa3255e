// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace peermail::util {

// Read the whole of `path` ("-" is not special here). Errors: no_input when the
// file is missing or unreadable; data when it exceeds `max_bytes`.
Result<std::string> read_file(const std::string& path, std::uint64_t max_bytes = 256ULL << 20);

// Read all of standard input, up to `max_bytes` (data error beyond it).
Result<std::string> read_stdin(std::uint64_t max_bytes = 256ULL << 20);

// Write `data` to `path` atomically: a temporary file in the same directory
// with `mode`, fsync, rename. Nothing is left behind on failure.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0600);

// Write `data` to `path` as `-o FILE` means it for every command (the caller
// handles "-", standard output):
//  - a regular file or a new name: atomically (write_file_atomic, `mode`);
//  - a symbolic link: resolved; its target is written by these same rules (a
//    link to a regular file stays a link, the file it points to is replaced
//    atomically); a dangling link is refused;
//  - a character device or a FIFO (/dev/null, a pipe to a reader): written in
//    place, never replaced or recreated;
//  - anything else (a directory, a socket, a block device): refused.
// Errors: io.
Result<void> write_output_file(const std::string& path, std::string_view data, mode_t mode = 0600);

// Expand a leading "~/" with `home`.
std::string expand_home(const std::string& path, const std::string& home);

// What secure_file_check() requires of a file.
enum class Secrecy {
  not_secret, // others must not be able to write it
  secret,     // others must not be able to read or write it
};

// Refuse a file that others can write (or read, for `secrecy` secret), or that
// belongs to another user (msmtp's rule). Errc::permissions names the file,
// its mode and the fix (chmod 600). `check_id` goes into the error.
Result<void> secure_file_check(const std::string& path,
                               Secrecy secrecy,
                               const std::string& check_id = "AUTH-05");

// How a file that peermail keeps its own state in (the audit log, a batch
// journal and its lock and WAL files) is named in errors.
struct OwnedFile
{
  std::string what;     // e.g. "audit log", "journal"
  std::string check_id; // e.g. "AUD-01"
  std::string setting;  // what points at it, e.g. "[audit] path", "--journal"
};

// Judge the open file `fd` (fstat, so it is the file that will be used, not
// whatever `path` names later): it must be a regular file owned by the
// effective user that neither group nor others can write, in a directory
// that not anyone can write (unless sticky). Such a file can be planted or
// rewritten behind peermail's back, so it is never trusted. Errors:
// permissions ("<what> <path>: <why>", with `f.check_id` and the fix), io.
Result<void> check_owner_only(int fd, const std::string& path, const OwnedFile& f);

// Return the file mode bits (07777) of `path`, or an io/no_input error.
Result<mode_t> file_mode(const std::string& path);

// Return the lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Return the raw 32-byte SHA-256 of `data`.
std::string sha256_raw(std::string_view data);

// Return standard base64 of `data`.
std::string base64_encode(std::string_view data);

} // namespace peermail::util
