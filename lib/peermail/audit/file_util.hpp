// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Small file helpers for the audit log (internal to peermail::audit).

#include <peermail/util/fd.hpp>
#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace peermail::audit::detail {

// The owner of the audit log descriptor (util/fd.hpp).
using util::Fd;

// The last line of a file.
struct LastLine
{
  std::string text;      // without the trailing "\n"
  bool complete = false; // false: the file does not end with "\n"
};

// A line that parses as a record with the chain fields (seq, prev, hash).
struct ChainedLine
{
  nlohmann::json j;
  std::uint64_t seq = 0;
  std::string prev;
  std::string hash;
};

// Parse `line` as a chained record; nothing when it is not JSON or lacks an
// unsigned `seq` or a string `prev` or `hash`. The one reader of chain fields
// for verify and exports.
std::optional<ChainedLine> parse_chained(const std::string& line);

// Read the last line of the `size`-byte file `fd` by reading backwards from
// the end in blocks (never the whole file). Errors: io (read failure, or a
// line longer than k_max_line_bytes).
Result<LastLine> read_last_line(int fd, off_t size);

} // namespace peermail::audit::detail
