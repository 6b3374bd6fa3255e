// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Read a JSON Lines file line by line (internal to peermail::audit).

#include <peermail/util/result.hpp>

#include <cstdint>
#include <fstream>
#include <string>

namespace peermail::audit::detail {

class LineReader
{
public:
  // Open `path` for reading. Errors: no_input (missing or unreadable).
  static Result<LineReader> open(const std::string& path);

  // Read the next line into `line` (without "\n"); `complete` tells whether
  // it ended with "\n". Return false at the end of the file.
  bool next(std::string& line, bool& complete);

  // Return true if more bytes follow the line just read.
  bool more();

  // Return the 1-based number of the line just read.
  std::uint64_t
  line_number() const
  {
    return m_line;
  }

  // Return false after a read error (not at a normal end of file).
  bool ok() const;

private:
  explicit LineReader(std::ifstream in)
    : m_in(std::move(in))
  {
  }
  std::ifstream m_in;
  std::uint64_t m_line = 0;
};

} // namespace peermail::audit::detail
