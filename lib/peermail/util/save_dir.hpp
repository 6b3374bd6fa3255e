// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Saving files named by someone else (the attachments of a received message)
// into a directory the user chose: never outside it, never over a file,
// never with a name that can draw on a terminal.

#include <peermail/util/fd.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <string_view>

namespace peermail::util {

// Return `name` as a file name that stays inside a directory and shows
// safely: only its last path component (after "/" or "\"); control
// characters (C0, DEL, C1), bidirectional controls and bytes that are not
// UTF-8 become "_" (and so does "?"); a leading "." becomes "_" (no hidden files, no "..");
// at most 160 bytes (cut on a UTF-8 boundary, the extension kept when it is
// short). "" (after all that) becomes `fallback`.
std::string safe_file_name(std::string_view name, std::string_view fallback);

// A directory to save into, opened once: every file is created relative to
// this descriptor, so a path swapped behind peermail's back is not followed.
class SaveDir
{
public:
  // Open the directory `path`, creating it with mode 0700 when it does not
  // exist (its parent must). A symbolic link (even to a directory) or
  // anything but a directory is refused. Errors: io (with the fix).
  static Result<SaveDir> open(const std::string& path);

  // Save `data` as a new file (mode 0600) named safe_file_name(`name`,
  // `fallback`); when that name is taken, "stem (1).ext", "stem (2).ext", …
  // (never replacing a file). Returns the name used (within the directory).
  // A file only partly written is removed. Errors: io.
  Result<std::string> save(std::string_view name, std::string_view data, std::string_view fallback);

  // Return the directory as given to open().
  const std::string&
  path() const
  {
    return m_path;
  }

private:
  std::string m_path;
  Fd m_fd;
};

} // namespace peermail::util
