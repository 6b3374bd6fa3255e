// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Output of `peermail batch`: a progress bar on a TTY (stderr), one JSON line
// per recipient with --json (stdout), failures on stderr, a summary at the
// end. Never a subject, body or field value.

#include <peermail/batch_run/run.hpp>
#include <peermail/util/error.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace peermail::cli {

// The counts of a run (batch_run::run keeps them).
using BatchTally = batch_run::Tally;

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
  // `signal`: the SIGINT/SIGTERM that interrupted the run (0: none).
  void summary(const BatchTally& t, int exit_code, int signal = 0);

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
