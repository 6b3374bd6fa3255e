// SPDX-License-Identifier: GPL-3.0-or-later
#include "addresses.hpp"

#include "gobject.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <strings.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace peermail::mime {

namespace {

// Append what `take` makes of every mailbox in `list` (groups expanded).
template<typename Take>
void
collect(InternetAddressList* list, std::vector<std::string>& out, const Take& take)
{
  if (list == nullptr) {
    return;
  }
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
      out.push_back(take(INTERNET_ADDRESS_MAILBOX(a)));
    } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
      collect(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out, take);
    }
  }
}

std::string
lower_addr(InternetAddressMailbox* m)
{
  return util::to_lower(str(internet_address_mailbox_get_addr(m)));
}

std::string
idn_addr(InternetAddressMailbox* m)
{
  return str(internet_address_mailbox_get_idn_addr(m));
}

} // namespace

std::vector<std::string>
envelope_addresses(InternetAddressList* list)
{
  std::vector<std::string> out;
  collect(list, out, idn_addr);
  return out;
}

std::vector<std::string>
mailbox_addresses(InternetAddressList* list)
{
  std::vector<std::string> out;
  collect(list, out, lower_addr);
  return out;
}

GPtr<InternetAddressList>
parse_address_header(GMimeHeader* h)
{
  const char* raw = g_mime_header_get_raw_value(h);
  GPtr<InternetAddressList> list(internet_address_list_parse(nullptr, raw != nullptr ? raw : ""));
  if (!list) {
    list.reset(internet_address_list_new());
  }
  return list;
}

namespace {

// What a reader also takes for "@" (one list: address::k_at_lookalikes).
constexpr const auto& k_other_at_signs = address::k_at_lookalikes;

bool
address_delimiter(char c)
{
  return std::isspace(static_cast<unsigned char>(c)) != 0
         || std::string_view("<>\"'(),;:[]").find(c) != std::string_view::npos;
}

// Return the address-like tokens ("x@y") a reader would see in `name`.
std::vector<std::string>
addresses_in(std::string_view raw)
{
  std::string name;
  name.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    bool other_at = false;
    for (auto at : k_other_at_signs) {
      if (raw.substr(i, at.size()) == at) {
        other_at = true;
        i += at.size();
        break;
      }
    }
    if (other_at) {
      name.push_back('@');
    } else {
      name.push_back(raw[i++]);
    }
  }
  std::vector<std::string> out;
  for (auto at = name.find('@'); at != std::string::npos; at = name.find('@', at + 1)) {
    auto b = at;
    while (b > 0 && !address_delimiter(name[b - 1])) {
      --b;
    }
    auto e = at + 1;
    while (e < name.size() && !address_delimiter(name[e])) {
      ++e;
    }
    if (b < at && at + 1 < e) {
      out.push_back(util::to_lower(name.substr(b, e - b)));
    }
  }
  return out;
}

} // namespace

std::string
address_text_conflict(GMimeHeader* h)
{
  const auto own = mailbox_addresses(parse_address_header(h).get());
  // Everything a reader may see of the header: display names, comments,
  // route syntax, encoded-words decoded.
  const char* raw = g_mime_header_get_raw_value(h);
  char* decoded = g_mime_utils_header_decode_text(nullptr, raw != nullptr ? raw : "");
  const std::string text = str(decoded);
  g_free(decoded);
  for (const auto& token : addresses_in(text)) {
    if (std::find(own.begin(), own.end(), token) == own.end()) {
      return fmt::format("the {} header shows the address \"{}\", which is not its mailbox{}",
                         str(g_mime_header_get_name(h)),
                         token,
                         own.size() == 1 ? " <" + own.front() + ">" : std::string());
    }
  }
  return {};
}

Result<std::vector<std::string>>
from_addresses(GMimeHeaderList* headers)
{
  std::vector<std::string> out;
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const char* name = g_mime_header_get_name(h);
    if (name == nullptr || ::strcasecmp(name, "From") != 0) {
      continue;
    }
    collect(parse_address_header(h).get(), out, lower_addr);
  }
  return out;
}

} // namespace peermail::mime
