// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspect.hpp"

#include "addresses.hpp"
#include "gobject.hpp"
#include "pgp_mime.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <strings.h>

#include <array>
#include <set>

namespace peermail::mime {

namespace {

constexpr std::string_view k_begin_signed = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view k_end_signature = "-----END PGP SIGNATURE-----";
constexpr std::string_view k_begin_message = "-----BEGIN PGP MESSAGE-----";
constexpr std::string_view k_end_message = "-----END PGP MESSAGE-----";

bool
iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool
blank(std::string_view s)
{
  return util::trim(s).empty();
}

// RFC 2046 §5.1.1: MIME readers ignore the preamble and epilogue, but a
// non-MIME reader shows them. Accept only whitespace, or the one-line
// boilerplate that PGP/MIME writers (peermail, Thunderbird, Enigmail) put
// into the preamble.
bool
quiet_prologue(const char* text)
{
  const std::string_view t = util::trim(text != nullptr ? text : "");
  if (t.empty()) {
    return true;
  }
  return t.find('\n') == std::string_view::npos
         && (t.rfind("This is an OpenPGP/MIME", 0) == 0
             || t.rfind("This is a multi-part message in MIME format", 0) == 0);
}

bool
quiet_boundaries(GMimeMultipart* mp, std::vector<std::string>& warnings)
{
  const bool ok = quiet_prologue(g_mime_multipart_get_prologue(mp))
                  && blank(str(g_mime_multipart_get_epilogue(mp)));
  if (!ok) {
    warnings.emplace_back("text outside the MIME parts (preamble or epilogue) is not signed");
  }
  return ok;
}

// Find `marker` at the start of a line in `text`.
std::size_t
find_line(std::string_view text, std::string_view marker, std::size_t from = 0)
{
  for (auto pos = text.find(marker, from); pos != std::string_view::npos;
       pos = text.find(marker, pos + 1)) {
    if (pos == 0 || text[pos - 1] == '\n') {
      return pos;
    }
  }
  return std::string_view::npos;
}

// The headers RFC 9788 §4.2 protects that a reader sees and compares.
constexpr std::array<const char*, 7> k_compared = {
  "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID"};

// The instant an RFC 5322 date names, in seconds since the epoch.
std::optional<std::int64_t>
date_seconds(const char* value)
{
  GDateTime* t = g_mime_utils_header_decode_date(value);
  if (t == nullptr) {
    return std::nullopt;
  }
  const std::int64_t secs = g_date_time_to_unix(t);
  g_date_time_unref(t);
  return secs;
}

// A header value as a reader sees it: decoded, unfolded, runs of
// whitespace as one space, trimmed. Address headers compare by their
// lower-cased addresses; Date by the instant it names.
std::string
comparable(std::string_view name, GMimeHeader* h)
{
  const char* value = g_mime_header_get_value(h);
  if (iequals(name, "From") || iequals(name, "To") || iequals(name, "Cc")
      || iequals(name, "Reply-To")) {
    GPtr<InternetAddressList> list(internet_address_list_parse(nullptr, value));
    std::string out;
    for (const auto& a : mailbox_addresses(list.get())) {
      out += a;
      out += ',';
    }
    return out;
  }
  if (iequals(name, "Date")) {
    if (auto secs = date_seconds(value); secs) {
      return std::to_string(*secs);
    }
  }
  const std::string raw = str(value);
  std::string out;
  for (const char c : util::trim(raw)) {
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space && (out.empty() || out.back() == ' ')) {
      continue;
    }
    out.push_back(space ? ' ' : c);
  }
  return out;
}

// Every value of header `name` in `headers`, comparable, joined by newlines.
std::optional<std::string>
comparable_values(GMimeHeaderList* headers, const char* name)
{
  std::optional<std::string> out;
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    if (iequals(str(g_mime_header_get_name(h)), name)) {
      out = out ? *out + "\n" + comparable(name, h) : comparable(name, h);
    }
  }
  return out;
}

// RFC 9788: a signed-only message whose outer headers differ from its
// protected ones shows the reader headers the signer never signed (an old
// signed body replayed under a new Subject, Date or Message-ID). Returns
// the names that differ.
std::vector<std::string>
outer_headers_differing(GMimeHeaderList* outer, const ProtectedHeaders& ph)
{
  std::vector<std::string> out;
  for (const auto& [name, inner] : ph.fields) {
    const auto seen = comparable_values(outer, name.c_str());
    if (seen && *seen != inner) {
      out.push_back(name);
    }
  }
  return out;
}

std::optional<ProtectedHeaders>
protected_headers_of(GMimeObject* entity, GMimeHeaderList* headers)
{
  const char* v = g_mime_object_get_content_type_parameter(entity, "protected-headers");
  if (v == nullptr) {
    return std::nullopt;
  }
  ProtectedHeaders ph;
  auto from = from_addresses(headers);
  if (from) {
    ph.from = std::move(*from);
  }
  if (GMimeHeader* s = g_mime_header_list_get_header(headers, "Subject"); s != nullptr) {
    ph.subject = str(g_mime_header_get_value(s));
  }
  for (const char* name : k_compared) {
    if (auto value = comparable_values(headers, name); value) {
      ph.fields.emplace_back(name, std::move(*value));
    }
  }
  return ph;
}

bool
protocol_is(GMimeObject* obj, std::string_view want)
{
  const char* p = g_mime_object_get_content_type_parameter(obj, "protocol");
  return p != nullptr && iequals(p, want);
}

// Examine `obj` as the candidate protected node. Return false when it is
// not protected at all.
bool
examine(GMimeObject* obj, bool at_root, Inspection& ins)
{
  if (GMIME_IS_MULTIPART_SIGNED(obj)) {
    auto* mp = GMIME_MULTIPART(obj);
    if (!protocol_is(obj, "application/pgp-signature")) {
      ins.shape = Shape::unsupported;
      ins.warnings.emplace_back(
        "multipart/signed with a protocol other than OpenPGP is not judged");
      return true;
    }
    ins.shape = Shape::signed_mime;
    if (g_mime_multipart_get_count(mp) != 2) {
      ins.malformed = "multipart/signed does not have exactly two parts (RFC 3156 §5)";
      return true;
    }
    GMimeObject* content = g_mime_multipart_get_part(mp, 0);
    GMimeObject* sig = g_mime_multipart_get_part(mp, 1);
    GMimeContentType* sct = g_mime_object_get_content_type(sig);
    if (!GMIME_IS_PART(sig) || sct == nullptr
        || !g_mime_content_type_is_type(sct, "application", "pgp-signature")) {
      ins.malformed = "the second part of multipart/signed is not application/pgp-signature";
      return true;
    }
    auto crlf = crlf_format();
    ins.signed_content = to_crlf(to_bytes(content, crlf.get()));
    ins.signature = decoded_content(GMIME_PART(sig));
    ins.covers_all = at_root && quiet_boundaries(mp, ins.warnings);
    ins.protected_headers = protected_headers_of(content, g_mime_object_get_header_list(content));
    return true;
  }
  if (GMIME_IS_MULTIPART_ENCRYPTED(obj)) {
    auto* mp = GMIME_MULTIPART(obj);
    if (!protocol_is(obj, "application/pgp-encrypted")) {
      ins.shape = Shape::unsupported;
      ins.warnings.emplace_back(
        "multipart/encrypted with a protocol other than OpenPGP is not judged");
      return true;
    }
    ins.shape = Shape::encrypted_mime;
    if (g_mime_multipart_get_count(mp) != 2 || !GMIME_IS_PART(g_mime_multipart_get_part(mp, 1))) {
      ins.malformed = "multipart/encrypted does not have exactly two parts (RFC 3156 §4)";
      return true;
    }
    ins.payload = decoded_content(GMIME_PART(g_mime_multipart_get_part(mp, 1)));
    ins.covers_all = at_root && quiet_boundaries(mp, ins.warnings);
    return true;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    if (at_root) {
      return false; // searched by the caller
    }
    auto* mp = GMIME_MULTIPART(obj);
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) {
      if (examine(g_mime_multipart_get_part(mp, i), false, ins)) {
        return true;
      }
    }
    return false;
  }
  if (!GMIME_IS_PART(obj)) {
    return false; // message/rfc822 attachments are someone else's message
  }
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (ct == nullptr || !g_mime_content_type_is_type(ct, "text", "*")) {
    return false;
  }
  const std::string text = decoded_content(GMIME_PART(obj));
  for (auto [begin, end, shape] : {
         std::tuple{k_begin_signed,  k_end_signature, Shape::inline_signed   },
         std::tuple{k_begin_message, k_end_message,   Shape::inline_encrypted}
  }) {
    const auto b = find_line(text, begin);
    if (b == std::string::npos) {
      continue;
    }
    ins.shape = shape;
    const auto e = find_line(text, end, b);
    if (e == std::string::npos) {
      ins.malformed = "an inline OpenPGP block has no end line";
      return true;
    }
    auto stop = text.find('\n', e);
    stop = stop == std::string::npos ? text.size() : stop + 1;
    ins.payload = text.substr(b, stop - b);
    const bool alone =
      blank(std::string_view(text).substr(0, b)) && blank(std::string_view(text).substr(stop));
    if (!alone) {
      ins.warnings.emplace_back("text outside the inline OpenPGP block is not protected");
    }
    if (find_line(text, begin, stop) != std::string::npos) {
      ins.warnings.emplace_back("more than one inline OpenPGP block");
    }
    ins.covers_all = at_root && alone && find_line(text, begin, stop) == std::string::npos;
    return true;
  }
  return false;
}

} // namespace

Result<Inspection>
inspect(std::string_view bytes)
{
  if (blank(bytes)) {
    return fail(Errc::data, "the input is empty");
  }
  auto msg = parse_gmime_message(bytes);
  if (!msg) {
    return fail(Errc::data, "the input is not an RFC 5322 message");
  }
  GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(msg.get()));
  GMimeObject* root = g_mime_message_get_mime_part(msg.get());
  const int root_headers =
    root != nullptr ? g_mime_header_list_get_count(g_mime_object_get_header_list(root)) : 0;
  if (g_mime_header_list_get_count(headers) == 0 && root_headers == 0) {
    return fail(Errc::data, "the input has no message headers");
  }
  Inspection ins;
  if (auto from = from_addresses(headers); from) {
    ins.from = std::move(*from);
  }
  if (GMimeHeader* d = g_mime_header_list_get_header(headers, "Date"); d != nullptr) {
    ins.date = date_seconds(g_mime_header_get_value(d));
  }
  if (root == nullptr) {
    return ins;
  }
  if (examine(root, true, ins)) {
    if (ins.shape == Shape::encrypted_mime || ins.shape == Shape::inline_encrypted) {
      ins.protected_headers.reset(); // they are inside, found after decryption
    }
    if (ins.shape == Shape::signed_mime && ins.protected_headers) {
      const auto differ = outer_headers_differing(headers, *ins.protected_headers);
      if (!differ.empty()) {
        ins.covers_all = false;
        ins.warnings.push_back(
          fmt::format("outer headers differ from the signed (protected) ones ({}): a reader "
                      "sees headers the signer did not sign",
                      fmt::join(differ, ", ")));
      }
    }
    return ins;
  }
  if (GMIME_IS_MULTIPART(root)) {
    // Not protected at the root: find a protected part further down; it
    // cannot cover everything, and its headers protect nothing a reader sees.
    auto* mp = GMIME_MULTIPART(root);
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n && !examine(g_mime_multipart_get_part(mp, i), false, ins); ++i) {
    }
    ins.covers_all = false;
    ins.protected_headers.reset();
  }
  if (ins.shape == Shape::plain) {
    // A decrypted entity names its protected headers on its own root.
    ins.protected_headers = protected_headers_of(root, headers);
  }
  return ins;
}

Result<std::string>
restore_decrypted(std::string_view outer, std::string_view inner)
{
  auto out_msg = parse_gmime_message(outer);
  auto in_msg = parse_gmime_message(inner);
  if (!out_msg || !in_msg) {
    return fail(Errc::data, "cannot parse the decrypted message");
  }
  std::set<std::string> inner_names;
  GMimeHeaderList* ih = g_mime_object_get_header_list(GMIME_OBJECT(in_msg.get()));
  for (int i = 0; i < g_mime_header_list_get_count(ih); ++i) {
    inner_names.insert(
      util::to_lower(str(g_mime_header_get_name(g_mime_header_list_get_header_at(ih, i)))));
  }
  const bool crlf = inner.find("\r\n") != std::string_view::npos;
  std::string out;
  GMimeHeaderList* oh = g_mime_object_get_header_list(GMIME_OBJECT(out_msg.get()));
  for (int i = 0; i < g_mime_header_list_get_count(oh); ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(oh, i);
    const std::string name = str(g_mime_header_get_name(h));
    const std::string lname = util::to_lower(name);
    if (lname.rfind("content-", 0) == 0 || lname == "mime-version"
        || inner_names.count(lname) != 0) {
      continue;
    }
    std::string raw = str(g_mime_header_get_raw_value(h));
    if (raw.empty() || raw.back() != '\n') {
      raw += '\n';
    }
    out += name + ":" + raw;
  }
  out += "MIME-Version: 1.0\n";
  if (crlf) {
    out = to_crlf(out);
  }
  out += inner;
  return out;
}

} // namespace peermail::mime
