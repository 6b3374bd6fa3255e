// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The durable batch journal (docs/DESIGN.md §2.2): one SQLite file per batch run,
// keyed by (batch id, recipient email). It makes a rerun of the same command
// resume, never sending twice to a recipient the server accepted.
//
// States: pending → sent (message_id, smtp code, time) | failed (code,
// attempts, error) | unknown (the final "." of DATA went out and its reply
// never came: the server may have accepted it). `sent` and `unknown` are
// final: a failed recipient is pending work again on the next run, an
// unknown one is never sent again automatically (it could be delivered
// twice); the user checks with the recipient. The Message-ID of every recipient is stored by
// add_pending() BEFORE the first attempt, so a crash between the server's 250
// and mark_sent() can at worst resend with the SAME Message-ID.
//
// Durability: journal_mode=WAL, synchronous=FULL: every committed call has
// reached the disk when it returns, so `kill -9` at any moment loses nothing
// that a call reported as done. The file (and its -wal/-shm) is mode 0600.
// One run at a time owns a journal: open() takes an exclusive flock(2) on
// "<path>.lock" (mode 0600, holding the owner's pid) and keeps it until the
// Journal is destroyed, or the process dies. A second open() while it is held
// fails at once with Errc::temp (75) naming the pid of the holder, so two
// `batch` runs can never both send from one journal. (A separate file, not
// the journal itself: closing any descriptor of the SQLite file would drop
// SQLite's own POSIX locks.)
//
// The batch id is opaque here (e.g. make_batch_id()); a journal refuses to
// be opened for another batch (Errc::data), so a changed recipients file or
// template never silently resumes someone else's run.
//
// Usage:
//   auto j = Journal::open(path, batch_id);              // Result<Journal>
//   j->add_pending({{email, message_id}, …});           // one transaction
//   for (auto& e : *j->remaining()) { j->record_attempt(e.email); …send…;
//     j->mark_sent(e.email, 250) or j->mark_failed(e.email, code, err); }
//   j->counts();
// Not thread-safe: use one Journal from one thread (the scheduler's
// on_outcome thread).

#include <peermail/util/fd.hpp>
#include <peermail/util/handle.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;

namespace peermail::batch {

// Close a journal database (sqlite3_close_v2): the release function of
// Journal's database handle.
void close_db(sqlite3* db);

// The error text of an entry marked in flight (mark_in_flight).
inline constexpr std::string_view k_in_flight =
  "the run stopped while submitting it: it may have been delivered";

enum class EntryState {
  pending,
  sent,
  failed,
  unknown,
};

// Return "pending", "sent", "failed" or "unknown".
std::string_view to_string(EntryState s);

struct JournalEntry
{
  std::string email;      // bare, lower-case
  std::string message_id; // as stored by add_pending (caller's form)
  EntryState state = EntryState::pending;
  int attempts = 0;             // submission attempts recorded so far
  std::optional<int> smtp_code; // last SMTP reply code, if any
  std::string error;            // last error message (failed), never content
  std::int64_t updated_ms = 0;  // last change, ms since the epoch (UTC)
  std::int64_t order = 0;       // insertion order (rows come back in this order)
};

struct JournalCounts
{
  std::size_t pending = 0;
  std::size_t sent = 0;
  std::size_t failed = 0;
  std::size_t unknown = 0;
};

// Return the hex SHA-256 batch id over the recipients file bytes, the
// template bytes and the identity (signing key fingerprint and From), each
// length-prefixed so that no two inputs collide.
std::string make_batch_id(std::string_view recipients_bytes,
                          std::string_view template_bytes,
                          std::string_view identity);

class Journal
{
public:
  // Open or create (mode 0600) the journal at `path` for `batch_id`, and hold
  // its run lock. Errors: temp (another run holds the lock: the message names
  // its pid), io (cannot create, open or write), data (not a journal, or a
  // journal of another batch: the message says so and how to fix).
  static Result<Journal> open(const std::string& path, const std::string& batch_id);

  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  // Insert each (email, message_id) not yet in the journal as pending, in
  // one transaction; entries already present keep their Message-ID and
  // state. Errors: io.
  Result<void> add_pending(const std::vector<std::pair<std::string, std::string>>& entries);

  // Return the entry for `email`, if any. Errors: io.
  Result<std::optional<JournalEntry>> get(const std::string& email) const;

  // Return every entry, in insertion order. Errors: io.
  Result<std::vector<JournalEntry>> entries() const;

  // Return the entries still to send (pending or failed; never unknown), in
  // insertion order. Errors: io.
  Result<std::vector<JournalEntry>> remaining() const;

  // Count one more submission attempt for `email` (durably, before it is
  // made). Errors: io; data when `email` is unknown.
  Result<void> record_attempt(const std::string& email);

  // Mark `email` as sent with the server's `smtp_code`. A sent entry stays
  // sent. Errors: io; data when `email` is unknown.
  Result<void> mark_sent(const std::string& email, int smtp_code);

  // Mark `email` as failed with the last `smtp_code` (if any), `error` (no
  // content: Error::message) and, when given, the total `attempts` (else the
  // recorded count is kept). A sent entry stays sent (the call is ignored).
  // Errors: io; data when `email` is unknown.
  Result<void> mark_failed(const std::string& email,
                           std::optional<int> smtp_code,
                           const std::string& error,
                           std::optional<int> attempts = std::nullopt);

  // Mark `email` as unknown (the reply to the final "." never came) with
  // `error` (no content) and the total `attempts`. A sent entry stays sent.
  // Errors: io; data when `email` is unknown to the journal.
  Result<void> mark_unknown(const std::string& email, const std::string& error, int attempts);

  // Mark `email` as in flight, durably, just before its submission starts:
  // stored as unknown (error k_in_flight) until the outcome replaces it. A
  // run killed while submitting (Ctrl-C, a lost session, during the wait for
  // the reply to the final ".") thus leaves an entry that is never sent again
  // automatically. A sent entry stays sent. Errors: io; data when unknown.
  Result<void> mark_in_flight(const std::string& email);

  // Return how many entries are in each state. Errors: io.
  Result<JournalCounts> counts() const;

  // Return the path and the batch id.
  const std::string&
  path() const
  {
    return m_path;
  }
  const std::string&
  batch_id() const
  {
    return m_batch_id;
  }

private:
  Journal(sqlite3* db, std::string path, std::string batch_id, util::Fd lock);
  Result<void> exec(const char* sql) const;

  // Declared in this order so that the database is closed before the run
  // lock is released.
  util::Fd m_lock; // flock(LOCK_EX) on "<path>.lock", held while open
  util::Handle<sqlite3, close_db> m_db;
  std::string m_path;
  std::string m_batch_id;
};

} // namespace peermail::batch
