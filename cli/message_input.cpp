// SPDX-License-Identifier: GPL-3.0-or-later
#include "message_input.hpp"

#include <peermail/util/fs.hpp>

#include <cstdio>

namespace peermail::cli {

Result<std::string>
read_message_input(const std::string& path)
{
  if (path.empty() || path == "-") {
    return util::read_stdin();
  }
  return util::read_file(path);
}

Result<void>
write_stdout(std::string_view data)
{
  if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
    return fail(Errc::io, "cannot write to standard output");
  }
  return {};
}

} // namespace peermail::cli
