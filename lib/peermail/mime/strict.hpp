// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The strict reading of received messages (internal to mime/): what makes a
// message ambiguous, so that two mail readers could show different text or
// headers for the same bytes. `verify` never calls such a message valid
// (docs/THREATS.md, "Ambiguous structure").

#include <gmime/gmime.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace peermail::mime {

// The one-line preambles peermail writes before PGP/MIME parts.
inline constexpr std::string_view k_signed_preamble =
  "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)";
inline constexpr std::string_view k_encrypted_preamble =
  "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)";

// The header policy of protected messages (RFC 9788), one list for what
// peermail writes (mime::prepare) and what it judges (mime::inspect):
// The headers a reader sees. Each is inside the signed entity (protected
// headers), and verify requires each outer one to equal the inner one (the
// "note only" ones, k_reader_noted, are listed as unsigned when they differ).
inline constexpr std::array<const char*, 21> k_reader_visible = {"From",
                                                                 "Sender",
                                                                 "To",
                                                                 "Cc",
                                                                 "Reply-To",
                                                                 "Mail-Reply-To",
                                                                 "Mail-Followup-To",
                                                                 "Followup-To",
                                                                 "Subject",
                                                                 "Date",
                                                                 "Message-ID",
                                                                 "List-Post",
                                                                 "Disposition-Notification-To",
                                                                 "Return-Receipt-To",
                                                                 "Resent-From",
                                                                 "Resent-Sender",
                                                                 "Resent-Reply-To",
                                                                 "Bcc",
                                                                 "Organization",
                                                                 "Comments",
                                                                 "Newsgroups"};

// Of k_reader_visible, the ones that decide where a reply, a read receipt
// or a list post goes: never part of a valid message when unsigned.
inline constexpr std::array<const char*, 10> k_reply_steering = {"Sender",
                                                                 "Reply-To",
                                                                 "Mail-Reply-To",
                                                                 "Mail-Followup-To",
                                                                 "Followup-To",
                                                                 "List-Post",
                                                                 "Disposition-Notification-To",
                                                                 "Return-Receipt-To",
                                                                 "Resent-Sender",
                                                                 "Resent-Reply-To"};

// Of k_reader_visible, the ones most readers show only on request: when
// unsigned they are listed (unsigned_headers) and noted, not alarmed on.
inline constexpr std::array<const char*, 4> k_reader_noted = {
  "Bcc", "Organization", "Comments", "Newsgroups"};

// Return true when `name` is one of `list` (ASCII case-insensitive).
template<std::size_t N>
bool
header_in(std::string_view name, const std::array<const char*, N>& list)
{
  for (const char* v : list) {
    if (std::string_view(v).size() == name.size()
        && g_ascii_strncasecmp(v, name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

// Return why the header block of `bytes` (up to its first empty line) holds
// a NUL byte, or "": GMime cuts a value there, other readers do not.
std::string header_nul_problem(std::string_view bytes);

// Return true when header `name` may leave in clear in the outer header of a
// protected message: addressing, threading and automation headers. Subject
// leaves only as the placeholder; everything else (Keywords, Comments,
// Thread-Topic, X-*, …) travels inside only.
bool may_leave_in_clear(std::string_view name);

// Limits on address headers, checked on the raw bytes BEFORE GMime parses
// them (its address parser recurses on groups and comments).
inline constexpr int k_max_address_nesting = 8;
inline constexpr std::size_t k_max_address_header = 256 * 1024;

// Return why an address header in `bytes` (a message, or a part of one:
// every line that starts like an address header is checked) nests groups or
// comments deeper than k_max_address_nesting or is longer than
// k_max_address_header, or "" when none does. Linear in `bytes`.
std::string address_nesting_problem(std::string_view bytes);

// Return why `msg` is ambiguous, or "": a header a reader shows or that
// decides the structure (To, Subject, Date, Content-Type, …) appears twice
// with different values in the message header or in a MIME part's header.
// Depth-limited.
std::string duplicate_header_problem(GMimeMessage* msg);

// Return the bytes of the first body part of the multipart entity `entity`
// (its own header block, then a body delimited by `boundary`) exactly as
// received: from after the first delimiter line to before the CRLF (or LF)
// that precedes the next one (RFC 2046 §5.1.1). Nothing when the delimiters
// are not found.
std::optional<std::string> raw_first_part(std::string_view entity, std::string_view boundary);

// The same for body part `index` (0 is the first), as a view into
// `entity`: nothing when the entity has fewer parts.
std::optional<std::string_view>
raw_part(std::string_view entity, std::string_view boundary, int index);

// `crlf` (CRLF line endings) with exactly one line break after every line
// that looks like a close delimiter ("--token--"): how received bytes and
// GMime's writing of them are compared, since GMime writes one line break
// there whatever it read (none before the next delimiter, or an epilogue
// of empty lines). Nothing a reader sees differs.
std::string close_delimiter_line_breaks(std::string_view crlf);

// Return true when `text`, apart from surrounding whitespace, is exactly one
// armored block from a `begin` line to an `end` line.
bool armor_only(std::string_view text, std::string_view begin, std::string_view end);

// Return true when a preamble is one that MIME writers put there and that
// says nothing: empty, or exactly one of the known boilerplate sentences.
bool quiet_preamble(std::string_view text);

} // namespace peermail::mime
