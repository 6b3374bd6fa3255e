// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Build an RFC 5322 / RFC 2045 message from the parts a user gives `send`
// (addresses, subject, body, attachment files) on GMime, and take apart a
// message handed to `sendmail`. Validation comes first and is pure: header
// injection (CR/LF/NUL), invalid addresses and oversized inputs are refused
// with Errc::data before anything else happens. Error messages name the
// field, never its content (subjects, bodies and file names are PHI).

#include <peermail/address/mailbox.hpp>
#include <peermail/mime/message_id.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::mime {

// Documented input limits (peermail-send(1)). Beyond them: Errc::data.
struct ComposeLimits
{
  std::size_t max_recipients = 500;    // To + Cc + Bcc
  std::size_t max_subject_bytes = 900; // before RFC 2047 encoding
  std::size_t max_display_name_bytes = 256;
  std::uint64_t max_body_bytes = 32ULL << 20; // 32 MiB
  std::size_t max_attachments = 100;
  std::uint64_t max_attachment_bytes = 1ULL << 30; // 1 GiB each
  std::uint64_t max_total_bytes = 1ULL << 30;      // body + attachments
};

// A file to attach. `path` is read (streamed) when the message is written.
struct Attachment
{
  std::string path;
  std::string filename;     // name in Content-Disposition; "" = basename of `path`
  std::string content_type; // "" = guessed from the name and the first bytes
};

struct ComposeRequest
{
  std::string from;            // "Name <addr>" or "addr"
  std::vector<std::string> to; // one mailbox per entry
  std::vector<std::string> cc;
  std::vector<std::string> bcc; // never written into the message
  std::string subject;
  std::string body; // UTF-8 text
  std::vector<Attachment> attachments;
  std::string message_id;           // "" = generated as <random@from-domain>
  std::optional<std::int64_t> date; // seconds since epoch; unset = now
};

// One validated mailbox (the one address rule: address/mailbox.hpp).
using Mailbox = address::Mailbox;

// The envelope facts of a composed or parsed message.
struct Composed
{
  Mailbox from;
  std::vector<Mailbox> to;
  std::vector<Mailbox> cc;
  std::vector<Mailbox> bcc; // removed from the message itself
  std::string message_id;   // without angle brackets
  std::uint64_t size = 0;   // bytes written
};

// Parse and validate one mailbox ("Name <a@b.example>" or "a@b.example")
// with address::parse_mailbox() and `limits.max_display_name_bytes`. `field`
// names it in errors ("--to", "To").
Result<Mailbox>
parse_address(std::string_view text, std::string_view field, const ComposeLimits& limits = {});

// Validate `req` without touching anything but the attachment files' sizes:
// header injection, addresses, limits, attachments present and readable
// (no_input). Returns the parsed mailboxes (duplicates removed: an address is
// kept once, in its first field, To before Cc before Bcc).
Result<Composed> validate(const ComposeRequest& req, const ComposeLimits& limits = {});

// Return the MIME type for an attachment from its `filename` extension and
// its first bytes `head` (magic numbers, text detection); defaults to
// "application/octet-stream".
std::string guess_content_type(std::string_view filename, std::string_view head);

// Validate `req`, build the message and write it to `fd` (CRLF line ends),
// streaming attachments from disk. There is no Bcc header in the output.
Result<Composed> compose_to_fd(const ComposeRequest& req, int fd, const ComposeLimits& limits = {});

// As compose_to_fd(), into a string (for small messages and tests).
Result<std::pair<Composed, std::string>> compose(const ComposeRequest& req,
                                                 const ComposeLimits& limits = {});

// What `sendmail` options say about a message on stdin.
struct SubmissionOptions
{
  bool recipients_from_headers = false;      // -t
  std::vector<std::string> extra_recipients; // ADDR arguments
  std::optional<std::string> envelope_from;  // -f
  std::optional<std::string> full_name;      // -F (used when From is absent)
  Mailbox identity;                          // the configured sender
  std::uint64_t max_bytes = 64ULL << 20;
};

// Take a message given to `sendmail`: parse it (GMime), collect recipients
// (To/Cc/Bcc with -t, plus the arguments), remove every Bcc and Resent-Bcc
// header, add From (the identity, with -F), Date and Message-ID when missing,
// and refuse a From that is not the identity (SIG-01: the signer must match
// From). Errors: data (malformed message, header injection, no recipients,
// invalid addresses), usage (-f or From not the identity).
Result<std::pair<Composed, std::string>> prepare_submission(std::string_view raw,
                                                            const SubmissionOptions& opts);

} // namespace peermail::mime
