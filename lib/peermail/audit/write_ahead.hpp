// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The errors of the write-ahead audit protocol (audit_log.hpp, "Write-ahead"),
// worded once for `send`, `sendmail` and `batch`.

#include <peermail/util/error.hpp>

#include <cstdint>

namespace peermail::audit {

// The "pending" record could not be appended, so nothing was submitted.
// `append_error` is the error of AuditLog::append (it names the log); the
// result is Errc::io with its check_id (AUD-04 if none) and fix. `first`:
// this was the first submission of the run ("nothing was submitted"), else
// earlier copies may have gone out ("this copy was not submitted").
Error pending_not_written(const Error& append_error, bool first = true);

// The server accepted the message (250) but its outcome record could not be
// appended. The message reads exactly
//   "submitted to the server but the audit outcome could not be written:
//    <append_error.message>; pending record <seq> proves the attempt"
// with Errc::io (exit 74), check_id AUD-01, and a fix that says not to send
// it again.
Error outcome_not_written(const Error& append_error, std::uint64_t pending_seq);

} // namespace peermail::audit
