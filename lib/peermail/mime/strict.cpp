// SPDX-License-Identifier: GPL-3.0-or-later
#include "strict.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <strings.h>

#include <array>
#include <cstring>
#include <map>

namespace peermail::mime {

namespace {

// Headers whose value GMime parses as an address list.
constexpr std::array<std::string_view, 11> k_address_headers = {"from",
                                                                "to",
                                                                "cc",
                                                                "bcc",
                                                                "reply-to",
                                                                "sender",
                                                                "resent-from",
                                                                "resent-to",
                                                                "resent-cc",
                                                                "mail-followup-to",
                                                                "mail-reply-to"};

// Headers a reader shows, or that decide the structure: two of them is
// ambiguous (GMime keeps the last, other readers the first). From is not
// here: every From header counts (mime::from_addresses), and more than one
// From address is signer-mismatch.
constexpr std::array<const char*, 13> k_unique_message = {"Sender",
                                                          "Reply-To",
                                                          "To",
                                                          "Cc",
                                                          "Bcc",
                                                          "Subject",
                                                          "Date",
                                                          "Mail-Followup-To",
                                                          "Mail-Reply-To",
                                                          "Followup-To",
                                                          "MIME-Version",
                                                          "Content-Type",
                                                          "Content-Transfer-Encoding"};
constexpr std::array<const char*, 3> k_unique_part = {
  "Content-Type", "Content-Transfer-Encoding", "Content-Disposition"};
constexpr int k_max_depth = 64;

// The address header name `line` starts with ("to:"), or "".
std::string_view
address_header_at(std::string_view line)
{
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon > 20) {
    return {};
  }
  std::string_view name = util::trim(line.substr(0, colon));
  for (auto h : k_address_headers) {
    if (name.size() == h.size() && ::strncasecmp(name.data(), h.data(), h.size()) == 0) {
      return h;
    }
  }
  return {};
}

// The deepest nesting of comments and groups in an unfolded address value.
int
nesting(std::string_view value)
{
  int deepest = 0;
  int comments = 0;
  int groups = 0;
  bool quoted = false;
  bool angle = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (quoted) {
      quoted = c != '"';
      continue;
    }
    switch (c) {
    case '"':
      quoted = comments == 0;
      break;
    case '(':
      ++comments;
      break;
    case ')':
      comments = comments > 0 ? comments - 1 : 0;
      break;
    case '<':
      angle = comments == 0;
      break;
    case '>':
      angle = false;
      break;
    case ':':
      groups += comments == 0 && !angle ? 1 : 0;
      break;
    case ';':
      groups = comments == 0 && groups > 0 ? groups - 1 : groups;
      break;
    default:
      break;
    }
    deepest = std::max(deepest, comments + groups);
  }
  return deepest;
}

// True when `headers` holds `name` more than once with different values
// (the same header repeated verbatim reads the same everywhere).
bool
conflicting(GMimeHeaderList* headers, const char* name)
{
  std::optional<std::string_view> first;
  const int count = g_mime_header_list_get_count(headers);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const char* n = g_mime_header_get_name(h);
    if (n == nullptr || ::strcasecmp(n, name) != 0) {
      continue;
    }
    const char* raw = g_mime_header_get_raw_value(h);
    const std::string_view value = util::trim(raw != nullptr ? raw : "");
    if (first && *first != value) {
      return true;
    }
    first = value;
  }
  return false;
}

template<std::size_t N>
std::string
duplicates_in(GMimeHeaderList* headers, const std::array<const char*, N>& names, const char* where)
{
  if (headers == nullptr) {
    return {};
  }
  for (const char* name : names) {
    if (conflicting(headers, name)) {
      return fmt::format(
        "the {} has more than one {} header, with different values (mail "
        "readers disagree on which one counts)",
        where,
        name);
    }
  }
  return {};
}

std::string
part_duplicates(GMimeObject* obj, int depth)
{
  if (obj == nullptr) {
    return {};
  }
  if (depth > k_max_depth) {
    return fmt::format("MIME parts are nested more than {} deep", k_max_depth);
  }
  if (auto d = duplicates_in(g_mime_object_get_header_list(obj), k_unique_part, "MIME part");
      !d.empty()) {
    return d;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    auto* mp = GMIME_MULTIPART(obj);
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) {
      if (auto d = part_duplicates(g_mime_multipart_get_part(mp, i), depth + 1); !d.empty()) {
        return d;
      }
    }
  }
  return {};
}

// The end of line `pos` starts (index of its '\n', or size).
std::size_t
line_end(std::string_view s, std::size_t pos)
{
  const auto e = s.find('\n', pos);
  return e == std::string_view::npos ? s.size() : e;
}

// True when `line` (no '\n') is the delimiter "--boundary" or the close
// delimiter "--boundary--", with only transport padding after it.
bool
is_delimiter(std::string_view line, std::string_view boundary)
{
  if (line.size() < boundary.size() + 2 || line.substr(0, 2) != "--"
      || line.substr(2, boundary.size()) != boundary) {
    return false;
  }
  std::string_view rest = line.substr(2 + boundary.size());
  if (rest.substr(0, 2) == "--") {
    rest.remove_prefix(2);
  }
  return util::trim(rest).empty();
}

} // namespace

bool
may_leave_in_clear(std::string_view name)
{
  constexpr std::array<const char*, 13> k_clear = {"From",
                                                   "Sender",
                                                   "To",
                                                   "Cc",
                                                   "Reply-To",
                                                   "Mail-Reply-To",
                                                   "Mail-Followup-To",
                                                   "Date",
                                                   "Message-ID",
                                                   "In-Reply-To",
                                                   "References",
                                                   "Auto-Submitted",
                                                   "Autocrypt"};
  return header_in(name, k_clear);
}

std::string
header_nul_problem(std::string_view bytes)
{
  for (std::size_t pos = 0; pos < bytes.size();) {
    const std::size_t end = line_end(bytes, pos);
    const std::string_view line = bytes.substr(pos, end - pos);
    if (line.empty() || line == "\r") {
      return {};
    }
    if (line.find('\0') != std::string_view::npos) {
      return "a header holds a NUL byte (some readers cut the value there, others do not)";
    }
    pos = end + 1;
  }
  return {};
}

std::string
address_nesting_problem(std::string_view bytes)
{
  for (std::size_t pos = 0; pos < bytes.size();) {
    std::size_t end = line_end(bytes, pos);
    const std::string_view name = address_header_at(bytes.substr(pos, end - pos));
    if (name.empty()) {
      pos = end + 1;
      continue;
    }
    // Unfold: continuation lines start with a space or a tab.
    while (end + 1 < bytes.size() && (bytes[end + 1] == ' ' || bytes[end + 1] == '\t')) {
      end = line_end(bytes, end + 1);
    }
    const std::string_view value = bytes.substr(pos, end - pos);
    if (value.size() > k_max_address_header) {
      return fmt::format("a {} header is longer than {} KiB", name, k_max_address_header / 1024);
    }
    if (nesting(value) > k_max_address_nesting) {
      return fmt::format(
        "a {} header nests groups or comments more than {} deep", name, k_max_address_nesting);
    }
    pos = end + 1;
  }
  return {};
}

std::string
duplicate_header_problem(GMimeMessage* msg)
{
  if (auto d = duplicates_in(
        g_mime_object_get_header_list(GMIME_OBJECT(msg)), k_unique_message, "message");
      !d.empty()) {
    return d;
  }
  return part_duplicates(g_mime_message_get_mime_part(msg), 0);
}

std::optional<std::string_view>
raw_part(std::string_view entity, std::string_view boundary, int index)
{
  // The header block ends at the first empty line.
  std::size_t pos = 0;
  while (pos < entity.size()) {
    const std::size_t end = line_end(entity, pos);
    std::string_view line = entity.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line == "\r") {
      break;
    }
  }
  std::optional<std::size_t> start;
  int seen = 0;
  while (pos < entity.size()) {
    const std::size_t end = line_end(entity, pos);
    std::string_view line = entity.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (is_delimiter(line, boundary)) {
      if (start && seen++ == index) {
        std::size_t stop = pos > *start ? pos - 1 : *start; // the '\n' before the delimiter
        if (stop > *start && entity[stop - 1] == '\r') {
          --stop;
        }
        return entity.substr(*start, stop - *start);
      }
      if (util::trim(line.substr(2 + boundary.size())).substr(0, 2) == "--") {
        return std::nullopt; // the close delimiter: no more parts
      }
      start = end + 1;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string>
raw_first_part(std::string_view entity, std::string_view boundary)
{
  auto part = raw_part(entity, boundary, 0);
  if (!part) {
    return std::nullopt;
  }
  return std::string(*part);
}

std::string
close_delimiter_line_breaks(std::string_view crlf)
{
  // GMime ends every multipart it writes with "--boundary--" and a line
  // break, and writes one more before the next delimiter; received bytes
  // may have none there (the CRLF before a delimiter belongs to it, RFC
  // 2046 §5.1.1) or several (an epilogue of empty lines). Both sides get
  // exactly one.
  std::string out;
  out.reserve(crlf.size() + 2);
  std::size_t pos = 0;
  while (pos < crlf.size()) {
    auto end = crlf.find("\r\n", pos);
    const std::string_view line =
      crlf.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    out.append(line);
    pos = end == std::string_view::npos ? crlf.size() : end + 2;
    const bool close = line.size() > 4 && line.substr(0, 2) == "--"
                       && line.substr(line.size() - 2) == "--"
                       && line.find_first_of(" \t") == std::string_view::npos;
    if (close) {
      while (crlf.substr(pos, 2) == "\r\n") {
        pos += 2;
      }
    }
    if (close || end != std::string_view::npos) {
      out.append("\r\n");
    }
  }
  return out;
}

bool
armor_only(std::string_view text, std::string_view begin, std::string_view end)
{
  const std::string_view t = util::trim(text);
  if (t.substr(0, begin.size()) != begin || t.size() < begin.size() + end.size()
      || t.substr(t.size() - end.size()) != end) {
    return false;
  }
  // Exactly one block: no second begin line inside.
  return t.find(begin, begin.size()) == std::string_view::npos;
}

bool
quiet_preamble(std::string_view text)
{
  std::string_view t = util::trim(text);
  if (t.empty()) {
    return true;
  }
  constexpr std::array<std::string_view, 8> k_boilerplate = {
    k_signed_preamble,
    k_encrypted_preamble,
    "This is a multi-part message in MIME format.",
    "This is a multi-part message in MIME format",
    "This is a cryptographically signed message in MIME format.",
    "This is an S/MIME signed message", // OpenSSL
    "This is a multipart message in MIME format.",
    "This is a MIME-encapsulated message"};
  for (auto b : k_boilerplate) {
    if (t == b) {
      return true;
    }
  }
  return false;
}

} // namespace peermail::mime
