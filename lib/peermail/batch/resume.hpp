// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The scheduler's view of the durable batch journal: which recipients
// already got their message, and the Message-ID each one's message carries,
// stored BEFORE anything is sent so that a resend after a crash reuses it.
// A thin seam over batch/journal (SQLite).

#include <peermail/batch/scheduler.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peermail::batch {

struct ResumeEntry
{
  std::string message_id;       // without angle brackets
  bool sent = false;            // the server accepted it in an earlier run
  int attempts = 0;             // attempts made in earlier runs
  bool unknown = false;         // an earlier run never got the reply to its final "."
  bool failed = false;          // the last attempt of an earlier run failed
  std::optional<int> smtp_code; // the last SMTP reply code, if any
  std::int64_t updated_ms = 0;  // the entry's last change (ms since the epoch)
};

class Resume
{
public:
  virtual ~Resume() = default;

  // Return the journal's entry for every address of `emails`; addresses it
  // does not know yet get the Message-ID `make_id(email)`, stored durably (one
  // transaction) before this returns.
  virtual Result<std::map<std::string, ResumeEntry>>
  plan(const std::vector<std::string>& emails,
       const std::function<std::string(const std::string& email)>& make_id) = 0;

  // Record the outcome of one message durably ("sent", "failed", "unknown";
  // "interrupted" is recorded as failed: not delivered, sent again on
  // resume; others are ignored).
  virtual Result<void> record(const Outcome& o) = 0;

  // Record durably that `o` is about to be submitted (Journal::mark_in_flight):
  // a run that dies before record() leaves it never to be resent.
  virtual Result<void> in_flight(const Outcome& o) = 0;
};

// Open (create, mode 0600) the journal at `path` for the batch `batch_key`.
// Errors: io (cannot create or write), data (the file is not a journal, or
// belongs to another batch).
Result<std::unique_ptr<Resume>> open_resume(const std::string& path, const std::string& batch_key);

} // namespace peermail::batch
