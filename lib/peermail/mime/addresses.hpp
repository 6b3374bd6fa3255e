// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Address extraction on GMime objects (internal to mime/).

#include "gobject.hpp"

#include <peermail/util/result.hpp>

#include <gmime/gmime.h>

#include <string>
#include <vector>

namespace peermail::mime {

// Return the lower-cased addresses of every mailbox in `list` (groups
// expanded); `list` may be null.
std::vector<std::string> mailbox_addresses(InternetAddressList* list);

// Return the addresses of every mailbox in `list` (groups expanded) as they
// go into the SMTP envelope: internationalised domains in their ASCII
// (punycode) form, case kept, an empty string for a mailbox without an
// address; `list` may be null.
std::vector<std::string> envelope_addresses(InternetAddressList* list);

// Parse the address header `h` from its raw value, as received: the list
// structure (commas, angle brackets, groups) comes from the raw bytes and only
// then are RFC 2047 encoded-words decoded, so an encoded-word can only ever be
// a display name, never an address or a delimiter. Never null.
GPtr<InternetAddressList> parse_address_header(GMimeHeader* h);

// Return why the address header `h` is ambiguous to a reader, or "": any
// text a reader may see in it (display names, comments, route syntax,
// RFC 2047 decoded) that holds an address other than the header's own
// mailboxes ("alice@clinic.test" <mallory@…>, (alice@…) mallory@…,
// <@alice@…:mallory@…>), fullwidth at signs included.
std::string address_text_conflict(GMimeHeader* h);

// Return the addresses of all From headers in `headers` (several From headers
// count together: a reader may see any of them).
Result<std::vector<std::string>> from_addresses(GMimeHeaderList* headers);

} // namespace peermail::mime
