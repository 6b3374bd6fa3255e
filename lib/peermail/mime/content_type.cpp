// SPDX-License-Identifier: GPL-3.0-or-later
#include "compose.hpp"

#include <peermail/util/strings.hpp>

#include <array>
#include <cctype>

namespace peermail::mime {

std::string
guess_content_type(std::string_view filename, std::string_view head)
{
  struct Magic
  {
    std::string_view prefix;
    const char* type;
  };
  static constexpr std::array<Magic, 9> k_magic = {
    {
     {"%PDF-", "application/pdf"},
     {"\x89PNG\r\n\x1a\n", "image/png"},
     {"\xff\xd8\xff", "image/jpeg"},
     {"GIF87a", "image/gif"},
     {"GIF89a", "image/gif"},
     {"PK\x03\x04", "application/zip"},
     {"\x1f\x8b", "application/gzip"},
     {"II*\0", "image/tiff"},
     {"MM\0*", "image/tiff"},
     }
  };
  struct Ext
  {
    std::string_view ext;
    const char* type;
  };
  static constexpr std::array<Ext, 22> k_ext = {
    {
     {"txt", "text/plain"},
     {"text", "text/plain"},
     {"csv", "text/csv"},
     {"tsv", "text/tab-separated-values"},
     {"html", "text/html"},
     {"htm", "text/html"},
     {"xml", "application/xml"},
     {"json", "application/json"},
     {"pdf", "application/pdf"},
     {"png", "image/png"},
     {"jpg", "image/jpeg"},
     {"jpeg", "image/jpeg"},
     {"gif", "image/gif"},
     {"tif", "image/tiff"},
     {"tiff", "image/tiff"},
     {"zip", "application/zip"},
     {"gz", "application/gzip"},
     {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
     {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
     {"odt", "application/vnd.oasis.opendocument.text"},
     {"dcm", "application/dicom"},
     {"ics", "text/calendar"},
     }
  };
  const auto dot = filename.rfind('.');
  const std::string ext =
    dot == std::string_view::npos ? "" : util::to_lower(filename.substr(dot + 1));
  const char* by_ext = nullptr;
  for (const auto& e : k_ext) {
    if (e.ext == ext) {
      by_ext = e.type;
    }
  }
  for (const auto& m : k_magic) {
    if (head.starts_with(m.prefix)) {
      // Office documents are zip files: trust the extension for those.
      if (std::string_view(m.type) == "application/zip" && by_ext != nullptr
          && std::string_view(by_ext).starts_with("application/vnd.")) {
        return by_ext;
      }
      return m.type;
    }
  }
  const bool texty = head.find('\0') == std::string_view::npos && util::valid_utf8(head, true);
  if (by_ext != nullptr) {
    // A "text" extension on binary content is not text.
    if (std::string_view(by_ext).starts_with("text/") && !texty) {
      return "application/octet-stream";
    }
    return by_ext;
  }
  if (texty && !head.empty()) {
    return "text/plain";
  }
  return "application/octet-stream";
}

} // namespace peermail::mime
