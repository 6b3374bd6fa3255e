// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// SIGINT/SIGTERM while `send`, `sendmail` or `batch` runs (docs/DESIGN.md §3):
// the handlers only raise a util::Cancel that the library polls. First
// signal: start nothing new, abort a submission whose final "." has not been
// sent, wait for the reply of one whose "." went out, write the outcome
// records, print the summary. Second signal: abort whatever is in flight
// (its outcome may be unknown). Either way the exit code is 128 + the first
// signal: 130 (SIGINT) or 143 (SIGTERM).

#include <peermail/util/cancel.hpp>

#include <csignal>
#include <string>

namespace peermail::cli {

// While it lives, SIGINT and SIGTERM request `cancel` (async-signal-safe:
// atomics and one write(2) of a fixed note to stderr); the previous
// handlers come back on destruction. A signal that is ignored when it is
// installed (nohup; SIGINT of `cmd &` in a script) stays ignored. One at a
// time.
class StopOnSignals
{
public:
  explicit StopOnSignals(util::Cancel& cancel);
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  // Return 128 + the first signal if one arrived, else `code`.
  int exit_code(int code) const;

  // Return the first signal that arrived (0: none).
  int signal() const;

private:
  util::Cancel& m_cancel;
  struct sigaction m_old_int
  {
  };
  struct sigaction m_old_term
  {
  };
};

// Return the process's one Cancel, which StopOnSignals raises and the
// requests of `send`, `sendmail` and `batch` carry.
util::Cancel& process_cancel();

// Return "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int sig);

} // namespace peermail::cli
