// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace peermail::test {

// An RAII temporary directory (mode 0700) under $TMPDIR, removed on exit.
class TempDir
{
public:
  TempDir()
  {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pmunit.XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Return the directory path.
  const std::string&
  path() const
  {
    return m_path;
  }

private:
  std::string m_path;
};

// Write `text` to the file `path` as it is (bytes, no newline translation).
inline void
write_file(const std::string& path, const std::string& text)
{
  std::ofstream(path, std::ios::binary) << text;
}

} // namespace peermail::test
