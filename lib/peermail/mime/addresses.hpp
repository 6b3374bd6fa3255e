// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Address extraction on GMime objects (internal to mime/).

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

// Return the addresses of all From headers in `headers` (several From headers
// count together: a reader may see any of them).
Result<std::vector<std::string>> from_addresses(GMimeHeaderList* headers);

} // namespace peermail::mime
