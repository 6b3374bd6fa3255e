// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgp_mime.hpp"

#include "addresses.hpp"
#include "gobject.hpp"
#include "message_id.hpp"
#include "strict.hpp"

#include <peermail/address/mailbox.hpp>

#include <fmt/core.h>

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <random>

namespace peermail::mime {

namespace {

// "Message-ID: <" + id + ">" must fit a 998-octet line.
constexpr std::size_t k_max_message_id = 980;

bool
iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool
istarts_with(std::string_view s, std::string_view prefix)
{
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Return true when `content` would not survive 7-bit transport unchanged:
// 8-bit or NUL bytes, long lines, trailing whitespace (stripped by some MTAs),
// bare CR, or a line starting "From " (mbox From-munging).
struct LeafNeeds
{
  bool encode = false;
  bool from_line = false;
};

LeafNeeds
leaf_needs(std::string_view content)
{
  LeafNeeds n;
  std::size_t line_len = 0;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const auto c = static_cast<unsigned char>(content[i]);
    if (c == '\n') {
      if (i > 0 && (content[i - 1] == ' ' || content[i - 1] == '\t')) {
        n.encode = true;
      }
      if (i > 1 && content[i - 1] == '\r' && (content[i - 2] == ' ' || content[i - 2] == '\t')) {
        n.encode = true;
      }
      line_len = 0;
      continue;
    }
    if (line_len == 0 && content.substr(i, 5) == "From ") {
      n.encode = true;
      n.from_line = true;
    }
    if (c >= 0x80 || c == 0 || (c == '\r' && (i + 1 >= content.size() || content[i + 1] != '\n'))) {
      n.encode = true;
    }
    if (++line_len > 76) {
      n.encode = true;
    }
  }
  if (!content.empty() && (content.back() == ' ' || content.back() == '\t')) {
    n.encode = true;
  }
  return n;
}

// RFC 3156 §3 / RFC 2015: every leaf of a signed entity must be 7-bit safe,
// so transport cannot change the signed bytes. Text becomes quoted-printable
// (base64 when a line starts "From ", which QP does not protect); everything
// else base64.
void
canonicalize_for_signing(GMimeObject* object)
{
  if (GMIME_IS_MULTIPART(object)) {
    auto* mp = GMIME_MULTIPART(object);
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) {
      canonicalize_for_signing(g_mime_multipart_get_part(mp, i));
    }
    return;
  }
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (inner != nullptr && g_mime_message_get_mime_part(inner) != nullptr) {
      canonicalize_for_signing(g_mime_message_get_mime_part(inner));
    }
    return;
  }
  if (!GMIME_IS_PART(object)) {
    return;
  }
  auto* part = GMIME_PART(object);
  const auto enc = g_mime_part_get_content_encoding(part);
  if (enc == GMIME_CONTENT_ENCODING_BASE64) {
    return;
  }
  const std::string content = decoded_content(part);
  const LeafNeeds needs = leaf_needs(content);
  if (!needs.encode) {
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_7BIT);
    return;
  }
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  const bool text = ct != nullptr && g_mime_content_type_is_type(ct, "text", "*");
  g_mime_part_set_content_encoding(part,
                                   text && !needs.from_line ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
                                                            : GMIME_CONTENT_ENCODING_BASE64);
}

std::string
random_boundary(std::string_view avoid)
{
  std::random_device rd;
  for (;;) {
    std::string b = "=-pm-";
    for (int i = 0; i < 4; ++i) {
      b += fmt::format("{:08x}", rd());
    }
    if (avoid.find(b) == std::string_view::npos) {
      return b;
    }
  }
}

std::vector<std::string>
recipients_of(GMimeMessage* msg)
{
  std::vector<std::string> out;
  for (auto type : {GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC, GMIME_ADDRESS_TYPE_BCC}) {
    for (auto& a : mailbox_addresses(g_mime_message_get_addresses(msg, type))) {
      if (std::find(out.begin(), out.end(), a) == out.end()) {
        out.push_back(std::move(a));
      }
    }
  }
  return out;
}

// Every address of `list` in the one address rule's normal form (lower
// case, A-labels: what [[peer]] entries, key lookups and the envelope use;
// GMime gives a domain back in Unicode), appended to `out` once each.
// Errors: data naming `field` for an address the rule refuses.
Result<void>
normal_addresses(InternetAddressList* list, std::string_view field, std::vector<std::string>& out)
{
  for (const auto& a : mailbox_addresses(list)) {
    auto n = address::check_address(a);
    if (!n) {
      return unexpected(address::invalid(field, a, n.error().message));
    }
    if (std::find(out.begin(), out.end(), *n) == out.end()) {
      out.push_back(std::move(*n));
    }
  }
  return {};
}

} // namespace

Result<MessageAddresses>
read_addresses(std::string_view message)
{
  auto msg = parse_gmime_message(message);
  if (!msg) {
    return fail(Errc::data, "the input is not an RFC 5322 message");
  }
  MessageAddresses a;
  PEERMAIL_TRY_ASSIGN(a.from,
                      from_addresses(g_mime_object_get_header_list(GMIME_OBJECT(msg.get()))));
  for (auto& f : a.from) {
    if (auto n = address::check_address(f)) {
      f = std::move(*n); // compared with identity.address (SIG-01)
    }
  }
  const std::pair<GMimeAddressType, std::string_view> fields[] = {
    {GMIME_ADDRESS_TYPE_TO,  "To" },
    {GMIME_ADDRESS_TYPE_CC,  "Cc" },
    {GMIME_ADDRESS_TYPE_BCC, "Bcc"},
  };
  for (const auto& [type, field] : fields) {
    PEERMAIL_TRY(
      normal_addresses(g_mime_message_get_addresses(msg.get(), type), field, a.recipients));
  }
  PEERMAIL_TRY(normal_addresses(
    g_mime_message_get_addresses(msg.get(), GMIME_ADDRESS_TYPE_BCC), "Bcc", a.bcc));
  return a;
}

std::string
to_crlf(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += "\r\n";
      ++i;
    } else if (c == '\n' || c == '\r') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// Split the parsed `msg` into `p` (all but p.inner) and return the body, ready
// to be serialized as the inner entity (canonical leaves, protected headers).
Result<GMimeObject*>
split_message(const GPtr<GMimeMessage>& msg, SubjectProtection subject, Prepared& p)
{
  GMimeObject* msg_obj = GMIME_OBJECT(msg.get());
  GMimeHeaderList* headers = g_mime_object_get_header_list(msg_obj);
  if (g_mime_header_list_get_count(headers) == 0) {
    return fail(Errc::data, "the input message has no headers");
  }
  // A bare CR in a header value would become a line break once written with
  // CRLF (a new header, e.g. Bcc, outside or inside): header injection.
  for (int i = 0; i < g_mime_header_list_get_count(headers); ++i) {
    const std::string raw =
      str(g_mime_header_get_raw_value(g_mime_header_list_get_header_at(headers, i)));
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '\r' && (k + 1 == raw.size() || raw[k + 1] != '\n')) {
        return fail(Errc::data,
                    "a header contains a bare CR (RFC 5322 §2.2): refused as header injection");
      }
    }
  }
  PEERMAIL_TRY_ASSIGN(auto from, from_addresses(headers));
  if (from.size() != 1) {
    return fail(
      Errc::data,
      fmt::format("the message must have exactly one From address (found {})", from.size()),
      "SIG-01",
      "write a single \"From: Name <addr>\" header");
  }
  p.from_address = from.front();
  p.recipients = recipients_of(msg.get());
  GMimeObject* body = g_mime_message_get_mime_part(msg.get());
  if (body == nullptr) {
    GPtr<GMimeTextPart> empty(g_mime_text_part_new_with_subtype("plain"));
    g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(empty.get()));
    body = g_mime_message_get_mime_part(msg.get());
  }
  if (GMIME_IS_MULTIPART_SIGNED(body) || GMIME_IS_MULTIPART_ENCRYPTED(body)) {
    return fail(Errc::data, "the message is already PGP/MIME protected");
  }
  if (g_mime_message_get_message_id(msg.get()) == nullptr) {
    const std::string id = make_message_id(address::domain_of(p.from_address));
    g_mime_message_set_message_id(msg.get(), id.c_str());
  }
  p.message_id = str(g_mime_message_get_message_id(msg.get()));
  if (p.message_id.size() > k_max_message_id) {
    return fail(Errc::data,
                fmt::format("the Message-ID is longer than {} characters: no header line may "
                            "exceed 998 (RFC 5322 §2.1.1)",
                            k_max_message_id),
                "",
                "let peermail make the Message-ID (leave the header out)");
  }
  if (g_mime_header_list_get_header(headers, "Date") == nullptr) {
    GDateTime* now = g_date_time_new_now_utc();
    g_mime_message_set_date(msg.get(), now);
    g_date_time_unref(now);
  }

  // The inner entity: canonical leaves, then the protected headers (RFC 9788).
  canonicalize_for_signing(body);
  // Every header the sender wrote goes inside (k_reader_visible first, in
  // that order), so that nothing travels only in clear. Decoded values are
  // encoded again as UTF-8 (RFC 2047; GMime would pick a legacy charset).
  const int count = g_mime_header_list_get_count(headers);
  const auto inside = [](const std::string& name) {
    return !istarts_with(name, "Content-") && !iequals(name, "MIME-Version")
           && !iequals(name, "Bcc");
  };
  for (const char* name : k_reader_visible) {
    if (!inside(name)) {
      continue; // Bcc: never to the other recipients
    }
    for (int i = 0; i < count; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
      if (iequals(str(g_mime_header_get_name(h)), name)) {
        g_mime_object_append_header(body, name, g_mime_header_get_value(h), "utf-8");
      }
    }
  }
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const std::string name = str(g_mime_header_get_name(h));
    const bool visible = std::any_of(k_reader_visible.begin(),
                                     k_reader_visible.end(),
                                     [&name](const char* v) { return iequals(name, v); });
    if (inside(name) && !visible) {
      g_mime_object_append_header(body, name.c_str(), g_mime_header_get_value(h), "utf-8");
    }
  }
  g_mime_content_type_set_parameter(
    g_mime_object_get_content_type(body), "protected-headers", "v1");

  // The outer headers: when the content is confidential (encrypted), only
  // what may leave in clear (strict.hpp) and the Subject as the placeholder;
  // signed only, all but the content headers and Bcc.
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const std::string name = str(g_mime_header_get_name(h));
    if (iequals(name, "Subject") && subject == SubjectProtection::placeholder) {
      p.outer_headers += "Subject: [...]\r\n";
      continue;
    }
    const bool confidential = subject == SubjectProtection::placeholder;
    if (confidential && !iequals(name, "Subject") && !may_leave_in_clear(name)) {
      continue;
    }
    if (!confidential
        && (istarts_with(name, "Content-") || iequals(name, "MIME-Version")
            || iequals(name, "Bcc"))) {
      continue;
    }
    std::string raw = str(g_mime_header_get_raw_value(h));
    if (raw.empty() || raw.back() != '\n') {
      raw += '\n';
    }
    p.outer_headers += to_crlf(name + ":" + raw);
  }
  if (subject == SubjectProtection::placeholder
      && g_mime_header_list_get_header(headers, "Subject") == nullptr) {
    p.outer_headers += "Subject: [...]\r\n";
  }
  p.outer_headers += "MIME-Version: 1.0\r\n";
  return body;
}

} // namespace

std::string
raw_8bit_message()
{
  // Only input puts such bytes in the inner entity: raw 8-bit in a part
  // header, or a part declared base64 or quoted-printable whose content is
  // neither.
  return "the message has raw 8-bit bytes that cannot be made 7-bit safe "
         "(in a part header, or in a base64 or quoted-printable part)";
}

Result<Prepared>
prepare(std::string_view message, SubjectProtection subject)
{
  // A bare CR inside a header would become a line break once the headers are
  // written with CRLF (a new header, e.g. Bcc, in the outer headers): refuse
  // it as header injection (RFC 5322 §2.2).
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n'
        && (i + 1 == message.size() || message[i + 1] == '\n'
            || message.substr(i + 1, 2) == "\r\n")) {
      break; // the empty line that ends the header section
    }
    if (message[i] == '\r' && (i + 1 == message.size() || message[i + 1] != '\n')) {
      return fail(Errc::data,
                  "a header contains a bare CR (RFC 5322 §2.2): refused as header injection");
    }
  }
  auto msg = parse_gmime_message(message);
  if (!msg) {
    return fail(Errc::data, "the input is not an RFC 5322 message");
  }
  Prepared p;
  PEERMAIL_TRY_ASSIGN(GMimeObject * body, split_message(msg, subject, p));
  auto crlf = crlf_format();
  p.inner = to_crlf(to_bytes(body, crlf.get()));
  for (const unsigned char c : p.inner) {
    if (c >= 0x80 || c == 0) {
      return fail(Errc::data, raw_8bit_message());
    }
  }
  return p;
}

struct StreamPrepared::Impl
{
  GPtr<GMimeStream> input;
  GPtr<GMimeMessage> msg;
  GMimeObject* body = nullptr; // owned by msg
};

StreamPrepared::StreamPrepared()
  : m_impl(std::make_unique<Impl>())
{
}
StreamPrepared::StreamPrepared(StreamPrepared&&) noexcept = default;
StreamPrepared& StreamPrepared::operator=(StreamPrepared&&) noexcept = default;
StreamPrepared::~StreamPrepared() = default;

Result<void>
StreamPrepared::write_inner(int out_fd) const
{
  GPtr<GMimeStream> out(g_mime_stream_fs_new(out_fd));
  if (!out) {
    return fail(Errc::io, "cannot open a stream on the temporary file");
  }
  g_mime_stream_fs_set_owner(GMIME_STREAM_FS(out.get()), FALSE);
  auto crlf = crlf_format();
  if (g_mime_object_write_to_stream(m_impl->body, crlf.get(), out.get()) < 0
      || g_mime_stream_flush(out.get()) != 0) {
    return fail(Errc::io, "cannot write the message to the temporary file");
  }
  return {};
}

namespace {

// prepare()'s bare-CR check over the header section of `fd` (from its current
// offset, read with pread in chunks: the offset does not move).
Result<void>
check_header_cr_fd(int fd)
{
  enum class St { normal, after_lf, pending_cr, after_lf_cr };
  const auto refused = [] {
    return fail(Errc::data,
                "a header contains a bare CR (RFC 5322 §2.2): refused as header injection");
  };
  off_t pos = ::lseek(fd, 0, SEEK_CUR);
  if (pos < 0) {
    return fail(Errc::io, "cannot read the message");
  }
  St st = St::normal;
  std::array<char, 64 * 1024> buf{};
  for (;;) {
    const ssize_t got = ::pread(fd, buf.data(), buf.size(), pos);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return fail(Errc::io, "cannot read the message");
    }
    if (got == 0) {
      break;
    }
    pos += got;
    for (ssize_t i = 0; i < got; ++i) {
      const char c = buf[static_cast<std::size_t>(i)];
      switch (st) {
      case St::normal:
        st = c == '\n' ? St::after_lf : c == '\r' ? St::pending_cr : St::normal;
        break;
      case St::after_lf:
        if (c == '\n') {
          return {};
        }
        st = c == '\r' ? St::after_lf_cr : St::normal;
        break;
      case St::pending_cr:
        if (c != '\n') {
          return refused();
        }
        st = St::after_lf;
        break;
      case St::after_lf_cr:
        if (c != '\n') {
          return refused();
        }
        return {};
      }
    }
  }
  if (st == St::pending_cr || st == St::after_lf_cr) {
    return refused();
  }
  return {};
}

} // namespace

Result<StreamPrepared>
prepare_fd(int fd, SubjectProtection subject)
{
  PEERMAIL_TRY(check_header_cr_fd(fd));
  StreamPrepared sp;
  sp.m_impl->input.reset(g_mime_stream_fs_new(fd));
  if (!sp.m_impl->input) {
    return fail(Errc::io, "cannot read the message");
  }
  g_mime_stream_fs_set_owner(GMIME_STREAM_FS(sp.m_impl->input.get()), FALSE);
  // With a seekable stream and persist_stream, GMime keeps leaf contents as
  // substreams of the file: only headers and structure are held in memory.
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(sp.m_impl->input.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  g_mime_parser_set_persist_stream(parser.get(), TRUE);
  sp.m_impl->msg.reset(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!sp.m_impl->msg) {
    return fail(Errc::data, "the input is not an RFC 5322 message");
  }
  PEERMAIL_TRY_ASSIGN(sp.m_impl->body, split_message(sp.m_impl->msg, subject, sp.head));
  return sp;
}

std::string
assemble_signed(const Prepared& p, std::string_view signature, std::string_view micalg)
{
  const std::string sig = to_crlf(signature);
  const std::string b = random_boundary(p.inner + sig);
  std::string out = p.outer_headers;
  out += fmt::format(
    "Content-Type: multipart/signed; micalg=\"{}\";\r\n"
    " protocol=\"application/pgp-signature\";\r\n"
    " boundary=\"{}\"\r\n\r\n",
    micalg,
    b);
  out += k_signed_preamble;
  out += "\r\n";
  // RFC 3156 §5: the first part is exactly the signed entity; the CRLF
  // before the boundary belongs to the delimiter.
  out += fmt::format("--{}\r\n", b);
  out += p.inner;
  out += fmt::format("\r\n--{}\r\n", b);
  out +=
    "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
    "Content-Description: OpenPGP digital signature\r\n"
    "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n";
  out += sig;
  if (!sig.empty() && sig.back() != '\n') {
    out += "\r\n";
  }
  out += fmt::format("\r\n--{}--\r\n", b);
  return out;
}

std::string
new_boundary()
{
  return random_boundary({});
}

std::string
encrypted_head(const Prepared& p, std::string_view boundary)
{
  std::string out = p.outer_headers;
  out += fmt::format(
    "Content-Type: multipart/encrypted;\r\n"
    " protocol=\"application/pgp-encrypted\";\r\n"
    " boundary=\"{}\"\r\n\r\n",
    boundary);
  out += k_encrypted_preamble;
  out += "\r\n";
  out += fmt::format("--{}\r\n", boundary);
  out +=
    "Content-Type: application/pgp-encrypted\r\n"
    "Content-Description: PGP/MIME version identification\r\n\r\n"
    "Version: 1\r\n\r\n";
  out += fmt::format("--{}\r\n", boundary);
  out +=
    "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
    "Content-Description: OpenPGP encrypted message\r\n"
    "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n";
  return out;
}

std::string
encrypted_tail(std::string_view boundary, bool body_ended_with_newline)
{
  std::string out = body_ended_with_newline ? "" : "\r\n";
  out += fmt::format("\r\n--{}--\r\n", boundary);
  return out;
}

std::string
assemble_encrypted(const Prepared& p, std::string_view ciphertext)
{
  const std::string body = to_crlf(ciphertext);
  const std::string b = random_boundary(body);
  std::string out = encrypted_head(p, b);
  out += body;
  out += encrypted_tail(b, body.empty() || body.back() == '\n');
  return out;
}

void
CrlfNormalizer::feed(std::string_view in, std::string& out)
{
  for (const char c : in) {
    if (c == '\n') {
      out += "\r\n";
      m_cr = false;
      continue;
    }
    if (m_cr) {
      out += "\r\n"; // a lone CR
    }
    m_cr = c == '\r';
    if (!m_cr) {
      out += c;
    }
  }
}

void
CrlfNormalizer::finish(std::string& out)
{
  if (m_cr) {
    out += "\r\n";
    m_cr = false;
  }
}

} // namespace peermail::mime
