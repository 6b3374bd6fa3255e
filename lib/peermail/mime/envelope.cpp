// SPDX-License-Identifier: GPL-3.0-or-later
#include "envelope.hpp"

#include "addresses.hpp"
#include "compose.hpp"
#include "gobject.hpp"
#include "strict.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/format.h>
#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace peermail::mime {

namespace {

// Parse every header named `name` in `headers` as an address list.
void
collect_header(GMimeHeaderList* headers, const char* name, std::vector<std::string>& out)
{
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0) {
      continue;
    }
    for (auto& a : envelope_addresses(parse_address_header(h).get())) {
      if (!a.empty()) {
        out.push_back(std::move(a));
      }
    }
  }
}

constexpr std::string_view k_armor_begin = "-----BEGIN PGP MESSAGE-----";
constexpr std::string_view k_armor_end = "-----END PGP MESSAGE-----";

bool
is_type(GMimeObject* obj, const char* type, const char* subtype)
{
  GMimeContentType* ct = obj != nullptr ? g_mime_object_get_content_type(obj) : nullptr;
  return ct != nullptr && g_mime_content_type_is_type(ct, type, subtype);
}

struct Judged
{
  Protection protection = Protection::none;
  std::string ciphertext;
  std::string reason;
  bool smime_authenticated = false;
};

// Judge the PGP/MIME structure of `top` (RFC 3156 §4) strictly.
Judged
judge_pgp_mime(GMimeObject* top)
{
  Judged j;
  auto refuse = [&j](std::string why) {
    j.reason = "its multipart/encrypted structure is not strict PGP/MIME (RFC 3156 §4): " + why;
    return j;
  };
  if (!GMIME_IS_MULTIPART(top)) {
    return refuse("it has no parts");
  }
  auto* mp = GMIME_MULTIPART(top);
  if (g_mime_multipart_get_count(mp) != 2) {
    return refuse("it must have exactly two parts");
  }
  // RFC 2046 §5.1.1: a non-MIME reader shows the preamble and epilogue,
  // and they travel in clear (strict.hpp: quiet_preamble).
  if (!quiet_preamble(str(g_mime_multipart_get_prologue(mp)))
      || !util::trim(str(g_mime_multipart_get_epilogue(mp))).empty()) {
    return refuse("text outside the MIME parts (preamble or epilogue) would travel in clear");
  }
  GMimeObject* version = g_mime_multipart_get_part(mp, 0);
  GMimeObject* body = g_mime_multipart_get_part(mp, 1);
  if (!GMIME_IS_PART(version) || !is_type(version, "application", "pgp-encrypted")) {
    return refuse("the first part must be application/pgp-encrypted");
  }
  if (util::trim(decoded_content(GMIME_PART(version))) != "Version: 1") {
    return refuse("the first part must hold \"Version: 1\" and nothing else");
  }
  if (!GMIME_IS_PART(body) || !is_type(body, "application", "octet-stream")) {
    return refuse("the second part must be application/octet-stream");
  }
  std::string armored = decoded_content(GMIME_PART(body));
  if (auto why = armor_problem(armored); !why.empty()) {
    return refuse("the second part: " + why);
  }
  j.protection = Protection::pgp_mime_encrypted;
  j.ciphertext = std::string(util::trim(armored));
  return j;
}

// The transfer-encoded content of `part` exactly as it is in the message.
std::string
raw_content(GMimePart* part)
{
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  GMimeStream* raw = content != nullptr ? g_mime_data_wrapper_get_stream(content) : nullptr;
  if (raw == nullptr) {
    return {};
  }
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_stream_reset(raw);
  if (g_mime_stream_write_to_stream(raw, mem.get()) < 0) {
    return {};
  }
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

// True when `text` is base64 and nothing else (RFC 2045 §6.8), strictly:
// lines of the base64 alphabet, padding only at the very end, whole groups
// of four. A decoder skips anything else, and what it skips travels in
// clear; data after the padding some decoders read and others do not.
bool
strict_base64(std::string_view text)
{
  std::size_t chars = 0;
  bool padded = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    for (const char c : line) {
      if (c == '=') {
        padded = true;
      } else if (padded
                 || (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '/')) {
        return false;
      }
      ++chars;
    }
  }
  return chars > 0 && chars % 4 == 0;
}

// Judge the S/MIME enveloped-data entity `top` (RFC 8551 §3.3) strictly:
// smime-type enveloped-data (or authEnveloped-data), one part, base64 and
// nothing else. The DER itself is judged by crypto/ (cms_recipients.hpp).
Judged
judge_smime(GMimeObject* top, GMimeContentType* ct)
{
  Judged j;
  const char* st = g_mime_content_type_get_parameter(ct, "smime-type");
  if (st == nullptr
      || (g_ascii_strcasecmp(st, "enveloped-data") != 0
          && g_ascii_strcasecmp(st, "authEnveloped-data") != 0)) {
    j.reason =
      fmt::format("its smime-type is {}, not enveloped-data: it is not encrypted (RFC 8551 §3.2.2)",
                  st != nullptr ? st : "missing");
    return j;
  }
  const std::string not_base64 =
    "the S/MIME part must be base64 and hold nothing else (text there would travel in clear)";
  if (!GMIME_IS_PART(top)
      || g_mime_part_get_content_encoding(GMIME_PART(top)) != GMIME_CONTENT_ENCODING_BASE64
      || !strict_base64(raw_content(GMIME_PART(top)))) {
    j.reason = not_base64;
    return j;
  }
  j.ciphertext = decoded_content(GMIME_PART(top));
  if (j.ciphertext.empty()) {
    j.reason = not_base64;
    return j;
  }
  j.protection = Protection::smime_enveloped;
  j.smime_authenticated = g_ascii_strcasecmp(st, "authEnveloped-data") == 0;
  return j;
}

// Return the name of a header that decides the structure and appears more
// than once in `headers` (one reader takes the first, another the last),
// or nullptr.
const char*
duplicate_structure_header(GMimeHeaderList* headers)
{
  for (const char* name : {"Content-Type", "Content-Transfer-Encoding"}) {
    int seen = 0;
    const int n = g_mime_header_list_get_count(headers);
    for (int i = 0; i < n; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
      if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0) {
        ++seen;
      }
    }
    if (seen > 1) {
      return name;
    }
  }
  return nullptr;
}

Judged
protection_of(GMimeObject* top, GMimeHeaderList* message_headers)
{
  Judged j;
  if (top == nullptr) {
    return j;
  }
  GMimeContentType* ct = g_mime_object_get_content_type(top);
  if (ct == nullptr) {
    return j;
  }
  for (GMimeHeaderList* h : {message_headers, g_mime_object_get_header_list(top)}) {
    if (const char* dup = h != nullptr ? duplicate_structure_header(h) : nullptr; dup != nullptr) {
      j.reason =
        fmt::format("it has more than one {} header; readers would differ on what it is", dup);
      return j;
    }
  }
  if (g_mime_content_type_is_type(ct, "multipart", "encrypted")) {
    const char* proto = g_mime_content_type_get_parameter(ct, "protocol");
    if (proto != nullptr && g_ascii_strcasecmp(proto, "application/pgp-encrypted") == 0) {
      return judge_pgp_mime(top);
    }
    j.reason = "its multipart/encrypted protocol is not application/pgp-encrypted";
    return j;
  }
  if (g_mime_content_type_is_type(ct, "application", "pkcs7-mime")
      || g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime")) {
    return judge_smime(top, ct);
  }
  return j;
}

void
remove_all(GMimeObject* obj, const char* name)
{
  GMimeHeaderList* headers = g_mime_object_get_header_list(obj);
  while (g_mime_header_list_contains(headers, name)) {
    if (!g_mime_header_list_remove(headers, name)) {
      break;
    }
  }
}

// RFC 5321 §2.3.8: lines end in CRLF on the wire. Bare LF becomes CRLF.
std::string
to_crlf(std::string_view in)
{
  std::string out;
  out.reserve(in.size() + in.size() / 40);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
      out.push_back('\r');
    }
    out.push_back(in[i]);
  }
  return out;
}

// A bare CR in a header value becomes a line break once written with CRLF:
// a header (or an SMTP command) the author never wrote.
bool
has_bare_cr_in_headers(GMimeHeaderList* headers)
{
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    const char* raw = g_mime_header_get_raw_value(g_mime_header_list_get_header_at(headers, i));
    for (const char* c = raw; c != nullptr && *c != '\0'; ++c) {
      if (*c == '\r' && c[1] != '\n') {
        return true;
      }
    }
  }
  return false;
}

// Every address that becomes an SMTP envelope address must pass the one
// address rule (address/mailbox.hpp): no control bytes, spaces or quoting
// that could end an SMTP command early (RFC 5321 §4.1.2).
Result<void>
check_addresses(const char* header, const std::vector<std::string>& list)
{
  for (const auto& a : list) {
    if (auto r = address::check_address(a); !r) {
      auto e = address::invalid(header, a, r.error().message);
      e.fix = "fix the message's address headers (user@example.org)";
      return unexpected(std::move(e));
    }
  }
  return {};
}

} // namespace

std::vector<std::string>
OutgoingMessage::all_recipients() const
{
  std::vector<std::string> out;
  for (const auto* list : {&to, &cc, &bcc}) {
    for (const auto& a : *list) {
      const auto same = [&](const std::string& b) {
        return util::to_lower(a) == util::to_lower(b);
      };
      if (std::none_of(out.begin(), out.end(), same)) {
        out.push_back(a);
      }
    }
  }
  return out;
}

Result<OutgoingMessage>
parse_outgoing(std::string_view bytes)
{
  if (util::trim(bytes).empty()) {
    return fail(Errc::data, "the message is empty");
  }
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!msg) {
    return fail(Errc::data, "the input is not an RFC 5322 message (no header block)");
  }
  auto* obj = GMIME_OBJECT(msg.get());
  GMimeHeaderList* headers = g_mime_object_get_header_list(obj);
  if (g_mime_header_list_get_count(headers) == 0) {
    return fail(Errc::data, "the input is not an RFC 5322 message (no header block)");
  }

  if (has_bare_cr_in_headers(headers)) {
    return fail(Errc::data,
                "a header contains a bare CR (RFC 5322 §2.2): refused as header injection");
  }

  OutgoingMessage out;
  collect_header(headers, "From", out.from);
  collect_header(headers, "To", out.to);
  collect_header(headers, "Cc", out.cc);
  collect_header(headers, "Bcc", out.bcc);
  collect_header(headers, "Resent-Bcc", out.bcc);
  PEERMAIL_TRY(check_addresses("To", out.to));
  PEERMAIL_TRY(check_addresses("Cc", out.cc));
  PEERMAIL_TRY(check_addresses("Bcc", out.bcc));
  if (const char* id = g_mime_message_get_message_id(msg.get()); id != nullptr) {
    out.message_id = id;
  }
  auto judged = protection_of(g_mime_message_get_mime_part(msg.get()), headers);
  out.protection = judged.protection;
  out.ciphertext = std::move(judged.ciphertext);
  out.not_protected_reason = std::move(judged.reason);
  out.smime_authenticated = judged.smime_authenticated;

  // Bcc recipients must not learn of each other (RFC 5322 §3.6.3).
  remove_all(obj, "Bcc");
  remove_all(obj, "Resent-Bcc");
  FormatOptions fmt = crlf_format();
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  if (g_mime_object_write_to_stream(obj, fmt.get(), mem.get()) < 0) {
    return fail(Errc::internal, "cannot serialise the message");
  }
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  out.wire = to_crlf(std::string_view(reinterpret_cast<const char*>(arr->data), arr->len));
  return out;
}

std::string
armor_problem(std::string_view text)
{
  const std::string_view t = util::trim(text);
  if (t.rfind(k_armor_begin, 0) != 0) {
    return "it must begin with \"-----BEGIN PGP MESSAGE-----\"; nothing may stand outside the "
           "armor";
  }
  if (t.size() < k_armor_end.size() || t.substr(t.size() - k_armor_end.size()) != k_armor_end) {
    return "it must end with \"-----END PGP MESSAGE-----\"; nothing may stand outside the armor";
  }
  // Lines between BEGIN and END: armor headers, one empty line, radix-64.
  std::string_view inner = t.substr(k_armor_begin.size(), t.size() - k_armor_begin.size());
  inner = inner.substr(0, inner.size() - k_armor_end.size());
  // BEGIN and END stand on lines of their own.
  const auto first_nl = inner.find('\n');
  if (first_nl == std::string_view::npos || util::trim(inner.substr(0, first_nl)) != ""
      || inner.back() != '\n') {
    return "the BEGIN and END lines of the armor must stand alone";
  }
  bool in_headers = true;
  std::size_t pos = first_nl + 1;
  while (pos < inner.size()) {
    auto nl = inner.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = inner.size();
    }
    std::string_view line = inner.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (in_headers) {
      if (line.empty()) {
        in_headers = false;
      } else if (line.rfind("Version: ", 0) != 0) {
        return line.rfind("-----", 0) == 0
                 ? "it must hold exactly one PGP MESSAGE block"
                 : "an armor header other than Version (text there would travel in clear)";
      }
      continue;
    }
    const bool radix64 = std::all_of(line.begin(), line.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' || c == '=';
    });
    if (!radix64) {
      return line.rfind("-----", 0) == 0 ? "it must hold exactly one PGP MESSAGE block"
                                         : "a line inside the armor is not radix-64";
    }
  }
  if (in_headers) {
    return "the armor has no body";
  }
  return "";
}

} // namespace peermail::mime
