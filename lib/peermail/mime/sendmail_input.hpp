// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What `sendmail` does to its input before prepare_submission() takes it, so
// that it is a drop-in for the sendmail of Postfix, Exim and msmtp: a body
// without a header block gets From, To and Date; a From that is not the
// identity (cron's "root (Cron Daemon)") is replaced when
// identity.rewrite_from says so, else refused with that fix; a To, Cc or Bcc
// header with an address that is not valid is named (Errc::data) rather
// than dropped.

#include <peermail/mime/compose.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <string_view>

namespace peermail::mime {

// What to do with a From header that is not the identity.
enum class ForeignFrom { refuse, rewrite };

// Return true when `raw` starts with a header field ("Name:" with a field
// name of printable ASCII, RFC 5322 §2.2), i.e. has a header block; false
// for a bare body ("disk full") or empty input.
bool starts_with_header(std::string_view raw);

// Prepare `raw` (a message or a bare body) for prepare_submission(): a bare
// body gets an empty header block; each To, Cc and Bcc header must hold
// only valid addresses (else Errc::data naming the header and the address);
// a From that is not `opts.identity` is replaced by it with
// ForeignFrom::rewrite (the original, unfolded, kept as X-Original-From),
// else refused (Errc::usage, SIG-01, naming identity.rewrite_from); without
// To and Cc headers and without -t, the recipient arguments become the To
// header. Returns `raw` unchanged when nothing needed doing.
Result<std::string>
normalize_sendmail_input(std::string_view raw, const SubmissionOptions& opts, ForeignFrom from);

} // namespace peermail::mime
