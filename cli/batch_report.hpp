// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Output of `peermail batch`: a progress bar on a TTY (stderr), one JSON line
// per recipient with --json (stdout), failures on stderr, a summary at the
// end. Never a subject, body or field value.

#include <peermail/batch/scheduler.hpp>
#include <peermail/util/error.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace peermail::cli {

struct BatchTally
{
  std::size_t total = 0;   // recipients selected (shard) from the file
  std::size_t to_send = 0; // of which this run submits
  std::size_t sent = 0;    // "sent" / "would-send" in this run
  std::size_t failed = 0;
  std::size_t unknown = 0;      // no reply to the final "." (this or an earlier run)
  std::size_t not_sent = 0;     // never attempted (batch stopped)
  std::size_t already_sent = 0; // sent by an earlier run (journal)
  std::size_t unready = 0;      // skipped with --skip-unready
  int worst = 0;                // worst exit code among recipients
};

// Return the worse of two exit codes for the batch (docs/DESIGN.md §3): any
// failure beats success; a permanent failure beats a temporary one (75),
// which a rerun may fix; otherwise the higher code.
int worse_exit(int a, int b);

class BatchReporter
{
public:
  BatchReporter(bool json, bool progress, bool dry_run);

  // One recipient's line: --json on stdout; failures as text on stderr.
  void recipient(const std::string& email,
                 const std::string& status,
                 const std::string& message_id,
                 std::optional<int> smtp_code,
                 int attempts,
                 const std::optional<Error>& error,
                 int exit_code);

  // Redraw the progress bar (TTY only, at most every 200 ms unless `force`).
  void progress(const BatchTally& t, bool force = false);

  // The summary: a JSON line with --json, else a text line on stdout.
  void summary(const BatchTally& t, int exit_code);

private:
  bool m_json;
  bool m_progress;
  bool m_dry_run;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last_draw{};

  void clear_bar();
  void print_summary_text(const BatchTally& t, double secs) const;
};

} // namespace peermail::cli
