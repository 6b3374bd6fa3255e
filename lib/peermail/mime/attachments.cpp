// SPDX-License-Identifier: GPL-3.0-or-later
#include "attachments.hpp"

#include "gobject.hpp"

#include <fmt/core.h>

#include <glib.h>

#include <cstring>

namespace peermail::mime {

namespace {

std::string
mime_type_of(GMimeObject* obj)
{
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (ct == nullptr) {
    return "text/plain"; // RFC 2045 §5.2
  }
  char* t = g_mime_content_type_get_mime_type(ct);
  std::string out = str(t);
  g_free(t);
  for (auto& c : out) {
    c = static_cast<char>(g_ascii_tolower(c));
  }
  return out;
}

bool
is_attachment_disposition(GMimeObject* obj)
{
  GMimeContentDisposition* d = g_mime_object_get_content_disposition(obj);
  return d != nullptr && g_mime_content_disposition_is_attachment(d);
}

// The file name of `obj`: the disposition's filename, else the type's name.
std::string
file_name_of(GMimeObject* obj)
{
  if (GMIME_IS_PART(obj)) {
    return str(g_mime_part_get_filename(GMIME_PART(obj)));
  }
  if (const char* f = g_mime_object_get_content_disposition_parameter(obj, "filename")) {
    return f;
  }
  return str(g_mime_object_get_content_type_parameter(obj, "name"));
}

// The text of a text part as UTF-8 (GMime converts from its charset).
std::string
text_of(GMimePart* part)
{
  if (GMIME_IS_TEXT_PART(part)) {
    char* t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    std::string out = str(t);
    g_free(t);
    return out;
  }
  return decoded_content(part);
}

class Walker
{
public:
  explicit Walker(Reading& out)
    : m_out(out)
  {
  }

  Result<void>
  walk(GMimeObject* obj, int depth, bool in_alternative)
  {
    if (depth > k_max_reading_depth) {
      return fail(Errc::data,
                  fmt::format("the message nests parts deeper than {}", k_max_reading_depth));
    }
    if (GMIME_IS_MULTIPART_SIGNED(obj)) {
      // RFC 1847 §2.1: the first part is the content, the second the signature.
      auto* mp = GMIME_MULTIPART(obj);
      if (g_mime_multipart_get_count(mp) > 0) {
        return walk(g_mime_multipart_get_part(mp, 0), depth + 1, false);
      }
      return {};
    }
    if (GMIME_IS_MULTIPART(obj)) {
      auto* mp = GMIME_MULTIPART(obj);
      const bool alternative = mime_type_of(obj) == "multipart/alternative";
      for (int i = 0; i < g_mime_multipart_get_count(mp); ++i) {
        PEERMAIL_TRY(walk(g_mime_multipart_get_part(mp, i), depth + 1, alternative));
      }
      return {};
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
      m_out.attachments.push_back(
        {file_name_of(obj),
         mime_type_of(obj),
         inner != nullptr ? to_bytes(GMIME_OBJECT(inner), nullptr) : std::string()});
      return {};
    }
    if (!GMIME_IS_PART(obj)) {
      return {};
    }
    auto* part = GMIME_PART(obj);
    const std::string type = mime_type_of(obj);
    const std::string name = file_name_of(obj);
    if (type == "application/pgp-signature") {
      return {};
    }
    if (name.empty() && !is_attachment_disposition(obj)) {
      if (type == "text/plain") {
        // RFC 9788 §4.1: a legacy display part repeats the protected headers.
        if (g_mime_object_get_content_type_parameter(obj, "protected-headers") == nullptr) {
          add_body(text_of(part));
        }
        return {};
      }
      if (in_alternative) {
        return {}; // another rendering of the body (text/html)
      }
    }
    m_out.attachments.push_back({name, type, decoded_content(part)});
    return {};
  }

private:
  Reading& m_out;

  // Append `text` to the body, its line ends as LF.
  void
  add_body(const std::string& text)
  {
    if (!m_out.body.empty() && m_out.body.back() != '\n') {
      m_out.body += '\n';
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        continue;
      }
      m_out.body += text[i];
    }
  }
};

} // namespace

Result<Reading>
read_message(std::string_view message)
{
  auto msg = parse_gmime_message(message);
  if (!msg) {
    return fail(Errc::data, "the decrypted message cannot be read as a message");
  }
  Reading out;
  out.subject = str(g_mime_message_get_subject(msg.get()));
  GMimeObject* root = g_mime_message_get_mime_part(msg.get());
  if (root != nullptr) {
    PEERMAIL_TRY(Walker(out).walk(root, 0, false));
  }
  return out;
}

} // namespace peermail::mime
