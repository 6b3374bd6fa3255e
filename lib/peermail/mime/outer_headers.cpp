// SPDX-License-Identifier: GPL-3.0-or-later
#include "compose_internal.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <vector>

namespace peermail::mime {

namespace {

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

} // namespace

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

} // namespace peermail::mime
