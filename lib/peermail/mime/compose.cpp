// SPDX-License-Identifier: GPL-3.0-or-later
#include "compose.hpp"

#include "addresses.hpp"
#include "gobject.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gmime/gmime.h>

#include <fcntl.h>
#include <idn2.h>
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
#include <set>

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

bool
is_atext(unsigned char c)
{
  return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

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

void
add_mailbox(GMimeMessage* msg, GMimeAddressType type, const Mailbox& m)
{
  g_mime_message_add_mailbox(
    msg, type, m.display_name.empty() ? nullptr : m.display_name.c_str(), m.address.c_str());
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
  GPtr<GMimeStream> body_stream(
    g_mime_stream_mem_new_with_buffer(req.body.data(), req.body.size()));
  GPtr<GMimeDataWrapper> body_wrapper(
    g_mime_data_wrapper_new_with_stream(body_stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(GMIME_PART(text.get()), body_wrapper.get());
  g_mime_text_part_set_charset(text.get(), "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(text.get()), text_encoding(req.body));

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

std::string
domain_of(std::string_view address)
{
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string("localhost")
                                      : std::string(address.substr(at + 1));
}

// True when the ASCII `domain` decodes as IDNA2008 and encodes back to
// the same ASCII form.
bool
round_trips_idna(std::string_view domain)
{
  const std::string ascii = util::to_lower(domain);
  char* unicode = nullptr;
  if (idn2_to_unicode_8z8z(ascii.c_str(), &unicode, 0) != IDN2_OK) {
    return false;
  }
  char* back = nullptr;
  const int rc = idn2_to_ascii_8z(unicode, &back, IDN2_NONTRANSITIONAL);
  const bool same = rc == IDN2_OK && ascii == back;
  idn2_free(back);
  idn2_free(unicode);
  return same;
}

} // namespace

bool
is_valid_address(std::string_view address)
{
  if (address.size() > 254) {
    return false;
  }
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || at + 1 >= address.size()) {
    return false;
  }
  const auto local = address.substr(0, at);
  const auto domain = address.substr(at + 1);
  // Local part: dot-atom (RFC 5322 §3.4.1), no leading, trailing or double dot.
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  for (const char ch : local) {
    if (ch != '.' && !is_atext(static_cast<unsigned char>(ch))) {
      return false;
    }
  }
  // Domain: at least two hostname labels (RFC 1035 §2.3.1, RFC 5321 §4.1.2).
  const auto labels = util::split(domain, '.');
  if (labels.size() < 2) {
    return false;
  }
  for (const auto& l : labels) {
    if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') {
      return false;
    }
    for (const char ch : l) {
      if (std::isalnum(static_cast<unsigned char>(ch)) == 0 && ch != '-') {
        return false;
      }
    }
  }
  // A domain with A-labels must be valid IDNA2008 that maps back to itself
  // (RFC 5890 §2.3.2.1): otherwise readers and MTAs each decode it their
  // own way, and the address a reader sees is not the one mail goes to.
  if (util::to_lower(domain).find("xn--") != std::string::npos && !round_trips_idna(domain)) {
    return false;
  }
  return true;
}

Result<Mailbox>
parse_address(std::string_view text, std::string_view field, const ComposeLimits& limits)
{
  if (util::has_line_break_or_nul(text)) {
    return fail(
      Errc::data,
      fmt::format("{}: an address contains a line break or NUL byte (header injection)", field));
  }
  std::string_view t = util::trim(text);
  Mailbox m;
  std::string addr;
  const auto lt = t.find('<');
  if (lt != std::string_view::npos) {
    const auto gt = t.find('>', lt);
    if (gt == std::string_view::npos || gt + 1 != t.size()
        || t.find('<', lt + 1) != std::string_view::npos) {
      return fail(Errc::data, fmt::format("{}: \"{}\" is not a valid email address", field, t));
    }
    addr = std::string(util::trim(t.substr(lt + 1, gt - lt - 1)));
    std::string_view name = util::trim(t.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    if (name.find_first_of("<>\"") != std::string_view::npos) {
      return fail(Errc::data, fmt::format("{}: \"{}\" is not a valid email address", field, t));
    }
    if (name.size() > limits.max_display_name_bytes) {
      return fail(
        Errc::data,
        fmt::format("{}: display name longer than {} bytes", field, limits.max_display_name_bytes));
    }
    if (!util::valid_utf8(name)) {
      return fail(Errc::data, fmt::format("{}: display name is not valid UTF-8", field));
    }
    m.display_name = std::string(name);
  } else {
    addr = std::string(t);
  }
  if (!is_valid_address(addr)) {
    return fail(Errc::data,
                fmt::format("{}: \"{}\" is not a valid email address", field, t),
                "",
                "give one address per option, like \"Name <user@example.org>\"");
  }
  m.address = util::to_lower(addr);
  return m;
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
    req.message_id.empty() ? make_message_id(domain_of(c.from.address)) : req.message_id;
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
    c.message_id = make_message_id(domain_of(opts.identity.address));
    g_mime_message_set_message_id(msg.get(), c.message_id.c_str());
  } else {
    c.message_id = mid;
  }
  if (g_mime_object_get_header(obj, "MIME-Version") == nullptr) {
    g_mime_object_set_header(obj, "MIME-Version", "1.0", nullptr);
  }
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  PEERMAIL_TRY_ASSIGN(c.size, write_message(obj, out.get()));
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return std::make_pair(std::move(c), std::move(text));
}

} // namespace peermail::mime
