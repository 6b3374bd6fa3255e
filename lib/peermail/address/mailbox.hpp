// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one address rule (docs/DESIGN.md §2.3): what peermail accepts as an
// email address wherever a user types one (identity.from and peer addresses
// in the config, --to/--cc/--bcc, sendmail arguments and -f, batch email
// values) and wherever an address reaches the SMTP envelope from a message.
//
// An address is a bare addr-spec "local@domain":
// - local part: a dot-atom (RFC 5322 §3.4.1) of ASCII atext, at most 64
//   bytes; quoted local parts, spaces and non-ASCII are refused;
// - domain: a host name of at least two labels (RFC 5321 §2.3.5; "localhost"
//   or "example" alone is not a mail domain), letters, digits and hyphens;
//   U-labels ("bücher.example") are accepted and converted to A-labels
//   ("xn--bcher-kva.example") with libidn2 (IDNA2008, UTS #46
//   non-transitional); A-labels must be IDNA2008 that maps back to itself;
// - at most 254 bytes in its ASCII form, no control characters.
// The result is lower case with an ASCII domain: the form that goes into
// headers, the SMTP envelope, key lookups and the journal.
//
// Errors have one shape: `<field>: "<input>" is not a valid email address:
// <reason>` with a fix (Errc::data). Callers that must not quote the input
// (batch rows may be PHI) use check_address() and its reason alone.

#include <peermail/util/result.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace peermail::address {

// One validated mailbox.
struct Mailbox
{
  std::string display_name; // UTF-8, may be ""
  std::string address;      // lower case, bare "local@domain", ASCII (A-labels)
};

// The fix every address error suggests.
inline constexpr std::string_view k_fix =
  "write one address like user@example.org or \"Name <user@example.org>\"";

// Return `address` normalised (lower case, U-labels converted to A-labels)
// when it is acceptable. Errors: data, whose message is the reason alone
// ("the domain has no dot ..."), never quoting the input.
Result<std::string> check_address(std::string_view address);

// Return true if `address` is acceptable as it is: already normalised
// (ASCII, A-labels); case does not matter.
bool is_valid_address(std::string_view address);

// Parse and validate one mailbox as a user types it ("Name <a@b.example>",
// "\"Last, First\" <a@b.example>" or "a@b.example"). `field` names it in
// errors ("--to", "identity.from"; "" for no prefix). Errors: data (line
// break or NUL: header injection; not exactly one valid address; display
// name longer than `max_display_name_bytes` or not UTF-8).
// What a reader also takes for "@": FULLWIDTH COMMERCIAL AT (U+FF20) and
// SMALL COMMERCIAL AT (U+FE6B), as UTF-8. One list for what peermail writes
// (parse_mailbox) and what it judges in received mail (mime/addresses.cpp).
inline constexpr std::array<std::string_view, 2> k_at_lookalikes = {"\xef\xbc\xa0", "\xef\xb9\xab"};

Result<Mailbox> parse_mailbox(std::string_view text,
                              std::string_view field,
                              std::size_t max_display_name_bytes = 256);

// Return the error for `input` in `field` refused for `reason`: the one shape
// of address errors. The input is shown terminal-safe.
Error invalid(std::string_view field, std::string_view input, std::string_view reason);

// Return the domain of `address` (after the last "@"), or "localhost" when
// there is none (only for Message-ID generation).
std::string domain_of(std::string_view address);

} // namespace peermail::address
