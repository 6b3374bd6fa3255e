// SPDX-License-Identifier: GPL-3.0-or-later
#include "addresses.hpp"

#include "gobject.hpp"

#include <peermail/util/strings.hpp>

#include <strings.h>

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
    GPtr<InternetAddressList> list(
      internet_address_list_parse(nullptr, g_mime_header_get_value(h)));
    collect(list.get(), out, lower_addr);
  }
  return out;
}

} // namespace peermail::mime
