// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A cancellation request shared between the CLI's signal handlers and the
// library (send, batch, the SMTP session). The library never installs
// handlers: it polls a Cancel it is given (between messages, and from
// libcurl's progress callback) and decides what may still finish.
//
//   level 0: run normally
//   level 1: stop: start nothing new; abort a submission whose final "."
//            has not been sent (its outcome is "interrupted", nothing was
//            delivered); one whose "." went out waits for its reply
//   level 2: abort now, whatever is in flight (its outcome may be unknown)
//
// request() only touches lock-free atomics: it is async-signal-safe.

#include <atomic>

namespace peermail::util {

class Cancel
{
public:
  // Raise the level by one (at most 2) and remember `signal` (the first one
  // wins). Async-signal-safe.
  void
  request(int signal = 0) noexcept
  {
    int expected = 0;
    m_signal.compare_exchange_strong(expected, signal);
    int level = m_level.load();
    while (level < 2 && !m_level.compare_exchange_weak(level, level + 1)) {
    }
  }

  // Return true once a stop was requested (level >= 1).
  bool
  requested() const noexcept
  {
    return m_level.load() >= 1;
  }

  // Return true when in-flight work must be aborted now (level 2).
  bool
  abort_now() const noexcept
  {
    return m_level.load() >= 2;
  }

  // Return the signal passed to the first request() (0 if none).
  int
  signal() const noexcept
  {
    return m_signal.load();
  }

private:
  static_assert(std::atomic<int>::is_always_lock_free);
  std::atomic<int> m_level{0};
  std::atomic<int> m_signal{0};
};

// Return true if `cancel` is set and a stop was requested.
inline bool
cancel_requested(const Cancel* cancel) noexcept
{
  return cancel != nullptr && cancel->requested();
}

} // namespace peermail::util
