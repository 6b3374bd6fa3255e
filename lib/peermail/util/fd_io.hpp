// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Small helpers for whole-file work on descriptors and anonymous temp files
// (the streaming paths of send: compose → protect → submit).

#include <peermail/util/fd.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace peermail::util {

// Read `fd` from its current offset to EOF (at most `max_bytes`, else a data
// error). Does not close `fd`.
Result<std::string> read_fd(int fd, std::uint64_t max_bytes = 2ULL << 30);

// Write all of `data` to `fd` (retrying short writes and EINTR).
Result<void> write_fd(int fd, std::string_view data);

// An anonymous temporary file (O_TMPFILE in `dir`, else mkstemp + unlink),
// mode 0600, closed on destruction. Never visible by name to others.
class TempFile
{
public:
  // Create one in `dir` ("" = $TMPDIR is NOT read: the caller passes it; "" =
  // "/tmp").
  static Result<TempFile> create(const std::string& dir = "");

  TempFile(TempFile&& other) noexcept = default;
  TempFile& operator=(TempFile&& other) noexcept = default;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() = default;

  // Return the descriptor (owned by this object).
  int fd() const;

  // Seek to the start (before reading back what was written).
  Result<void> rewind() const;

  // Return the current size in bytes.
  Result<std::uint64_t> size() const;

private:
  explicit TempFile(int fd);
  Fd m_fd;
};

} // namespace peermail::util
