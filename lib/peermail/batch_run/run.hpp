// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The `batch` use case (docs/DESIGN.md §2.2): templated, personal, signed and
// encrypted notifications to many recipients, resumable through a durable
// journal.
//
//   read recipients + template (every problem collected) → select the shard →
//   judge the signing key, encrypt-to-self and every recipient key once →
//   render every personal message → refuse (65/67) or go on → journal: skip
//   who already got it, store each Message-ID before sending → scheduler (N
//   workers, own Protector + SMTP session each) → journal + audit + event per
//   recipient → the worst exit code.
//
// Never prints: what happens is passed to Events and returned in a Report
// that the CLI renders.

#include <peermail/batch/preflight.hpp>
#include <peermail/config/config.hpp>
#include <peermail/send/pipeline.hpp>
#include <peermail/util/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace peermail::batch_run {

struct Shard
{
  std::size_t index = 0; // 0-based
  std::size_t count = 1;
};

// Parse --rate: "N/min" (or a bare N), "N/s", "N/h" into messages per
// minute; "" is 0 (unlimited). Errors: usage, with the fix.
Result<double> parse_rate(const std::string& text);

// Parse --shard "I/N" (1 <= I <= N); "" is the whole file. Errors: usage.
Result<Shard> parse_shard(const std::string& text);

// The default journal: next to the recipients file, named after it (and the
// shard), so that rerunning the same command finds it.
std::string default_journal(const std::string& recipients, const Shard& shard);

// Return the worse of two exit codes for the batch (docs/DESIGN.md §3): any
// failure beats success; a permanent failure beats a temporary one (75),
// which a rerun may fix; otherwise the higher code.
int worse_exit(int a, int b);

// Return the exit code of a refused batch: 65 when any problem is about the
// input data (fix the input first), else 67 when all are about keys, else the
// code of the first other problem.
int refusal_exit(const std::vector<batch::Problem>& problems,
                 const std::function<int(Errc)>& exit_code);

struct Request
{
  std::string recipients;    // the recipients file
  std::string template_path; // the template
  std::string journal;       // "" = default_journal()
  bool dry_run = false;
  unsigned workers = 1;
  double rate_per_minute = 0; // 0: unlimited
  int max_attempts = 3;       // 1..20
  Shard shard;
  bool skip_unready = false;
  // Skip the rows that are wrong on their own (batch::Problem::row: a bad
  // address, a missing value, …) and send the rest; each is reported as an
  // "invalid" RecipientEvent with its line and audited as refused, and the
  // run ends with the data exit code (65). A problem of the whole batch (a
  // CSV that cannot be parsed, the header, the template, a key of the
  // identity) still refuses it, and so does a file with no valid row left.
  // Invalid rows have no address to shard by: every shard reports them.
  bool skip_invalid = false;
  std::string gnupg_home;
  std::map<std::string, std::string> env;           // the process environment
  std::optional<std::chrono::milliseconds> backoff; // first retry delay (tests)
  // A stop request from the CLI's SIGINT/SIGTERM handler (util/cancel.hpp;
  // may be null; not owned). In-flight submissions that had not sent their
  // final "." end as "interrupted" (audited with their pending_seq, sent
  // again on resume); nothing new starts; the run ends with Report::stopped
  // = batch::interrupted_error().
  const util::Cancel* cancel = nullptr;
};

struct Tally
{
  std::size_t total = 0;   // recipients selected (shard) from the file, invalid rows included
  std::size_t to_send = 0; // of which this run submits
  std::size_t sent = 0;    // "sent" / "would-send" in this run
  std::size_t failed = 0;
  std::size_t unknown = 0;      // no reply to the final "." (this or an earlier run)
  std::size_t not_sent = 0;     // never attempted (batch stopped)
  std::size_t interrupted = 0;  // submission aborted before the final "." (not delivered)
  std::size_t already_sent = 0; // sent by an earlier run (journal)
  std::size_t resolved = 0;     // pending audit records of earlier runs resolved on resume
  std::size_t unready = 0;      // skipped with --skip-unready
  std::size_t invalid = 0;      // rows skipped with --skip-invalid
  int worst = 0;                // worst exit code among recipients
};

// One recipient's outcome, as the CLI shows it.
struct RecipientEvent
{
  std::string email;
  std::string status; // "sent", "would-send", "failed", "not-sent", "already-sent", "unready",
                      // "invalid", "unknown", "interrupted"
  std::string message_id;
  std::optional<int> smtp_code;
  int attempts = 0;
  std::optional<Error> error;
  int exit_code = 0;
  // The recipients-file line of the row ("invalid" and "unready"; else 0).
  // An invalid row's `email` is "" when its address is what is wrong: the
  // error then shows the value (terminal-safe, clipped), never the audit.
  std::size_t line = 0;
  // How the recipient reads mail: "OpenPGP" or "S/MIME" (its [[peer]]
  // protocol); "" for an invalid row.
  std::string protocol;
};

// What happens while the batch runs; every callback is called from the
// caller's thread and may be empty.
struct Events
{
  std::function<void(const std::string& warning)> warning; // expiring keys, unaudited refusal
  std::function<void(const RecipientEvent&)> recipient;
  std::function<void(const Tally&, bool force)> progress;
};

struct Report
{
  enum class Kind {
    finished, // the batch ran (maybe stopped early: `stopped`)
    refused,  // preflight found `problems`; nothing was sent
    failed,   // `error` ended the run (keyring, journal, audit, login)
  };
  Kind kind = Kind::finished;
  int exit_code = 0;
  std::vector<batch::Problem> problems;
  std::optional<Error> error;
  std::optional<Error> stopped; // why a finished batch stopped early
  Tally tally;
};

// Run the batch `req` for `cfg` with the collaborators `services` (their
// exit_name names the audit exit code); `exit_code` maps an Errc to the exit
// code of DESIGN.md §3 (the CLI's one table).
Report run(const config::Config& cfg,
           const Request& req,
           const send::Services& services,
           const std::function<int(Errc)>& exit_code,
           const Events& events);

} // namespace peermail::batch_run
