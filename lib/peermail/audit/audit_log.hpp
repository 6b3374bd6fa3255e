// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace peermail::audit {

// One audit event (DESIGN.md §7). Never a subject, body, file name or secret.
struct Record
{
  std::string action;  // "send", "batch", "verify", "probe", "refusal", "sendmail"
  std::string outcome; // "sent", "refused", "failed", "tempfail", "valid", "bad-signature", …
  std::string message_id;
  std::vector<std::string> recipients;
  std::string signer_fpr;
  std::vector<std::string> recipient_fprs;
  std::string protocol = "OpenPGP";
  std::string hash_algo;
  std::optional<std::string> tls_version;
  std::optional<std::string> tls_cipher;
  std::optional<std::string> tls_peer_cert_sha256;
  std::optional<int> smtp_code;
  std::string content_sha256;
  std::string config_sha256;
  std::string check_id;     // for refusals: the checklist item
  std::string exit_code;    // "EX_TEMPFAIL", … (for refusals and failures)
  std::string user;         // identity.user_id, else the OS user
};

// The append-only, hash-chained JSON Lines log. Each line gets seq, ts (UTC
// RFC 3339), tool_version, prev (hash of the previous line) and hash.
class AuditLog
{
public:
  // Open (create with mode 0600, parent 0700) the log at `path`.
  static Result<AuditLog> open(const std::string& path);

  // Check that a record could be appended now (preflight): directory exists
  // or can be created, file writable. Errors: io (AUD-04 in check_id).
  static Result<void> check_writable(const std::string& path);

  // Append `r` under an exclusive lock, fsync, and return the full JSON
  // object written. Two processes never interleave or lose a record.
  Result<nlohmann::json> append(const Record& r);

  const std::string& path() const;

private:
  std::string m_path;
};

// The result of `audit verify`.
struct VerifyReport
{
  bool ok = true;
  std::uint64_t records = 0;
  std::optional<std::uint64_t> first_bad_line; // 1-based line number
  std::string problem; // "record 7 was changed", "record 5 is missing", …
};

// Recompute the chain of the log at `path`.
Result<VerifyReport> verify(const std::string& path);

} // namespace peermail::audit
