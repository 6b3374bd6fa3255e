// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The tamper-evident audit log (docs/DESIGN.md §7, CHECKLIST.md AUD-01…AUD-06).
//
// File format: JSON Lines, one object per event, every line ends with "\n".
// Each object has the fields
//   seq, ts, user, action, outcome, message_id, recipients, signer_fpr,
//   recipient_fprs, protocol, hash_algo, tls {version, cipher,
//   peer_cert_sha256}, smtp {code}, content_sha256, tool_version,
//   config_sha256, prev, hash
// and optionally check_id and exit_code (refusals and failures),
// pending_seq (see "Write-ahead" below), verdict (access records) and counts
// (check records); the optional members appear only when set, so records
// written before they existed keep their hashes. Unknown
// values are JSON null (tls, smtp members) or "" / [] so every record has the
// same schema (AUD-01).
//
// - seq: 1, 2, 3, … without gaps.
// - ts: UTC, RFC 3339 with milliseconds and "Z", e.g. 2026-03-01T12:00:00.123Z.
// - prev: the `hash` of the previous record; 64 zeros for the first record.
// - hash: lower-case hex SHA-256 of canonical(record without `hash`), where
//   canonical = nlohmann::json::dump() (compact, keys sorted: nlohmann's
//   default object type is a std::map), invalid UTF-8 replaced by U+FFFD.
//
// Privacy (AUD-02): never a subject, body, file name, SMTP transcript or
// secret. Recipient addresses are stored in clear (not keyed hashes) because
// `audit show --recipient` must find them and an auditor must be able to read
// them; the log is therefore created 0600 in a 0700 directory (AUD-06) and
// must be protected like any other record that names correspondents.
//
// Appending: open(O_APPEND|O_CREAT, 0600) → flock(LOCK_EX) → read the last
// line backwards from the end (never the whole file) to get seq and prev →
// one write() of the whole line → fsync → unlock. A failed or short write is
// rolled back with ftruncate while the lock is still held. A complete last
// line that is not a valid record is NEVER chained onto: append and
// check_writable refuse with Errc::io naming the file and the fix, so the
// sender fails closed until a human has looked. A last line that is
// incomplete (no "\n": kill -9 can stop a write() between two pages) is a
// torn tail: if the line before it is a valid record, append and
// check_writable replace the fragment by a chained record
//   {"action":"recovered","outcome":"torn-tail",
//    "torn_tail":{"bytes":N,"offset":O,"base64":"…"}, …}
// that keeps its bytes, so a killed run can always be resumed and nothing
// written is lost from the evidence.
//
// Write-ahead (AUD-01): every submission is preceded by a record with
// outcome "pending" (same fields as the outcome, tls/smtp null), appended and
// fsynced BEFORE anything is sent; if it cannot be written nothing is sent.
// After the submission the outcome record ("sent", "failed", "tempfail", …)
// carries "pending_seq": the seq of its pending record. A pending record that
// no later record names in pending_seq is "unresolved" (a crash, or the
// outcome could not be written): the message may or may not have reached
// the server. verify() lists these without failing the chain.
//
// Limits of a hash chain: removing the LAST record(s), or rewriting the whole
// chain from some point on, cannot be detected from the file alone. Record
// the head (`audit verify` prints "head seq N hash H") somewhere else (a
// ticket, another host) and later pass it as VerifyOptions::anchor_hash or
// VerifyOptions::expect_seq.
namespace peermail::audit {

// The hash of the (non-existent) record before the first one.
inline constexpr std::string_view k_genesis_prev =
  "0000000000000000000000000000000000000000000000000000000000000000";

// Judge the configured log file as append() will when it opens it (AUD-01):
// a regular file of the caller's, not writable by others, not a symbolic
// link, in a directory not writable by anyone without the sticky bit. A log
// that does not exist yet is judged by its directory. For `check`, which must
// report what `send` would refuse. Errc::permissions (77) or io.
Result<void> check_log_file(const std::string& path);

// The longest line append() and verify() accept (a record is < 4 KiB).
inline constexpr std::size_t k_max_line_bytes = 1U << 20;

// The outcome of the write-ahead record appended before a submission.
inline constexpr std::string_view k_outcome_pending = "pending";

// One audit event (docs/DESIGN.md §7). Never a subject, body, file name or secret.
struct Record
{
  std::string action;  // "send", "batch", "verify", "probe", "refusal", "sendmail"
  std::string outcome; // "pending", "sent", "refused", "failed", "tempfail", "valid", …
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
  std::string check_id;  // for refusals: the checklist item
  std::string exit_code; // "EX_TEMPFAIL", … (for refusals and failures)
  // Access records (action "access", format 2): the verify verdict.
  std::string verdict;
  // Check records (actions "check" and "probe", format 2): findings counted
  // per level and status, e.g. {"required": {"pass": 30, "fail": 1}}.
  std::map<std::string, std::map<std::string, std::uint64_t>> counts;
  std::string user; // identity.user_id, else the OS user
  // For the outcome of a submission: the seq of its "pending" record.
  std::optional<std::uint64_t> pending_seq;
  // For a seal record (action "seal", audit/seal.hpp): the "seal" member.
  // Null for every other record.
  nlohmann::json seal;
};

// The append-only, hash-chained JSON Lines log. Each line gets seq, ts (UTC
// RFC 3339), tool_version, prev (hash of the previous line) and hash.
// An AuditLog holds only the path; every append opens, locks and closes the
// file, so one object may be shared by threads and processes may share a file.
class AuditLog
{
public:
  // An object without a path; append() fails with Errc::io. Use open().
  AuditLog() = default;

  // Open (create with mode 0600, parent 0700) the log at `path`.
  // Errors: io (with check_id AUD-04) when it cannot be created or written.
  static Result<AuditLog> open(const std::string& path);

  // Check that a record could be appended now (preflight): directory exists
  // or can be created, file writable, last line complete and valid. Errors:
  // io (AUD-04 in check_id). Creates the file (empty) if it does not exist.
  static Result<void> check_writable(const std::string& path);

  // Append `r` under an exclusive lock, fsync, and return the full JSON
  // object written. Two processes never interleave or lose a record. Never
  // throws; errors: io (disk full, read-only, damaged last line), internal.
  Result<nlohmann::json> append(const Record& r);

  // As append(), but only if the last record is still `seq` with `hash`
  // (0 and k_genesis_prev: the log is still empty); otherwise append nothing
  // and fail with Errc::temp (another process appended in between). For
  // seals, which sign the head they follow.
  Result<nlohmann::json> append_after(const Record& r, std::uint64_t seq, const std::string& hash);

  const std::string& path() const;

private:
  explicit AuditLog(std::string path);
  std::string m_path;
};

// Return the canonical serialisation of `record` without its "hash" member.
std::string canonical(const nlohmann::json& record);

// Return the hex SHA-256 of canonical(`record`): the value of its "hash".
std::string record_hash(const nlohmann::json& record);

// Build the record that append() would write for `r` (without seq, ts, prev
// and hash); exposed for tests and for --dry-run displays.
nlohmann::json to_json(const Record& r);

// Return `unix_ms` (milliseconds since the epoch) as RFC 3339 UTC with "Z".
std::string format_time(std::int64_t unix_ms);

// Parse RFC 3339 ("2026-03-01T12:00:00Z", "…T12:00:00.5+02:00") or a date
// ("2026-03-01", midnight UTC) into milliseconds since the epoch. Errors:
// usage, naming `text`.
Result<std::int64_t> parse_time(std::string_view text);

class SealChecker; // audit/seal.hpp

// What verify() should additionally require.
struct VerifyOptions
{
  // Check every seal record with this checker ([audit] seal_key); null: seal
  // records are counted but not checked (verify cannot then detect a
  // rewritten and rehashed chain).
  std::shared_ptr<SealChecker> seals;
  // The log must hold at least this many records (detects truncation of the
  // last records when the count was recorded elsewhere).
  std::optional<std::uint64_t> expect_seq;
  // A head hash recorded earlier: some record must still have this hash.
  std::string anchor_hash;
};

// The result of `audit verify`.
struct VerifyReport
{
  bool ok = true;
  std::uint64_t records = 0;                   // records read and intact
  std::optional<std::uint64_t> first_bad_line; // 1-based line number
  std::optional<std::uint64_t> first_bad_seq;  // the record named in `problem`
  std::string problem;        // "record 7 (line 7) was changed: hash mismatch", …
  std::uint64_t head_seq = 0; // last intact record
  std::string head_hash;      // its hash ("" if none)
  // Seqs of "pending" records that no later record resolves (pending_seq),
  // ascending. Not a chain break: a crash or a lost outcome record. Only
  // filled when ok.
  std::vector<std::uint64_t> unresolved;
  // Seals (audit/seal.hpp). With a checker, a seal that does not verify is a
  // tampered log (ok false). `sealed_seq` is the seq of the last valid seal
  // record (0: none); `unsealed` the records after it.
  bool seals_checked = false;
  std::uint64_t seals = 0; // seal records (valid ones when checked)
  std::uint64_t sealed_seq = 0;
  std::string sealed_time; // the last valid seal's time
  std::uint64_t unsealed = 0;
};

// Recompute the chain of the log at `path`. A tampered log is a report with
// ok == false, not an error; errors are for files that cannot be read
// (no_input, io).
Result<VerifyReport> verify(const std::string& path, const VerifyOptions& opts = {});

// Select records for `audit show` / `audit export`.
struct Filter
{
  std::optional<std::int64_t> since_ms; // ts >= since
  std::optional<std::int64_t> until_ms; // ts < until
  std::string outcome;                  // exact match, if set
  std::string action;                   // exact match, if set
  std::string recipient;                // case-insensitive address match, if set
  std::string user;                     // exact match, if set

  // Return true if `record` passes every set criterion.
  bool matches(const nlohmann::json& record) const;

  // Check `outcome` and `action` against known_outcomes() and
  // known_actions(): a misspelt value would silently match nothing.
  // Errors: usage naming the value, with "did you mean" and the valid list.
  Result<void> validate() const;
};

// Return every action / outcome peermail writes (or wrote) in a record,
// sorted: the one list `audit show --action/--outcome` accepts.
const std::vector<std::string_view>& known_actions();
const std::vector<std::string_view>& known_outcomes();

// Call `fn(record, line_number)` for each record of the log at `path` that
// passes `filter`, in file order. Lines that are not JSON objects are
// skipped (verify() reports them). Errors: no_input, io.
Result<void> for_each_record(const std::string& path,
                             const Filter& filter,
                             const std::function<void(const nlohmann::json&, std::uint64_t)>& fn);

} // namespace peermail::audit
