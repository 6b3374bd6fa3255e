// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The access record of `verify --decrypt` (CHECKLIST.md AUD-01, HIPAA
// §164.312(b)): who opened which message, when, with what verdict, and
// whether the plaintext was released. Never PHI: no subject, body, file
// name, From/To address or Message-ID (only its SHA-256, as send records
// it); the signer is named by key fingerprint only.

#include <peermail/audit/audit_log.hpp>
#include <peermail/util/result.hpp>
#include <peermail/verify/verify.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace peermail::verify {

// The action of an access record.
inline constexpr std::string_view k_action_access = "access";
// Its outcomes: the decrypted message was released to the reader, or not
// (not encrypted, not decrypted intact).
inline constexpr std::string_view k_outcome_accessed = "accessed";
inline constexpr std::string_view k_outcome_withheld = "withheld";

// Where and as whom the access is recorded (from the config).
struct AccessLog
{
  std::string path;          // [audit] path
  std::string user;          // identity.user_id ("" = the OS user)
  std::string config_sha256; // of the config file
};

// Return the access record for `report`, judged from `message` (the bytes
// as received): outcome accessed when `report` holds decrypted plaintext,
// else withheld; message_id (hashed by audit::to_json), content_sha256 of
// `message`, signer_fpr of the first signature, verdict, protocol.
audit::Record access_record(const VerifyReport& report, std::string_view message);

// Append access_record(`report`, `message`) to `log` and return its seq.
// Call it BEFORE any plaintext is written: on an error nothing may be
// released. Errors: io with check_id AUD-04 and the fix (exit 74).
Result<std::uint64_t>
record_access(const AccessLog& log, const VerifyReport& report, std::string_view message);

} // namespace peermail::verify
