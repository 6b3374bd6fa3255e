// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What the compose files share (internal to mime/): compose.cpp (build and
// write a new message), compose_validate.cpp (judge a request),
// submission.cpp (take a message handed in), text_rule.cpp (the one text
// rule), outer_headers.cpp (RFC 2047 for handed-in headers),
// content_type.cpp (attachment types).

#include "compose.hpp"
#include "gobject.hpp"

#include <peermail/util/result.hpp>

#include <gmime/gmime.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace peermail::mime {

inline constexpr std::string_view k_iconv_fix = "convert it: iconv -f LATIN1 -t UTF-8";

// Return the last component of `path`.
std::string basename_of(const std::string& path);

// Add `m` to the `type` header of `msg`, its display name as UTF-8.
void add_mailbox(GMimeMessage* msg, GMimeAddressType type, const Mailbox& m);

// Make `part` hold the UTF-8 `text`: charset=utf-8 and the transfer
// encoding text_encoding() picks. The one text rule of every message
// peermail writes (send, sendmail, batch). The bytes are copied.
void set_utf8_text(GMimePart* part, std::string_view text);

// Return true when `s` holds a byte with the high bit set.
bool has_8bit(std::string_view s);

// RFC 2047 for the outer headers of a message handed in (sendmail, batch):
// raw 8-bit text must be UTF-8; display names in the address headers GMime
// knows and unstructured headers (Subject, Comments, X-…) are re-encoded as
// UTF-8 encoded-words. Raw 8-bit anywhere else is refused: no encoding of
// it is one every reader agrees on.
Result<void> encode_outer_headers(GMimeMessage* msg);

// The text rule for a message handed in (sendmail, batch): UTF-8 bodies
// labelled charset=utf-8, RFC 2047 outer headers.
Result<void> normalize_text(GMimeMessage* msg);

// Write `obj` to `out`; return the number of bytes that reached `out`
// (after the CRLF filter).
Result<std::uint64_t> write_message(GMimeObject* obj, GMimeStream* out);

} // namespace peermail::mime
