// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <sys/stat.h>
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

// What writing a file may do to a file already at its path.
enum class Overwrite {
  refuse,  // the name must be new (`-o FILE` without --force)
  replace, // replace it atomically (--force; files peermail owns)
};

// Write `data` to `path` atomically: a temporary file in the same directory
// with `mode`, fsync, rename. Nothing is left behind on failure. With
// Overwrite::refuse the temporary file is linked to `path` only if no file
// is there at that moment (never replaced, not even by a race): else
// Errc::cant_create as output_exists() says.
Result<void> write_file_atomic(const std::string& path,
                               std::string_view data,
                               mode_t mode = 0600,
                               Overwrite overwrite = Overwrite::replace);

// Return the one refusal of an output file that exists: Errc::cant_create,
// "FILE exists; not replacing it", with the fix "pass --force to replace it,
// or choose another name".
Error output_exists(const std::string& path);

// Write `data` to `path` as `-o FILE` means it for every command (the caller
// handles "-", standard output):
//  - a new name: atomically (write_file_atomic, `mode`);
//  - a regular file: refused (output_exists) unless `overwrite` is replace
//    (--force), then replaced atomically;
//  - a symbolic link: resolved; its target is written by these same rules (a
//    link to a regular file stays a link, the file it points to is replaced
//    atomically); a dangling link is refused;
//  - a character device or a FIFO (/dev/null, a pipe to a reader): written in
//    place, never replaced or recreated (nothing in them to lose);
//  - anything else (a directory, a socket, a block device): refused.
// Errors: cant_create (exists), io.
Result<void>
write_output_file(const std::string& path, std::string_view data, mode_t mode, Overwrite overwrite);

// Check, before any work is done, what write_output_file() would refuse for
// the existing `path` (the same rules; nothing is written). Errors:
// cant_create (exists, no --force), io (a directory, a dangling link, …).
Result<void> check_output_file(const std::string& path, Overwrite overwrite);

// Expand a leading "~/" with `home`.
std::string expand_home(const std::string& path, const std::string& home);

// What judge_private_file() requires of a file.
enum class Secrecy {
  not_secret, // others must not be able to write it
  secret,     // others must not be able to read or write it
};

// A file read through one descriptor, with what fstat said of that
// descriptor: the judgement (judge_private_file) and the text are of the same
// file, whatever happens to the path in between.
struct OpenedFile
{
  std::string text;
  struct stat st
  {
  };
};

// Open `path` once (following symbolic links to the file they name), fstat
// it, refuse anything but a regular file, and read it (data error beyond
// `max_bytes`; no_input when missing or unreadable).
Result<OpenedFile> read_file_with_stat(const std::string& path, std::uint64_t max_bytes);

// Judge an opened file by its fstat result: it must belong to the user running
// peermail, others must not write it (nor read it, for `secrecy` secret), and
// its directory (of the resolved path) must not let others replace it:
// group- or world-writable without the sticky bit, or owned by another user
// than the caller or root. Errc::permissions with `check_id` and the fix.
Result<void> judge_private_file(const std::string& path,
                                const struct stat& st,
                                Secrecy secrecy,
                                const std::string& check_id);

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

// The directory part of check_owner_only(), for a file that does not exist
// yet: group or others must not be able to write the directory (unless it is
// sticky) and it must belong to the user or root.
Result<void> check_directory_of(const std::string& path, const OwnedFile& f);

// Return the file mode bits (07777) of `path`, or an io/no_input error.
Result<mode_t> file_mode(const std::string& path);

// Return the lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Return the raw 32-byte SHA-256 of `data`.
std::string sha256_raw(std::string_view data);

// Return standard base64 of `data`.
std::string base64_encode(std::string_view data);

} // namespace peermail::util
