// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// One line of progress on a terminal's stderr, rewritten in place
// ("\r\033[K"), for work a person would otherwise watch in silence: send
// (after about two seconds), batch and the probe (at once). stdout (the report,
// --json) never carries it, and it is cleared before the report is printed.

#include <chrono>
#include <string>
#include <string_view>

namespace peermail::cli {

class ProgressLine
{
public:
  // Draw only when `enabled` (stderr a terminal, not --quiet), and only once
  // `delay` has passed since construction.
  ProgressLine(bool enabled, std::chrono::milliseconds delay);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Show "STEP: DETAIL...": drawn at once when `step` differs from the last
  // one drawn, else at most five times a second.
  void show(std::string_view step, std::string_view detail = {});

  // Draw `text` as it is, at most five times a second unless `force`.
  void draw(std::string_view text, bool force);

  bool
  enabled() const
  {
    return m_enabled;
  }

  // Erase the line (if one was drawn). Safe to call twice.
  void clear();

private:
  using Clock = std::chrono::steady_clock;
  bool m_enabled;
  Clock::time_point m_start;
  std::chrono::milliseconds m_delay;
  Clock::time_point m_last_draw{};
  std::string m_last_step;
  bool m_drawn = false;
};

// Return true when stderr is a terminal and --quiet is not given: where a
// progress line may be drawn.
bool progress_wanted(bool quiet);

} // namespace peermail::cli
