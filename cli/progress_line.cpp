// SPDX-License-Identifier: GPL-3.0-or-later
// One rewritten line of progress on stderr (progress_line.hpp).
#include "progress_line.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <cstdio>

namespace peermail::cli {

ProgressLine::ProgressLine(bool enabled, std::chrono::milliseconds delay)
  : m_enabled(enabled),
    m_start(Clock::now()),
    m_delay(delay)
{
}

ProgressLine::~ProgressLine()
{
  clear();
}

void
ProgressLine::show(std::string_view step, std::string_view detail)
{
  if (!m_enabled) {
    return;
  }
  const bool new_step = step != m_last_step;
  m_last_step = std::string(step);
  draw(fmt::format("{}{}{}...", step, detail.empty() ? "" : ": ", detail), new_step);
}

void
ProgressLine::draw(std::string_view text, bool force)
{
  if (!m_enabled) {
    return;
  }
  const auto now = Clock::now();
  if (now - m_start < m_delay) {
    return;
  }
  if (!force && m_drawn && now - m_last_draw < std::chrono::milliseconds(200)) {
    return;
  }
  m_last_draw = now;
  fmt::print(stderr, "\r\033[K{}", text);
  std::fflush(stderr);
  m_drawn = true;
}

void
ProgressLine::clear()
{
  if (m_drawn) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    m_drawn = false;
  }
}

bool
progress_wanted(bool quiet)
{
  return !quiet && ::isatty(STDERR_FILENO) == 1;
}

} // namespace peermail::cli
