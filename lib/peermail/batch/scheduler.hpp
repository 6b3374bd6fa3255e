// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The batch scheduler (docs/DESIGN.md §2.2): protects and submits many personal
// messages in parallel. N workers each own one Protector (their own GPGME
// contexts; an S/MIME peer's rows their own SmimeProtector: gpgsm contexts
// are per thread too) and one SMTP session reused across their messages; a global
// token bucket paces submissions (--rate N/min); temporary failures (4xx,
// lost connection, timeout) are retried with exponential backoff on a fresh
// connection up to max_attempts; permanent ones (5xx) are final.
//
// Outcomes (journal, audit log, output) are recorded in ONE thread, the
// caller of run(): workers hand their outcomes over a queue and `on_outcome`
// is always called from the calling thread, so the journal (SQLite) needs no
// locking of its own. The one exception is the write-ahead audit record
// (`before_submit`), appended by the worker itself right before its first
// submission attempt; the audit log serialises appends with flock. A message
// whose 250 arrived but whose outcome was not yet recorded when the process
// died is sent again on the rerun with the same Message-ID (the documented
// worst case), and its "pending" audit record proves the first attempt.

#include <peermail/protect/protect.hpp>
#include <peermail/protect/smime.hpp>
#include <peermail/transport/transport.hpp>
#include <peermail/util/cancel.hpp>
#include <peermail/util/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peermail::batch {

// One message to one recipient, already rendered and validated.
struct Job
{
  std::size_t index = 0;  // position in the recipients file (0-based)
  std::string email;      // envelope recipient, bare lower-case address
  std::string message;    // the plaintext RFC 5322 message (CRLF), with its Message-ID
  std::string message_id; // without angle brackets
  std::vector<std::string> recipient_fprs; // the recipient's key, then self/archive
  // The recipient reads S/MIME ([[peer]] protocol = "smime"): signed by
  // Options::smime_signer_fpr and enveloped by the worker's SmimeProtector;
  // recipient_fprs are certificates (the recipient's, then the own one).
  bool smime = false;
};

// What happened to one job.
struct Outcome
{
  std::size_t index = 0;
  std::string email;
  std::string message_id;
  // "sent", "would-send", "failed", "not-sent", or "unknown": the reply to
  // the final "." never came (Errc::maybe_delivered); never retried; or
  // "interrupted": a stop request (Options::cancel) aborted its submission
  // before the final "." (Errc::canceled): not delivered, sent again on
  // resume.
  std::string status;
  int attempts = 0; // submission attempts made (0: never submitted)
  std::optional<int> smtp_code;
  std::optional<Error> error; // for "failed" and "not-sent"
  std::vector<std::string> recipient_fprs;
  bool smime = false;         // the job's (S/MIME, else PGP/MIME)
  std::string hash_algo;      // of the signature
  std::string content_sha256; // of the signed entity
  std::optional<transport::TlsInfo> tls;
  std::optional<std::uint64_t> pending_seq; // the write-ahead audit record, if written
};

struct Options
{
  unsigned workers = 2;                    // >= 1
  double rate_per_minute = 0;              // 0: unlimited
  int max_attempts = 3;                    // >= 1; attempts per message
  std::chrono::milliseconds backoff{1000}; // first retry delay; doubles each time
  std::chrono::milliseconds max_backoff{60000};
  bool dry_run = false;  // protect, but never submit ("would-send")
  std::string mail_from; // envelope sender (the identity)
  std::string signer_fpr;
  std::string smime_signer_fpr; // identity.smime_cert, for Job::smime
  bool protect_subject = true;
  // Polled between messages and retries (util/cancel.hpp); may be null; not
  // owned. On a stop request no new job starts (they are "not-sent" with
  // interrupted_error()), backoff and pacing waits end, and the sessions
  // (made with the same Cancel) abort submissions before their final ".".
  const util::Cancel* cancel = nullptr;
};

// The collaborators; every function may be called from worker threads
// except `on_outcome` and `on_progress`.
struct Hooks
{
  std::function<Result<std::unique_ptr<protect::Protector>>()> make_protector;
  // Made once per worker when some job is Job::smime.
  std::function<Result<std::unique_ptr<protect::SmimeProtector>>()> make_smime;
  std::function<Result<std::unique_ptr<transport::Transport>>()> make_transport;
  // Append the write-ahead ("pending") audit record of `o` (protected, about
  // to be submitted for the first time) and return its seq. Called from
  // worker threads: must be thread-safe. An error means the message is not
  // submitted: its outcome is "failed" with that error (and an io error
  // stops the batch). Empty: no write-ahead record.
  std::function<Result<std::uint64_t>(const Outcome& o)> before_submit;
  // Record one outcome (journal, audit, output), called from run()'s thread
  // in completion order. An error stops the batch: no new job starts, jobs
  // in flight finish and are still passed here; the first error is returned
  // by run().
  std::function<Result<void>(const Outcome&)> on_outcome;
  // Called from run()'s thread about every 200 ms while jobs are running
  // (progress bars); may be empty.
  std::function<void()> on_progress;
  // Sleep (backoff, rate pacing); empty = std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct Summary
{
  std::size_t sent = 0; // "sent" or "would-send"
  std::size_t failed = 0;
  std::size_t unknown = 0;      // the reply to the final "." never came
  std::size_t not_sent = 0;     // never attempted (batch stopped)
  std::size_t interrupted = 0;  // submission aborted before the final "."
  std::optional<Error> stopped; // why the batch stopped early, if it did
};

// The error of a run stopped by a stop request (Errc::canceled): "the run
// was interrupted; nothing new was started", with the resume fix.
Error interrupted_error();

// Return true if `e` is worth another attempt (4xx, timeout, lost
// connection): Errc::temp.
bool is_retryable(const Error& e);

// Return true if `e` would fail every other message of the session too (no
// compliant TLS, authentication, protocol), so the batch stops: errors
// without an SMTP reply code other than temp ones.
bool stops_batch(const Error& e);

// Return the delay before attempt `attempt` (2, 3, …): backoff × 2^(attempt-2),
// capped at max_backoff.
std::chrono::milliseconds backoff_delay(const Options& opts, int attempt);

// Protect and submit `jobs` with `opts.workers` workers and pass every
// outcome to hooks.on_outcome (jobs never started because the batch stopped
// are passed as "not-sent"). Failures of single messages are outcomes;
// Summary::stopped holds what stopped the batch early (a worker that could
// not be set up, an error that would fail every message, the first error of
// on_outcome). Never throws.
Summary run(const std::vector<Job>& jobs, const Options& opts, const Hooks& hooks);

// A global pacing limiter: at most `per_minute` acquisitions per minute,
// spaced evenly (no bursts). Thread-safe. per_minute <= 0: no limit.
class RateLimiter
{
public:
  explicit RateLimiter(double per_minute);

  // Return how long the caller must wait before its turn (and reserve it).
  std::chrono::milliseconds reserve();

private:
  struct State;
  std::shared_ptr<State> m_state;
};

} // namespace peermail::batch
