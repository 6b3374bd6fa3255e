// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Output of `peermail batch`: a progress bar on a TTY (stderr), one JSON line
// per recipient with --json (stdout), failures on stderr, a summary at the
// end. Never a subject, body or field value.

#include "progress_line.hpp"

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
  // `recipients`: the recipients file, named with the line of a row.
  BatchReporter(bool json, bool progress, bool dry_run, std::string recipients);

  // One recipient's line: --json on stdout; failures as text on stderr. An
  // invalid row is named by FILE:LINE (its value is in the error, shown
  // terminal-safe and clipped by the data layer).
  void recipient(const batch_run::RecipientEvent& e);

  // Redraw the progress bar (TTY only, at most every 200 ms unless `force`).
  void progress(const BatchTally& t, bool force = false);

  // The summary: a JSON line with --json, else a text line on stdout.
  // `signal`: the SIGINT/SIGTERM that interrupted the run (0: none).
  void summary(const BatchTally& t, int exit_code, int signal = 0);

private:
  bool m_json;
  bool m_dry_run;
  std::string m_recipients;
  std::chrono::steady_clock::time_point m_start;
  ProgressLine m_line;

  void clear_bar();
  void print_summary_text(const BatchTally& t, double secs) const;
};

// Print every problem of a refused batch (text on stderr, --json an object
// on stdout) naming FILE:LINE (`recipients` or `template_path`); return the
// report's exit code (65 when any is about the input data, else 67 …).
int report_batch_problems(bool json,
                          const std::string& recipients,
                          const std::string& template_path,
                          const batch_run::Report& report);

} // namespace peermail::cli
