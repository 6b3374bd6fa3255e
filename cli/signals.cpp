// SPDX-License-Identifier: GPL-3.0-or-later
#include "signals.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <utility>

namespace peermail::cli {

namespace {

std::atomic<util::Cancel*> g_cancel{nullptr};
static_assert(std::atomic<util::Cancel*>::is_always_lock_free);

void
write_note(const char* text, std::size_t size)
{
  if (::write(STDERR_FILENO, text, size) < 0) {
    // Nothing to do in a signal handler.
  }
}

void
on_signal(int sig)
{
  const int saved = errno;
  util::Cancel* c = g_cancel.load();
  if (c != nullptr) {
    c->request(sig);
    if (c->abort_now()) {
      static constexpr char k_abort[] =
        "\npeermail: aborting now: a message in flight may or may not have been delivered\n";
      write_note(k_abort, sizeof k_abort - 1);
    } else {
      static constexpr char k_stop[] =
        "\npeermail: interrupted: starting nothing new, finishing the message in flight "
        "(interrupt again to abort it)\n";
      write_note(k_stop, sizeof k_stop - 1);
    }
  }
  errno = saved;
}

} // namespace

StopOnSignals::StopOnSignals(util::Cancel& cancel)
  : m_cancel(cancel)
{
  g_cancel.store(&cancel);
  struct sigaction sa
  {
  };
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART; // reads and writes resume; poll() waits end early
  // A signal the caller ignores (nohup, `cmd &` in a script for SIGINT)
  // stays ignored, as the shell asked.
  for (const auto& [sig, old] : {
         std::pair{SIGINT,  &m_old_int },
         std::pair{SIGTERM, &m_old_term}
  }) {
    ::sigaction(sig, nullptr, old);
    if (old->sa_handler != SIG_IGN) {
      ::sigaction(sig, &sa, nullptr);
    }
  }
}

StopOnSignals::~StopOnSignals()
{
  ::sigaction(SIGINT, &m_old_int, nullptr);
  ::sigaction(SIGTERM, &m_old_term, nullptr);
  g_cancel.store(nullptr);
}

util::Cancel&
process_cancel()
{
  static util::Cancel cancel;
  return cancel;
}

int
StopOnSignals::signal() const
{
  return m_cancel.signal();
}

int
StopOnSignals::exit_code(int code) const
{
  const int sig = m_cancel.signal();
  return sig > 0 ? 128 + sig : code;
}

std::string
signal_name(int sig)
{
  switch (sig) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  default:
    return fmt::format("signal {}", sig);
  }
}

} // namespace peermail::cli
