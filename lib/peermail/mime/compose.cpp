// SPDX-License-Identifier: GPL-3.0-or-later
#include "compose.hpp"

#include "addresses.hpp"
#include "gobject.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gmime/gmime.h>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace peermail::mime {

namespace {

struct DateTimeUnref
{
  void
  operator()(GDateTime* p) const
  {
    g_date_time_unref(p);
  }
};

std::string
basename_of(const std::string& path)
{
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Choose 7bit when every line is short plain ASCII without trailing white
// space or a "From " start (which some agents mangle, RFC 3156 §3), else
// quoted-printable.
GMimeContentEncoding
text_encoding(std::string_view text)
{
  std::size_t line_len = 0;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      if (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
        return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
      }
      line_len = 0;
      line_start = true;
      continue;
    }
    if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\r')) {
      return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    }
    if (line_start && text.substr(i).starts_with("From ")) {
      return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    }
    if (line_start && text.substr(i).starts_with(".")) {
      // A lone "." line is fine for SMTP (libcurl dot-stuffs) but QP keeps
      // naive relays from ending DATA early.
      return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    }
    line_start = false;
    if (++line_len > 76) {
      return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    }
  }
  if (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
  }
  return GMIME_CONTENT_ENCODING_7BIT;
}

Result<std::string>
read_head(const std::string& path, std::size_t n)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(Errc::no_input, std::strerror(errno));
  }
  std::string buf(n, '\0');
  const auto got = ::read(fd, buf.data(), n);
  const int saved = errno;
  ::close(fd);
  if (got < 0) {
    return fail(Errc::no_input, std::strerror(saved));
  }
  buf.resize(static_cast<std::size_t>(got));
  return buf;
}

// Set every address of `list` to encode its display name as UTF-8 (RFC 2047
// encoded-words are written by GMime; without a charset it picks a legacy
// one such as ISO-8859-1).
void
use_utf8_names(InternetAddressList* list)
{
  const int n = list == nullptr ? 0 : internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    internet_address_set_charset(a, "utf-8");
    if (INTERNET_ADDRESS_IS_GROUP(a)) {
      use_utf8_names(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
    }
  }
}

void
add_mailbox(GMimeMessage* msg, GMimeAddressType type, const Mailbox& m)
{
  GPtr<InternetAddress> a(internet_address_mailbox_new(
    m.display_name.empty() ? nullptr : m.display_name.c_str(), m.address.c_str()));
  internet_address_set_charset(a.get(), "utf-8");
  internet_address_list_add(g_mime_message_get_addresses(msg, type), a.get());
}

// Make `part` hold the UTF-8 `text`: charset=utf-8 and the transfer
// encoding text_encoding() picks. The one text rule of every message
// peermail writes (send, sendmail, batch). The bytes are copied.
void
set_utf8_text(GMimePart* part, std::string_view text)
{
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  GPtr<GMimeDataWrapper> wrapper(
    g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, wrapper.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
  g_mime_part_set_content_encoding(part, text_encoding(text));
}

// Build the message object (without writing it).
Result<GPtr<GMimeMessage>>
build(const ComposeRequest& req, const Composed& c)
{
  GPtr<GMimeMessage> msg(g_mime_message_new(TRUE));
  add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, c.from);
  for (const auto& m : c.to) {
    add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, m);
  }
  for (const auto& m : c.cc) {
    add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_CC, m);
  }
  // Bcc is deliberately never added: no copy may reveal Bcc recipients.
  g_mime_message_set_subject(msg.get(), req.subject.c_str(), "utf-8");
  std::unique_ptr<GDateTime, DateTimeUnref> date(
    req.date ? g_date_time_new_from_unix_local(*req.date) : g_date_time_new_now_local());
  g_mime_message_set_date(msg.get(), date.get());
  g_mime_message_set_message_id(msg.get(), c.message_id.c_str());
  g_mime_object_set_header(GMIME_OBJECT(msg.get()), "MIME-Version", "1.0", nullptr);

  GPtr<GMimeTextPart> text(g_mime_text_part_new_with_subtype("plain"));
  // The body bytes as given (UTF-8): g_mime_text_part_set_text() would pick
  // a "best" legacy charset instead.
  set_utf8_text(GMIME_PART(text.get()), req.body);

  if (req.attachments.empty()) {
    g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(text.get()));
    return msg;
  }

  GPtr<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
  g_mime_multipart_add(mixed.get(), GMIME_OBJECT(text.get()));
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const auto& a = req.attachments[i];
    std::string type = a.content_type;
    if (type.empty()) {
      auto head = read_head(a.path, 512);
      if (!head) {
        return fail(Errc::no_input,
                    fmt::format("--attach #{}: cannot read: {}", i + 1, head.error().message));
      }
      type = guess_content_type(a.filename.empty() ? basename_of(a.path) : a.filename, *head);
    }
    const auto slash = type.find('/');
    const std::string major = type.substr(0, slash);
    const std::string minor = slash == std::string::npos ? "octet-stream" : type.substr(slash + 1);
    GPtr<GMimePart> part(g_mime_part_new_with_type(major.c_str(), minor.c_str()));
    if (major == "text") {
      g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
    }
    const std::string name = a.filename.empty() ? basename_of(a.path) : a.filename;
    g_mime_part_set_filename(part.get(), name.c_str()); // RFC 2231 encoded by GMime
    // Stream the file when the message is written; never load it whole.
    GError* gerr = nullptr;
    GPtr<GMimeStream> fs(g_mime_stream_fs_open(a.path.c_str(), O_RDONLY, 0, &gerr));
    if (!fs) {
      const std::string why = gerr != nullptr ? gerr->message : "cannot open";
      g_clear_error(&gerr);
      return fail(Errc::no_input, fmt::format("--attach #{}: cannot read: {}", i + 1, why));
    }
    GPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(fs.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part.get(), wrapper.get());
    // Base64 for every attachment: the round trip is byte for byte, whatever
    // the line ends of a text file (RFC 2045 §6.8).
    g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
  }
  g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(mixed.get()));
  return msg;
}

// Write `obj` to `out`; return the number of bytes that reached `out`
// (after the CRLF filter).
Result<std::uint64_t>
write_message(GMimeObject* obj, GMimeStream* out)
{
  auto fo = crlf_format();
  const gint64 start = g_mime_stream_tell(out);
  const auto n = g_mime_object_write_to_stream(obj, fo.get(), out);
  if (n < 0 || g_mime_stream_flush(out) != 0) {
    return fail(Errc::io, fmt::format("cannot write the message: {}", std::strerror(errno)));
  }
  const gint64 end = g_mime_stream_tell(out);
  return static_cast<std::uint64_t>(end >= start && start >= 0 ? end - start : n);
}

bool
has_8bit(std::string_view s)
{
  return std::any_of(
    s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool
iequals(const char* a, std::string_view b)
{
  return a != nullptr && util::to_lower(a) == util::to_lower(b);
}

constexpr std::string_view k_iconv_fix = "convert it: iconv -f LATIN1 -t UTF-8";

// RFC 2047 for the outer headers of a message handed in (sendmail, batch):
// raw 8-bit text must be UTF-8; display names in the address headers GMime
// knows and unstructured headers (Subject, Comments, X-…) are re-encoded as
// UTF-8 encoded-words. Raw 8-bit anywhere else is refused: no encoding of
// it is one every reader agrees on.
Result<void>
encode_outer_headers(GMimeMessage* msg)
{
  GMimeObject* obj = GMIME_OBJECT(msg);
  GMimeHeaderList* headers = g_mime_object_get_header_list(obj);
  std::vector<std::string> unstructured;
  bool addresses = false;
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const std::string name = str(g_mime_header_get_name(h));
    const char* raw_c = g_mime_header_get_raw_value(h);
    const std::string_view raw = raw_c == nullptr ? std::string_view() : raw_c;
    if (!has_8bit(raw)) {
      continue;
    }
    if (!util::valid_utf8(raw)) {
      return fail(Errc::data,
                  fmt::format("the {} header holds 8-bit text that is not UTF-8", name),
                  "",
                  std::string(k_iconv_fix));
    }
    const std::string lower = util::to_lower(name);
    if (lower == "from" || lower == "sender" || lower == "reply-to" || lower == "to"
        || lower == "cc" || lower == "bcc") {
      addresses = true;
    } else if (lower.starts_with("content-") || lower.starts_with("resent-")
               || lower == "message-id" || lower == "in-reply-to" || lower == "references"
               || lower == "date" || lower == "mime-version" || lower == "return-path"
               || lower == "received" || lower == "list-id") {
      return fail(Errc::data,
                  fmt::format("the {} header holds raw 8-bit text (RFC 5322 §2.2)", name),
                  "",
                  fmt::format("write the {} header in ASCII", name));
    } else {
      unstructured.push_back(name);
    }
  }
  if (addresses) {
    for (auto type : {GMIME_ADDRESS_TYPE_SENDER,
                      GMIME_ADDRESS_TYPE_FROM,
                      GMIME_ADDRESS_TYPE_REPLY_TO,
                      GMIME_ADDRESS_TYPE_TO,
                      GMIME_ADDRESS_TYPE_CC,
                      GMIME_ADDRESS_TYPE_BCC}) {
      InternetAddressList* list = g_mime_message_get_addresses(msg, type);
      if (list == nullptr || internet_address_list_length(list) == 0) {
        continue;
      }
      // Re-adding the addresses makes GMime write the header anew, encoded.
      GPtr<InternetAddressList> copy(internet_address_list_new());
      internet_address_list_append(copy.get(), list);
      use_utf8_names(copy.get());
      internet_address_list_clear(list);
      internet_address_list_append(list, copy.get());
    }
  }
  for (const auto& name : unstructured) {
    // The decoded value (UTF-8, encoded-words decoded), encoded again.
    const std::string value = str(g_mime_object_get_header(obj, name.c_str()));
    g_mime_object_set_header(obj, name.c_str(), value.c_str(), "utf-8");
  }
  return {};
}

struct TextWalk
{
  std::optional<Error> error;
  int index = 0;
};

// Give every text part without a charset, or labelled us-ascii or utf-8,
// the one text rule (set_utf8_text): its bytes must be UTF-8; it is
// labelled charset=utf-8 with a 7-bit safe transfer encoding. Parts that
// declare another charset are left as declared.
void
normalize_text_part(GMimeObject* /*parent*/, GMimeObject* part, gpointer data)
{
  auto* walk = static_cast<TextWalk*>(data);
  ++walk->index;
  if (walk->error || !GMIME_IS_PART(part)) {
    return;
  }
  GMimeContentType* ct = g_mime_object_get_content_type(part);
  if (ct == nullptr || !g_mime_content_type_is_type(ct, "text", "*")) {
    return;
  }
  if (g_mime_part_is_attachment(GMIME_PART(part))) {
    return; // an attached file travels as it is
  }
  const char* charset = g_mime_object_get_content_type_parameter(part, "charset");
  if (charset != nullptr && !iequals(charset, "utf-8") && !iequals(charset, "us-ascii")) {
    return;
  }
  const std::string text = decoded_content(GMIME_PART(part));
  if (text.find('\0') != std::string::npos || !util::valid_utf8(text)) {
    walk->error = Error(Errc::data,
                        walk->index <= 1 ? std::string("the message body is not UTF-8 text")
                                         : fmt::format("MIME part {} of the message is not UTF-8 "
                                                       "text",
                                                       walk->index),
                        "",
                        std::string(k_iconv_fix));
    return;
  }
  const auto enc = g_mime_part_get_content_encoding(GMIME_PART(part));
  const bool raw_8bit =
    has_8bit(text)
    && (enc == GMIME_CONTENT_ENCODING_DEFAULT || enc == GMIME_CONTENT_ENCODING_7BIT
        || enc == GMIME_CONTENT_ENCODING_8BIT || enc == GMIME_CONTENT_ENCODING_BINARY);
  if (charset == nullptr || !iequals(charset, "utf-8") || raw_8bit) {
    set_utf8_text(GMIME_PART(part), text);
  }
}

// The text rule for a message handed in (sendmail, batch): UTF-8 bodies
// labelled charset=utf-8, RFC 2047 outer headers.
Result<void>
normalize_text(GMimeMessage* msg)
{
  PEERMAIL_TRY(encode_outer_headers(msg));
  TextWalk walk;
  GMimeObject* top = g_mime_message_get_mime_part(msg);
  if (GMIME_IS_MULTIPART(top)) {
    g_mime_multipart_foreach(GMIME_MULTIPART(top), normalize_text_part, &walk);
  } else {
    normalize_text_part(nullptr, top, &walk);
  }
  if (walk.error) {
    return unexpected(*walk.error);
  }
  return {};
}

} // namespace

Result<Mailbox>
parse_address(std::string_view text, std::string_view field, const ComposeLimits& limits)
{
  return address::parse_mailbox(text, field, limits.max_display_name_bytes);
}

std::string
make_message_id(std::string_view domain)
{
  std::array<unsigned char, 16> rnd{};
  std::size_t got = 0;
  while (got < rnd.size()) {
    const auto n = ::getrandom(rnd.data() + got, rnd.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      break; // getrandom cannot fail on Linux ≥ 3.17 after boot; keep going
    }
  }
  std::string hex;
  for (const auto b : rnd) {
    hex += fmt::format("{:02x}", b);
  }
  return fmt::format("{}@{}", hex, domain);
}

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

Result<Composed>
validate(const ComposeRequest& req, const ComposeLimits& limits)
{
  // Header injection first, before any other judgement.
  if (util::has_line_break_or_nul(req.subject)) {
    return fail(Errc::data, "--subject contains a line break or NUL byte (header injection)");
  }
  if (util::has_line_break_or_nul(req.message_id)) {
    return fail(Errc::data, "Message-ID contains a line break or NUL byte (header injection)");
  }
  const std::array<std::pair<const std::vector<std::string>*, const char*>, 3> fields = {
    {{&req.to, "--to"}, {&req.cc, "--cc"}, {&req.bcc, "--bcc"}}
  };
  for (const auto& [list, name] : fields) {
    for (const auto& a : *list) {
      if (util::has_line_break_or_nul(a)) {
        return fail(
          Errc::data,
          fmt::format("{}: an address contains a line break or NUL byte (header injection)", name));
      }
    }
  }
  if (util::has_line_break_or_nul(req.from)) {
    return fail(Errc::data,
                "From: the address contains a line break or NUL byte (header injection)");
  }
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const auto& a = req.attachments[i];
    // The name that travels is the basename of the path unless given.
    if (util::has_line_break_or_nul(a.filename) || util::has_line_break_or_nul(a.content_type)
        || util::has_line_break_or_nul(basename_of(a.path))
        || a.path.find('\0') != std::string::npos) {
      return fail(Errc::data,
                  fmt::format("--attach #{}: the name contains a line break or NUL byte", i + 1));
    }
  }

  Composed c;
  PEERMAIL_TRY_ASSIGN(c.from, parse_address(req.from, "From", limits));
  std::set<std::string> seen;
  std::vector<Mailbox>* outs[] = {&c.to, &c.cc, &c.bcc};
  for (std::size_t f = 0; f < fields.size(); ++f) {
    for (const auto& a : *fields[f].first) {
      PEERMAIL_TRY_ASSIGN(auto m, parse_address(a, fields[f].second, limits));
      if (seen.insert(m.address).second) {
        outs[f]->push_back(std::move(m));
      }
    }
  }
  if (c.to.empty() && c.cc.empty() && c.bcc.empty()) {
    return fail(Errc::usage, "no recipients: give at least one --to, --cc or --bcc");
  }
  if (seen.size() > limits.max_recipients) {
    return fail(
      Errc::data,
      fmt::format("{} recipients exceed the limit of {}", seen.size(), limits.max_recipients),
      "",
      "split the message, or use `peermail batch`");
  }
  if (req.subject.size() > limits.max_subject_bytes) {
    return fail(Errc::data,
                fmt::format("--subject is longer than {} bytes", limits.max_subject_bytes));
  }
  if (!util::valid_utf8(req.subject)) {
    return fail(Errc::data, "--subject is not valid UTF-8");
  }
  if (req.body.size() > limits.max_body_bytes) {
    return fail(Errc::data,
                fmt::format("the body is larger than {} MiB", limits.max_body_bytes >> 20),
                "",
                "send large content as an --attach file");
  }
  if (req.body.find('\0') != std::string::npos || !util::valid_utf8(req.body)) {
    return fail(Errc::data,
                "the body is not UTF-8 text",
                "",
                "convert it with `iconv -t UTF-8`, or send it with --attach");
  }
  if (req.attachments.size() > limits.max_attachments) {
    return fail(Errc::data,
                fmt::format("{} attachments exceed the limit of {}",
                            req.attachments.size(),
                            limits.max_attachments));
  }
  std::uint64_t total = req.body.size();
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const auto& a = req.attachments[i];
    struct stat st
    {
    };
    if (::stat(a.path.c_str(), &st) != 0) {
      return fail(Errc::no_input,
                  fmt::format("--attach #{}: cannot read: {}", i + 1, std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
      return fail(Errc::no_input, fmt::format("--attach #{}: not a regular file", i + 1));
    }
    if (::access(a.path.c_str(), R_OK) != 0) {
      return fail(Errc::no_input,
                  fmt::format("--attach #{}: cannot read: {}", i + 1, std::strerror(errno)));
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > limits.max_attachment_bytes) {
      return fail(Errc::data,
                  fmt::format("--attach #{}: larger than the limit of {} MiB",
                              i + 1,
                              limits.max_attachment_bytes >> 20));
    }
    total += size;
  }
  if (total > limits.max_total_bytes) {
    return fail(
      Errc::data,
      fmt::format("the message content exceeds the limit of {} MiB", limits.max_total_bytes >> 20));
  }
  c.message_id =
    req.message_id.empty() ? make_message_id(address::domain_of(c.from.address)) : req.message_id;
  if (c.message_id.size() >= 2 && c.message_id.front() == '<' && c.message_id.back() == '>') {
    c.message_id = c.message_id.substr(1, c.message_id.size() - 2);
  }
  return c;
}

Result<Composed>
compose_to_fd(const ComposeRequest& req, int fd, const ComposeLimits& limits)
{
  PEERMAIL_TRY_ASSIGN(auto c, validate(req, limits));
  PEERMAIL_TRY_ASSIGN(auto msg, build(req, c));
  GPtr<GMimeStream> out(g_mime_stream_fs_new(fd));
  g_mime_stream_fs_set_owner(GMIME_STREAM_FS(out.get()), FALSE);
  PEERMAIL_TRY_ASSIGN(c.size, write_message(GMIME_OBJECT(msg.get()), out.get()));
  return c;
}

Result<std::pair<Composed, std::string>>
compose(const ComposeRequest& req, const ComposeLimits& limits)
{
  PEERMAIL_TRY_ASSIGN(auto c, validate(req, limits));
  PEERMAIL_TRY_ASSIGN(auto msg, build(req, c));
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  PEERMAIL_TRY_ASSIGN(c.size, write_message(GMIME_OBJECT(msg.get()), out.get()));
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return std::make_pair(std::move(c), std::move(text));
}

Result<std::pair<Composed, std::string>>
prepare_submission(std::string_view raw, const SubmissionOptions& opts)
{
  if (raw.size() > opts.max_bytes) {
    return fail(Errc::data, fmt::format("the message is larger than {} MiB", opts.max_bytes >> 20));
  }
  if (raw.find('\0') != std::string_view::npos) {
    return fail(Errc::data, "the message contains a NUL byte");
  }
  if (opts.full_name && util::has_line_break_or_nul(*opts.full_name)) {
    return fail(Errc::data, "-F: the name contains a line break or NUL byte (header injection)");
  }
  if (opts.full_name && !util::valid_utf8(*opts.full_name)) {
    return fail(Errc::data, "-F: the name is not UTF-8", "", std::string(k_iconv_fix));
  }
  if (opts.envelope_from) {
    PEERMAIL_TRY_ASSIGN(auto f, parse_address(*opts.envelope_from, "-f"));
    if (f.address != opts.identity.address) {
      return fail(Errc::usage,
                  fmt::format("-f {} is not the configured identity {}: the signer must match "
                              "the sender",
                              f.address,
                              opts.identity.address),
                  "SIG-01",
                  "drop -f, or use the account whose identity.from is that address");
    }
  }
  // Parse the headers with GMime; never by hand (docs/DESIGN.md §1).
  GPtr<GMimeStream> in(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(in.get()));
  GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!msg || g_mime_message_get_mime_part(msg.get()) == nullptr) {
    return fail(Errc::data, "stdin is not an RFC 5322 message");
  }
  GMimeObject* obj = GMIME_OBJECT(msg.get());

  Composed c;
  // From: exactly the identity (SIG-01). Add it when missing.
  const auto from = envelope_addresses(g_mime_message_get_from(msg.get()));
  if (from.empty()) {
    c.from = opts.identity;
    if (opts.full_name) {
      c.from.display_name = *opts.full_name;
    }
    add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, c.from);
  } else {
    if (from.size() != 1) {
      return fail(Errc::data, "the From header holds more than one address");
    }
    if (util::to_lower(from[0]) != opts.identity.address) {
      return fail(Errc::usage,
                  fmt::format("From <{}> is not the configured identity <{}>: the signer must "
                              "match From",
                              from[0],
                              opts.identity.address),
                  "SIG-01",
                  "send from the identity address, or use the account configured for it");
    }
    c.from = opts.identity;
  }

  // Recipients: those named in To/Cc stay visible; every other envelope
  // recipient (Bcc header, arguments not in To/Cc) is a Bcc and gets its own
  // copy.
  const auto hdr_to = envelope_addresses(g_mime_message_get_to(msg.get()));
  const auto hdr_cc = envelope_addresses(g_mime_message_get_cc(msg.get()));
  const auto hdr_bcc = envelope_addresses(g_mime_message_get_bcc(msg.get()));
  std::set<std::string> visible;
  for (const auto* list : {&hdr_to, &hdr_cc}) {
    for (const auto& a : *list) {
      visible.insert(util::to_lower(a));
    }
  }
  std::set<std::string> seen;
  auto add = [&](const std::string& a, std::string_view field) -> Result<void> {
    PEERMAIL_TRY_ASSIGN(auto m, parse_address(a, field));
    if (!seen.insert(m.address).second) {
      return {};
    }
    if (!opts.recipients_from_headers) {
      (visible.count(m.address) != 0 ? c.to : c.bcc).push_back(m);
      return {};
    }
    if (field == "To") {
      c.to.push_back(m);
    } else if (field == "Cc") {
      c.cc.push_back(m);
    } else if (visible.count(m.address) != 0) {
      c.to.push_back(m);
    } else {
      c.bcc.push_back(m);
    }
    return {};
  };
  if (opts.recipients_from_headers) {
    for (const auto& a : hdr_to) {
      PEERMAIL_TRY(add(a, "To"));
    }
    for (const auto& a : hdr_cc) {
      PEERMAIL_TRY(add(a, "Cc"));
    }
    for (const auto& a : hdr_bcc) {
      PEERMAIL_TRY(add(a, "Bcc"));
    }
  }
  for (const auto& a : opts.extra_recipients) {
    PEERMAIL_TRY(add(a, "recipient argument"));
  }
  if (c.to.empty() && c.cc.empty() && c.bcc.empty()) {
    return fail(Errc::usage,
                opts.recipients_from_headers ? "no recipients in To, Cc or Bcc"
                                             : "no recipients: give ADDR arguments or -t");
  }
  if (seen.size() > ComposeLimits{}.max_recipients) {
    return fail(Errc::data, "too many recipients");
  }

  // No Bcc header travels in any copy.
  while (g_mime_object_remove_header(obj, "Bcc")) {
  }
  while (g_mime_object_remove_header(obj, "Resent-Bcc")) {
  }
  if (g_mime_message_get_date(msg.get()) == nullptr) {
    std::unique_ptr<GDateTime, DateTimeUnref> now(g_date_time_new_now_local());
    g_mime_message_set_date(msg.get(), now.get());
  }
  const char* mid = g_mime_message_get_message_id(msg.get());
  if (mid == nullptr || *mid == '\0') {
    c.message_id = make_message_id(address::domain_of(opts.identity.address));
    g_mime_message_set_message_id(msg.get(), c.message_id.c_str());
  } else {
    c.message_id = mid;
  }
  if (g_mime_object_get_header(obj, "MIME-Version") == nullptr) {
    g_mime_object_set_header(obj, "MIME-Version", "1.0", nullptr);
  }
  PEERMAIL_TRY(normalize_text(msg.get()));
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  PEERMAIL_TRY_ASSIGN(c.size, write_message(obj, out.get()));
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return std::make_pair(std::move(c), std::move(text));
}

} // namespace peermail::mime
