// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspect.hpp"

#include "addresses.hpp"
#include "gobject.hpp"
#include "pgp_mime.hpp"
#include "strict.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <strings.h>

#include <array>
#include <charconv>
#include <optional>
#include <set>

namespace peermail::mime {

namespace {

constexpr std::string_view k_begin_signed = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view k_begin_signature = "-----BEGIN PGP SIGNATURE-----";
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

bool
quiet_boundaries(GMimeMultipart* mp, std::vector<std::string>& warnings)
{
  const bool ok = quiet_preamble(str(g_mime_multipart_get_prologue(mp)))
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

bool
is_address_header(std::string_view name)
{
  constexpr std::array<const char*, 13> k_address = {"From",
                                                     "Sender",
                                                     "To",
                                                     "Cc",
                                                     "Bcc",
                                                     "Reply-To",
                                                     "Mail-Reply-To",
                                                     "Mail-Followup-To",
                                                     "Resent-From",
                                                     "Resent-Sender",
                                                     "Resent-Reply-To",
                                                     "Disposition-Notification-To",
                                                     "Return-Receipt-To"};
  return header_in(name, k_address);
}

// The comments "(…)" in a raw header value, outside quoted strings: a
// reader sees them, GMime's address parser drops them.
std::string
comments_of(std::string_view raw)
{
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      if (depth > 0) {
        out.push_back(raw[i + 1]);
      }
      ++i;
      continue;
    }
    if (depth == 0 && c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '(') {
      out += depth++ == 0 ? " (" : "(";
    } else if (!quoted && c == ')' && depth > 0) {
      out.push_back(')');
      --depth;
    } else if (depth > 0) {
      out.push_back(c);
    }
  }
  return out;
}

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

// `s` unfolded, runs of whitespace as one space, trimmed.
std::string
collapse_space(std::string_view s)
{
  std::string out;
  for (const char c : util::trim(s)) {
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space && (out.empty() || out.back() == ' ')) {
      continue;
    }
    out.push_back(space ? ' ' : c);
  }
  return out;
}

// A header value as a reader sees it: decoded, unfolded, runs of
// whitespace as one space, trimmed. Address headers compare by their
// lower-cased addresses (parsed from the raw value); Date by the instant.
std::string
comparable(std::string_view name, GMimeHeader* h)
{
  if (is_address_header(name)) {
    // What a reader sees: display names (decoded), groups and addresses as
    // GMime formats them, so that quoting and encoding do not matter, plus
    // any comments; compared without case.
    auto list = parse_address_header(h);
    char* shown = internet_address_list_to_string(list.get(), nullptr, FALSE);
    std::string out = util::to_lower(str(shown)) + comments_of(str(g_mime_header_get_raw_value(h)));
    g_free(shown);
    return collapse_space(out);
  }
  const char* value = g_mime_header_get_value(h);
  if (iequals(name, "Date")) {
    if (auto secs = date_seconds(value); secs) {
      return std::to_string(*secs);
    }
  }
  return collapse_space(str(value));
}

// The visible headers of `headers`, comparable. Duplicates were refused
// before (strict.hpp), so each name has one value.
std::vector<Field>
visible_fields(GMimeHeaderList* headers)
{
  std::vector<Field> out;
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const std::string name = str(g_mime_header_get_name(h));
    for (const char* v : k_reader_visible) {
      if (iequals(name, v)) {
        out.emplace_back(v, comparable(v, h));
      }
    }
  }
  return out;
}

// The epoch seconds comparable() made of a Date, if it could.
std::optional<std::int64_t>
epoch_of(std::string_view s)
{
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

const std::string*
field(const std::vector<Field>& fields, std::string_view name)
{
  for (const auto& [n, v] : fields) {
    if (n == name) {
      return &v;
    }
  }
  return nullptr;
}

// An outer Subject that only says "encrypted" (RFC 9788 §4.5 and what
// Thunderbird, Enigmail and K-9 write).
bool
obscured_subject(std::string_view s)
{
  for (const char* p : {"", "...", "[...]", "Encrypted Message", "Encrypted message"}) {
    if (s == p) {
      return true;
    }
  }
  return false;
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
  ph.fields = visible_fields(headers);
  return ph;
}

bool
protocol_is(GMimeObject* obj, std::string_view want)
{
  const char* p = g_mime_object_get_content_type_parameter(obj, "protocol");
  return p != nullptr && iequals(p, want);
}

bool
type_is(GMimeObject* obj, const char* type, const char* subtype)
{
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  return ct != nullptr && g_mime_content_type_is_type(ct, type, subtype);
}

// What examine() needs besides the node: the bytes as received.
struct Context
{
  std::string_view bytes;
  Inspection& ins;
  // The multiparts (and part numbers) from the root down to the node being
  // examined: how its bytes as received are found (received_bytes).
  std::vector<std::pair<GMimeMultipart*, int>> path = {};
};

// The bytes of the node at the end of `c.path` exactly as received (its
// header block and body), or nothing when the delimiters as received do
// not give the parts GMime found.
std::optional<std::string_view>
received_bytes(const Context& c)
{
  std::optional<std::string_view> view = c.bytes;
  for (const auto& [mp, index] : c.path) {
    view = raw_part(*view, str(g_mime_multipart_get_boundary(mp)), index);
    if (!view) {
      return std::nullopt;
    }
  }
  return view;
}

// multipart/signed, OpenPGP (RFC 3156 §5) or S/MIME (RFC 8551 §3.5).
bool
examine_signed(GMimeObject* obj, bool at_root, Context& c, bool smime)
{
  Inspection& ins = c.ins;
  auto* mp = GMIME_MULTIPART(obj);
  ins.shape = smime ? Shape::smime : Shape::signed_mime;
  ins.smime_detached = smime;
  if (g_mime_multipart_get_count(mp) != 2) {
    ins.malformed = smime ? "multipart/signed does not have exactly two parts (RFC 8551 §3.5)"
                          : "multipart/signed does not have exactly two parts (RFC 3156 §5)";
    return true;
  }
  GMimeObject* content = g_mime_multipart_get_part(mp, 0);
  GMimeObject* sig = g_mime_multipart_get_part(mp, 1);
  if (smime) {
    if (!GMIME_IS_PART(sig)
        || !(type_is(sig, "application", "pkcs7-signature")
             || type_is(sig, "application", "x-pkcs7-signature"))) {
      ins.malformed = "the second part of multipart/signed is not application/pkcs7-signature";
      return true;
    }
    ins.signature = decoded_content(GMIME_PART(sig));
  } else {
    if (!GMIME_IS_PART(sig) || !type_is(sig, "application", "pgp-signature")) {
      ins.malformed = "the second part of multipart/signed is not application/pgp-signature";
      return true;
    }
    ins.signature = decoded_content(GMIME_PART(sig));
    if (!armor_only(ins.signature, k_begin_signature, k_end_signature)) {
      ins.malformed = "the signature part holds text outside one armored signature";
      return true;
    }
  }
  // Verify over the bytes received (also for a signed part further down,
  // inside a list's multipart/mixed), and only if GMime reads them the same
  // way: a header line it drops or a part it splits differently would show
  // one reader what another never verified. GMime writes the line breaks
  // after a close delimiter its own way (close_delimiter_line_breaks).
  auto crlf = crlf_format();
  const std::string parsed = to_crlf(to_bytes(content, crlf.get()));
  auto entity = received_bytes(c);
  std::optional<std::string_view> raw;
  if (entity) {
    raw = raw_part(*entity, str(g_mime_multipart_get_boundary(mp)), 0);
  }
  const std::string received = raw ? to_crlf(std::string(*raw)) : std::string();
  if (!raw
      || (received != parsed
          && close_delimiter_line_breaks(received) != close_delimiter_line_breaks(parsed))) {
    ins.malformed =
      "the signed part reads differently to different mail readers (it is not "
      "exactly the bytes between the first two MIME boundaries)";
    return true;
  }
  ins.signed_content = received;
  ins.covers_all = at_root && quiet_boundaries(mp, ins.warnings);
  ins.protected_headers = protected_headers_of(content, g_mime_object_get_header_list(content));
  return true;
}

// RFC 3156 §4 from its two parts: "Version: 1", then one armored message.
bool
examine_encrypted(GMimeObject* version, GMimeObject* data, bool covers, Inspection& ins)
{
  ins.shape = Shape::encrypted_mime;
  if (!GMIME_IS_PART(version) || !type_is(version, "application", "pgp-encrypted")
      || !GMIME_IS_PART(data)) {
    ins.malformed = "multipart/encrypted does not have the two parts of RFC 3156 §4";
    return true;
  }
  if (util::trim(decoded_content(GMIME_PART(version))) != "Version: 1") {
    ins.malformed = "the PGP/MIME version part holds more than \"Version: 1\"";
    return true;
  }
  ins.payload = decoded_content(GMIME_PART(data));
  // Binary OpenPGP (a packet header has its top bit set) holds no text a
  // reader could see; anything else is exactly one armored message.
  const bool binary =
    !ins.payload.empty() && (static_cast<unsigned char>(ins.payload.front()) & 0x80) != 0;
  if (!binary && !armor_only(ins.payload, k_begin_message, k_end_message)) {
    ins.malformed = "the encrypted part holds text outside one armored OpenPGP message";
    return true;
  }
  ins.covers_all = covers;
  return true;
}

// Outlook and some gateways re-wrap PGP/MIME as multipart/mixed: an empty
// text part (optional), the application/pgp-encrypted part, then the
// ciphertext as an attachment. Thunderbird repairs exactly this shape.
bool
outlook_rewrapped(GMimeMultipart* mp, GMimeObject** version, GMimeObject** data)
{
  const int n = g_mime_multipart_get_count(mp);
  int first = 0;
  if (n == 3) {
    GMimeObject* text = g_mime_multipart_get_part(mp, 0);
    if (!GMIME_IS_PART(text) || !type_is(text, "text", "plain")
        || !blank(decoded_content(GMIME_PART(text)))) {
      return false;
    }
    first = 1;
  } else if (n != 2) {
    return false;
  }
  *version = g_mime_multipart_get_part(mp, first);
  *data = g_mime_multipart_get_part(mp, first + 1);
  return type_is(*version, "application", "pgp-encrypted")
         && type_is(*data, "application", "octet-stream");
}

// The armor header lines after `begin_pos`'s line, up to the blank line.
std::vector<std::string_view>
armor_headers(std::string_view text, std::size_t begin_pos)
{
  std::vector<std::string_view> out;
  auto pos = text.find('\n', begin_pos);
  while (pos != std::string_view::npos && pos + 1 < text.size()) {
    const auto end = text.find('\n', pos + 1);
    std::string_view line =
      text.substr(pos + 1, end == std::string_view::npos ? text.npos : end - pos - 1);
    if (blank(line)) {
      break;
    }
    out.push_back(line);
    pos = end;
  }
  return out;
}

// RFC 4880 §7.1: GnuPG dash-escapes only lines that start with "-" (and
// "From "); it strips "- " from any line. A reader sees the "- " that the
// signature does not cover.
std::string
dash_escape_problem(std::string_view text, std::size_t begin_pos)
{
  const auto sig = find_line(text, k_begin_signature, begin_pos);
  std::string_view clear =
    text.substr(begin_pos, sig == std::string_view::npos ? text.npos : sig - begin_pos);
  for (auto pos = clear.find("\n- "); pos != std::string_view::npos;
       pos = clear.find("\n- ", pos + 1)) {
    const std::string_view rest = clear.substr(pos + 3);
    if (rest.substr(0, 1) != "-" && rest.substr(0, 5) != "From ") {
      return "a line of the inline signed text starts with \"- \", which the signature does not "
             "cover";
    }
  }
  return {};
}

// Base64 that goes on after its end padding: GMime stops decoding there,
// other readers decode the rest.
std::string
inline_transfer_problem(GMimePart* part)
{
  if (g_mime_part_get_content_encoding(part) != GMIME_CONTENT_ENCODING_BASE64) {
    return {};
  }
  GMimeDataWrapper* w = g_mime_part_get_content(part);
  GMimeStream* raw = w != nullptr ? g_mime_data_wrapper_get_stream(w) : nullptr;
  if (raw == nullptr) {
    return {};
  }
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_stream_reset(raw);
  g_mime_stream_write_to_stream(raw, mem.get());
  g_mime_stream_reset(raw);
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  const std::string_view enc(reinterpret_cast<const char*>(arr->data), arr->len);
  const auto pad = enc.find('=');
  if (pad != std::string_view::npos
      && enc.find_first_not_of("= \t\r\n", pad) != std::string_view::npos) {
    return "base64 content goes on after its end padding (mail readers decode it differently)";
  }
  return {};
}

bool
examine_inline(GMimeObject* obj, bool at_root, Inspection& ins)
{
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
    bool covers = at_root;
    if (!g_mime_content_type_is_type(ct, "text", "plain")) {
      covers = false;
      ins.warnings.push_back(fmt::format(
        "an inline OpenPGP block in a {}/{} part: a reader sees that part rendered, which the "
        "signature does not bind",
        str(g_mime_content_type_get_media_type(ct)),
        str(g_mime_content_type_get_media_subtype(ct))));
    }
    if (auto why = inline_transfer_problem(GMIME_PART(obj)); !why.empty()) {
      ins.malformed = why;
      return true;
    }
    if (shape == Shape::inline_signed) {
      if (auto why = dash_escape_problem(text, b); !why.empty()) {
        ins.malformed = why;
        return true;
      }
      // RFC 4880 §7: only "Hash:" armor headers in the cleartext header;
      // armor headers of the signature block are shown and never signed.
      for (auto line : armor_headers(text, b)) {
        if (line.substr(0, 5) != "Hash:") {
          ins.malformed = "the inline signed block has an armor header other than Hash:";
          return true;
        }
      }
      const auto sb = find_line(text, k_begin_signature, b);
      for (auto line :
           sb == std::string::npos ? std::vector<std::string_view>{} : armor_headers(text, sb)) {
        if (line.substr(0, 8) != "Version:") {
          covers = false;
          ins.warnings.emplace_back(
            "the signature block has an armor header (Comment: …) that a reader sees and nobody "
            "signed");
          break;
        }
      }
    }
    const bool alone =
      blank(std::string_view(text).substr(0, b)) && blank(std::string_view(text).substr(stop));
    if (!alone) {
      ins.warnings.emplace_back("text outside the inline OpenPGP block is not protected");
    }
    if (find_line(text, begin, stop) != std::string::npos) {
      ins.warnings.emplace_back("more than one inline OpenPGP block");
    }
    ins.covers_all = covers && alone && find_line(text, begin, stop) == std::string::npos;
    return true;
  }
  return false;
}

// Examine `obj` as the candidate protected node. Return false when it is
// not protected at all.
bool
examine(GMimeObject* obj, bool at_root, Context& c, int depth = 0)
{
  Inspection& ins = c.ins;
  if (depth > 64) {
    ins.malformed = "MIME parts are nested too deeply";
    return true;
  }
  if (GMIME_IS_MULTIPART_SIGNED(obj)) {
    if (protocol_is(obj, "application/pgp-signature")) {
      return examine_signed(obj, at_root, c, false);
    }
    if (protocol_is(obj, "application/pkcs7-signature")
        || protocol_is(obj, "application/x-pkcs7-signature")) {
      return examine_signed(obj, at_root, c, true);
    }
    ins.shape = Shape::unsupported;
    ins.warnings.emplace_back("multipart/signed with an unknown protocol is not judged");
    return true;
  }
  if (GMIME_IS_MULTIPART_ENCRYPTED(obj)) {
    auto* mp = GMIME_MULTIPART(obj);
    if (!protocol_is(obj, "application/pgp-encrypted")) {
      ins.shape = Shape::unsupported;
      ins.warnings.emplace_back("multipart/encrypted with an unknown protocol is not judged");
      return true;
    }
    if (g_mime_multipart_get_count(mp) != 2) {
      ins.shape = Shape::encrypted_mime;
      ins.malformed = "multipart/encrypted does not have exactly two parts (RFC 3156 §4)";
      return true;
    }
    return examine_encrypted(g_mime_multipart_get_part(mp, 0),
                             g_mime_multipart_get_part(mp, 1),
                             at_root && quiet_boundaries(mp, ins.warnings),
                             ins);
  }
  if (type_is(obj, "application", "pkcs7-mime") || type_is(obj, "application", "x-pkcs7-mime")) {
    const std::string st =
      util::to_lower(str(g_mime_object_get_content_type_parameter(obj, "smime-type")));
    ins.shape = Shape::smime;
    ins.smime_encrypted = st.find("enveloped") != std::string::npos;
    if (!GMIME_IS_PART(obj)) {
      ins.malformed = "an application/pkcs7-mime entity is not a single part";
      return true;
    }
    // What the DER holds is judged from the DER itself (crypto/cms), never
    // from smime-type, which anybody can write.
    ins.payload = decoded_content(GMIME_PART(obj));
    ins.covers_all = at_root;
    return true;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    auto* mp = GMIME_MULTIPART(obj);
    GMimeObject* version = nullptr;
    GMimeObject* data = nullptr;
    if (at_root && outlook_rewrapped(mp, &version, &data)) {
      ins.warnings.emplace_back("PGP/MIME re-wrapped as multipart/mixed (Outlook) was repaired");
      return examine_encrypted(version, data, quiet_boundaries(mp, ins.warnings), ins);
    }
    if (at_root) {
      return false; // searched by the caller
    }
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) {
      c.path.emplace_back(mp, i);
      const bool found = examine(g_mime_multipart_get_part(mp, i), false, c, depth + 1);
      c.path.pop_back();
      if (found) {
        return true;
      }
    }
    return false;
  }
  if (!GMIME_IS_PART(obj)) {
    return false; // message/rfc822 attachments are someone else's message
  }
  return examine_inline(obj, at_root, ins);
}

// Append header `h` as received ("Name:" and its raw, folded value).
void
append_header(std::string& out, const std::string& name, GMimeHeader* h)
{
  std::string raw = str(g_mime_header_get_raw_value(h));
  if (raw.empty() || raw.back() != '\n') {
    raw += '\n';
  }
  out += name + ":" + raw;
}

// The body of `entity`: what follows its first empty line (with that line).
std::string_view
body_of(std::string_view entity)
{
  for (std::size_t pos = 0; pos < entity.size();) {
    auto end = entity.find('\n', pos);
    if (end == std::string_view::npos) {
      return {};
    }
    std::string_view line = entity.substr(pos, end - pos);
    if (line.empty() || line == "\r") {
      return entity.substr(pos);
    }
    pos = end + 1;
  }
  return {};
}

} // namespace

HeaderCoverage
judge_headers(const std::vector<Field>& outer,
              const std::optional<ProtectedHeaders>& ph,
              bool encrypted)
{
  HeaderCoverage c;
  for (const auto& [name, value] : outer) {
    if (name == "From") {
      continue; // judged against the signer
    }
    if (!ph) {
      c.unsigned_names.push_back(name);
      if (header_in(name, k_reply_steering)) {
        c.differing.push_back(name);
      }
      continue;
    }
    const std::string* inner = field(ph->fields, name);
    if (inner != nullptr && *inner == value) {
      continue;
    }
    if (name == "Subject" && encrypted && obscured_subject(value)) {
      continue;
    }
    c.unsigned_names.push_back(name);
    if (name == "Message-ID") {
      c.notes.emplace_back("the Message-ID is not the signed one (replaced in transit?)");
      continue;
    }
    if (header_in(name, k_reader_noted)) {
      c.notes.push_back(fmt::format("the {} header is not among the signed headers", name));
      continue;
    }
    if (name == "Date" && inner == nullptr) {
      // Thunderbird does not protect Date; the signature time is compared
      // with it instead (a warning in verify when they are a day apart).
      c.notes.emplace_back("the Date is not among the signed headers");
      continue;
    }
    if (name == "Date") {
      const auto a = epoch_of(value);
      const auto b = epoch_of(*inner);
      if (a && b && (*a - *b <= k_date_slack_s && *b - *a <= k_date_slack_s)) {
        c.notes.push_back(fmt::format("the Date differs from the signed one by {} s", *a - *b));
        continue;
      }
    }
    c.differing.push_back(name);
  }
  return c;
}

Result<Inspection>
inspect(std::string_view bytes)
{
  if (blank(bytes)) {
    return fail(Errc::data, "the input is empty");
  }
  Inspection ins;
  if (auto deep = address_nesting_problem(bytes); !deep.empty()) {
    ins.malformed = deep;
    return ins;
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
  if (auto nul = header_nul_problem(bytes); !nul.empty()) {
    ins.malformed = nul;
    return ins;
  }
  if (auto dup = duplicate_header_problem(msg.get()); !dup.empty()) {
    ins.malformed = dup;
    return ins;
  }
  if (auto from = from_addresses(headers); from) {
    ins.from = std::move(*from);
  }
  if (GMimeHeader* f = g_mime_header_list_get_header(headers, "From"); f != nullptr) {
    ins.from_conflict = address_text_conflict(f);
  }
  if (GMimeHeader* d = g_mime_header_list_get_header(headers, "Date"); d != nullptr) {
    ins.date = date_seconds(g_mime_header_get_value(d));
  }
  ins.outer_fields = visible_fields(headers);
  if (root == nullptr) {
    return ins;
  }
  Context c{bytes, ins};
  if (examine(root, true, c)) {
    if (ins.shape == Shape::encrypted_mime || ins.shape == Shape::inline_encrypted) {
      ins.protected_headers.reset(); // they are inside, found after decryption
    }
    return ins;
  }
  if (GMIME_IS_MULTIPART(root)) {
    // Not protected at the root: find a protected part further down; it
    // cannot cover everything, and its headers protect nothing a reader sees.
    auto* mp = GMIME_MULTIPART(root);
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) {
      c.path.emplace_back(mp, i);
      const bool found = examine(g_mime_multipart_get_part(mp, i), false, c, 1);
      c.path.pop_back();
      if (found) {
        break;
      }
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
  const bool crlf = inner.find("\r\n") != std::string_view::npos;
  // The protected headers are on the inner root (combined sign+encrypt) or
  // on the signed part of an inner multipart/signed (sign, then encrypt).
  GMimeObject* in_root = g_mime_message_get_mime_part(in_msg.get());
  GMimeObject* holder = in_root;
  if (holder != nullptr && GMIME_IS_MULTIPART_SIGNED(holder)
      && g_mime_multipart_get_count(GMIME_MULTIPART(holder)) > 0) {
    holder = g_mime_multipart_get_part(GMIME_MULTIPART(holder), 0);
  }
  const bool protected_inner =
    holder != nullptr
    && g_mime_object_get_content_type_parameter(holder, "protected-headers") != nullptr;
  std::string out;
  if (protected_inner && holder != in_root) {
    // Layered: lift the signed part's protected headers to the top.
    GMimeHeaderList* ph = g_mime_object_get_header_list(holder);
    for (int i = 0; i < g_mime_header_list_get_count(ph); ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(ph, i);
      const std::string name = str(g_mime_header_get_name(h));
      if (util::to_lower(name).rfind("content-", 0) == 0) {
        continue;
      }
      append_header(out, name, h);
    }
  }
  if (!protected_inner) {
    std::set<std::string> inner_names;
    GMimeHeaderList* ih = g_mime_object_get_header_list(GMIME_OBJECT(in_msg.get()));
    for (int i = 0; i < g_mime_header_list_get_count(ih); ++i) {
      inner_names.insert(
        util::to_lower(str(g_mime_header_get_name(g_mime_header_list_get_header_at(ih, i)))));
    }
    GMimeHeaderList* oh = g_mime_object_get_header_list(GMIME_OBJECT(out_msg.get()));
    for (int i = 0; i < g_mime_header_list_get_count(oh); ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(oh, i);
      const std::string name = str(g_mime_header_get_name(h));
      const std::string lname = util::to_lower(name);
      if (lname.rfind("content-", 0) == 0 || lname == "mime-version"
          || inner_names.count(lname) != 0) {
        continue;
      }
      append_header(out, name, h);
    }
  }
  out += "MIME-Version: 1.0\n";
  if (crlf) {
    out = to_crlf(out);
  }
  if (protected_inner && holder != in_root) {
    // The decrypted entity's own header block is outside the signature:
    // keep only what makes it MIME (Content-*), never a From or Reply-To.
    GMimeHeaderList* ih = g_mime_object_get_header_list(in_root);
    std::string content;
    for (int i = 0; i < g_mime_header_list_get_count(ih); ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(ih, i);
      const std::string name = str(g_mime_header_get_name(h));
      if (util::to_lower(name).rfind("content-", 0) == 0) {
        append_header(content, name, h);
      }
    }
    out += crlf ? to_crlf(content) : content;
    out += body_of(inner);
    return out;
  }
  out += inner;
  return out;
}

} // namespace peermail::mime
