// SPDX-License-Identifier: GPL-3.0-or-later
// The one text rule of every message peermail writes (send, sendmail,
// batch): UTF-8 text labelled charset=utf-8 with a 7-bit safe transfer
// encoding.
#include "compose_internal.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <optional>

namespace peermail::mime {

namespace {

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

bool
iequals(const char* a, std::string_view b)
{
  return a != nullptr && util::to_lower(a) == util::to_lower(b);
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

} // namespace

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

bool
has_8bit(std::string_view s)
{
  return std::any_of(
    s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
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

} // namespace peermail::mime
