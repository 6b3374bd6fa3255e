// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one Message-ID generator of every message peermail writes (send,
// sendmail, encrypt, sign). batch makes its own deterministic IDs on
// purpose (batch::deterministic_message_id: a resumed run reuses them).

#include <string>
#include <string_view>

namespace peermail::mime {

// Generate a Message-ID (without brackets): 128 random bits in hex, "@",
// `domain`.
std::string make_message_id(std::string_view domain);

} // namespace peermail::mime
