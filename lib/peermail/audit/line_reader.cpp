// SPDX-License-Identifier: GPL-3.0-or-later
#include "line_reader.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>

namespace peermail::audit::detail {

Result<LineReader>
LineReader::open(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Errc::no_input,
                fmt::format("audit log {}: cannot open: {}", path, std::strerror(errno)));
  }
  return LineReader(std::move(in));
}

bool
LineReader::next(std::string& line, bool& complete)
{
  if (!m_in || m_in.peek() == std::char_traits<char>::eof()) {
    return false;
  }
  std::getline(m_in, line);
  complete = !m_in.eof();
  ++m_line;
  return true;
}

bool
LineReader::more()
{
  return m_in && m_in.peek() != std::char_traits<char>::eof();
}

bool
LineReader::ok() const
{
  return !m_in.bad();
}

} // namespace peermail::audit::detail
