// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reading a message a person may read (`verify --decrypt` after the verdict
// released it): its Subject, its text body and its attachments, as GMime
// finds them. Never hand-parsed; pure (no I/O). The caller decides what may
// be shown: only a plaintext verify released goes in here.

#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::mime {

// One attachment: a leaf part with a file name or an attachment disposition,
// a part that is not text, or an attached message (message/rfc822).
struct Attachment
{
  std::string name;         // as the sender gave it (RFC 2231/2047 decoded); "" when none
  std::string content_type; // e.g. "application/pdf"
  std::string content;      // the transfer-decoded bytes
};

struct Reading
{
  std::string subject; // decoded (RFC 2047); "" when absent
  std::string body;    // the inline text/plain parts as UTF-8 with LF line ends, in order
  std::vector<Attachment> attachments;
};

// How deep read_message() follows nested multiparts.
inline constexpr int k_max_reading_depth = 32;

// Read `message`. Walks the MIME tree: of a multipart/signed only the signed
// part (the signature is not an attachment); of a multipart/alternative the
// text/plain part (the other renderings are not attachments); an inline
// text/plain part without a file name is body, except a legacy display part
// of protected headers (RFC 9788 §4.1: protected-headers="v1"). Errors:
// data (not a message, nesting deeper than k_max_reading_depth).
Result<Reading> read_message(std::string_view message);

} // namespace peermail::mime
