// SPDX-License-Identifier: GPL-3.0-or-later
#include "scheduler.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace peermail::batch {

using Clock = std::chrono::steady_clock;

// --- RateLimiter -------------------------------------------------------------

struct RateLimiter::State
{
  std::mutex mu;
  Clock::duration interval{0};
  Clock::time_point next{};
};

RateLimiter::RateLimiter(double per_minute)
  : m_state(std::make_shared<State>())
{
  if (per_minute > 0) {
    m_state->interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(60.0 / per_minute));
  }
}

std::chrono::milliseconds
RateLimiter::reserve()
{
  if (m_state->interval.count() == 0) {
    return std::chrono::milliseconds(0);
  }
  std::lock_guard<std::mutex> lock(m_state->mu);
  const auto now = Clock::now();
  const auto slot = std::max(now, m_state->next);
  m_state->next = slot + m_state->interval;
  return std::chrono::ceil<std::chrono::milliseconds>(slot - now);
}

// --- error taxonomy ----------------------------------------------------------

bool
is_retryable(const Error& e)
{
  return e.code == Errc::temp;
}

bool
stops_batch(const Error& e)
{
  if (is_retryable(e)) {
    return false;
  }
  switch (e.code) {
  case Errc::unavailable:
    // A 5xx reply concerns this message or recipient; no reply at all means
    // the server cannot offer compliant TLS: every message would fail.
    return !e.smtp_status.has_value();
  case Errc::protocol:
  case Errc::auth:
  case Errc::permissions:
  case Errc::config:
  case Errc::insecure_config:
  case Errc::io:
  case Errc::internal:
    return true;
  default:
    return false;
  }
}

std::chrono::milliseconds
backoff_delay(const Options& opts, int attempt)
{
  if (attempt <= 1) {
    return std::chrono::milliseconds(0);
  }
  auto d = opts.backoff;
  for (int i = 2; i < attempt && d < opts.max_backoff; ++i) {
    d *= 2;
  }
  return std::min(d, opts.max_backoff);
}

Error
interrupted_error()
{
  return Error(Errc::canceled,
               "the run was interrupted; nothing new was started",
               "",
               "run the same command again to resume: who got a message is never sent it again");
}

// --- run ---------------------------------------------------------------------

namespace {

class Run
{
public:
  Run(const std::vector<Job>& jobs, const Options& opts, const Hooks& hooks)
    : m_jobs(jobs),
      m_opts(opts),
      m_hooks(hooks),
      m_limiter(opts.rate_per_minute)
  {
  }

  Summary
  go()
  {
    const unsigned n =
      std::max(1U,
               std::min<unsigned>(m_opts.workers,
                                  static_cast<unsigned>(std::max<std::size_t>(1, m_jobs.size()))));
    m_running = n;
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      threads.emplace_back([this] { worker_main(); });
    }
    record_loop();
    for (auto& t : threads) {
      t.join();
    }
    // Jobs that never started.
    for (std::size_t i = m_next.load(); i < m_jobs.size(); ++i) {
      Outcome o = skeleton(m_jobs[i]);
      o.status = "not-sent";
      o.error = m_summary.stopped;
      record(o);
    }
    return std::move(m_summary);
  }

private:
  const std::vector<Job>& m_jobs;
  const Options& m_opts;
  const Hooks& m_hooks;
  RateLimiter m_limiter;
  std::atomic<std::size_t> m_next{0};
  std::atomic<bool> m_stop{false};

  std::mutex m_mu;
  std::condition_variable m_cv;
  std::deque<Outcome> m_done;        // guarded by m_mu
  unsigned m_running = 0;            // guarded by m_mu
  std::optional<Error> m_stop_error; // guarded by m_mu: first reason to stop

  Summary m_summary; // only touched by the recording thread

  bool
  canceled() const
  {
    return util::cancel_requested(m_opts.cancel);
  }

  // Sleep `d`; a stop request ends the wait early.
  void
  sleep(std::chrono::milliseconds d) const
  {
    if (d.count() <= 0 || canceled()) {
      return;
    }
    if (m_hooks.sleep) {
      m_hooks.sleep(d);
      return;
    }
    const auto until = Clock::now() + d;
    constexpr auto k_slice = std::chrono::milliseconds(50);
    while (!canceled()) {
      const auto left = until - Clock::now();
      if (left <= Clock::duration::zero()) {
        break;
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(left, k_slice));
    }
  }

  void
  request_stop(Error e)
  {
    std::lock_guard<std::mutex> lock(m_mu);
    if (!m_stop_error) {
      m_stop_error = std::move(e);
    }
    m_stop = true;
  }

  void
  push(Outcome o)
  {
    {
      std::lock_guard<std::mutex> lock(m_mu);
      m_done.push_back(std::move(o));
    }
    m_cv.notify_one();
  }

  static Outcome
  skeleton(const Job& job)
  {
    Outcome o;
    o.index = job.index;
    o.email = job.email;
    o.message_id = job.message_id;
    o.recipient_fprs = job.recipient_fprs;
    o.smime = job.smime;
    return o;
  }

  void
  worker_main()
  {
    try {
      work();
    } catch (const std::exception& ex) {
      request_stop(Error(Errc::internal, fmt::format("batch worker: {}", ex.what())));
    } catch (...) {
      request_stop(Error(Errc::internal, "batch worker: unknown exception"));
    }
    {
      std::lock_guard<std::mutex> lock(m_mu);
      --m_running;
    }
    m_cv.notify_one();
  }

  // A worker's protectors: its own GPGME contexts for PGP/MIME, and for
  // S/MIME (made only when some job needs it).
  struct Engines
  {
    std::unique_ptr<protect::Protector> pgp;
    std::unique_ptr<protect::SmimeProtector> smime;
  };

  Result<Engines>
  make_engines() const
  {
    Engines e;
    if (!m_hooks.make_protector) {
      return fail(Errc::internal, "no protector factory");
    }
    PEERMAIL_TRY_ASSIGN(e.pgp, m_hooks.make_protector());
    const bool smime =
      std::any_of(m_jobs.begin(), m_jobs.end(), [](const Job& j) { return j.smime; });
    if (smime) {
      if (!m_hooks.make_smime) {
        return fail(Errc::internal, "no S/MIME protector factory");
      }
      PEERMAIL_TRY_ASSIGN(e.smime, m_hooks.make_smime());
    }
    return e;
  }

  void
  work()
  {
    auto engines = make_engines();
    if (!engines) {
      request_stop(engines.error());
      return;
    }
    // Every OpenPGP recipient key in one keyring listing (not two gpg
    // processes per message); on failure the keys are looked up one by one
    // as needed. S/MIME certificates are not in the OpenPGP keyring.
    {
      std::vector<std::string> fprs;
      for (const auto& j : m_jobs) {
        if (!j.smime) {
          fprs.insert(fprs.end(), j.recipient_fprs.begin(), j.recipient_fprs.end());
        }
      }
      std::sort(fprs.begin(), fprs.end());
      fprs.erase(std::unique(fprs.begin(), fprs.end()), fprs.end());
      (void)engines->pgp->prefetch_keys(fprs);
    }
    std::unique_ptr<transport::Transport> session;
    while (!m_stop) {
      if (canceled()) {
        request_stop(interrupted_error());
        break;
      }
      const std::size_t i = m_next.fetch_add(1);
      if (i >= m_jobs.size()) {
        m_next = m_jobs.size();
        break;
      }
      push(one(m_jobs[i], *engines, session));
    }
    if (session) {
      session->close();
    }
  }

  // Protect `job` with the engine of its protocol.
  static Result<protect::ProtectResult>
  protect_with(const Job& job, Engines& e, const protect::ProtectOptions& po)
  {
    return job.smime ? e.smime->protect(job.message, po) : e.pgp->protect(job.message, po);
  }

  // Protect `job`; a transient GnuPG failure (agent or IPC under load,
  // Errc::temp) is retried like a 4xx, with the same backoff and attempt
  // limit, on a fresh protector (fresh GPGME contexts) when one can be made.
  Result<protect::ProtectResult>
  protect(const Job& job, Engines& engines)
  {
    protect::ProtectOptions po;
    po.signer_fingerprint = job.smime ? m_opts.smime_signer_fpr : m_opts.signer_fpr;
    po.recipient_fingerprints = job.recipient_fprs;
    po.sign = true;
    po.encrypt = true;
    po.protect_subject = m_opts.protect_subject;
    auto p = protect_with(job, engines, po);
    const int max_attempts = std::max(1, m_opts.max_attempts);
    for (int attempt = 2; !p && is_retryable(p.error()) && attempt <= max_attempts; ++attempt) {
      if (m_stop) {
        break;
      }
      sleep(backoff_delay(m_opts, attempt));
      if (job.smime) {
        if (auto fresh = m_hooks.make_smime(); fresh) {
          engines.smime = std::move(*fresh);
        }
      } else if (auto fresh = m_hooks.make_protector(); fresh) {
        engines.pgp = std::move(*fresh);
      }
      p = protect_with(job, engines, po);
    }
    return p;
  }

  Outcome
  one(const Job& job, Engines& engines, std::unique_ptr<transport::Transport>& session)
  {
    Outcome o = skeleton(job);
    auto p = protect(job, engines);
    if (canceled()) {
      // Protected (or not) but never submitted: no write-ahead record.
      o.status = "not-sent";
      o.error = interrupted_error();
      request_stop(*o.error);
      return o;
    }
    if (!p) {
      o.status = "failed";
      o.error = p.error();
      return o;
    }
    o.hash_algo = p->hash_algo;
    o.content_sha256 = p->content_sha256;
    if (m_opts.dry_run) {
      o.status = "would-send";
      return o;
    }
    if (m_hooks.before_submit) {
      auto seq = m_hooks.before_submit(o);
      if (!seq) {
        o.status = "failed";
        o.error = seq.error();
        if (stops_batch(seq.error())) {
          request_stop(seq.error());
        }
        return o;
      }
      o.pending_seq = *seq;
    }
    transport::Envelope env;
    env.mail_from = m_opts.mail_from;
    env.rcpt_to = {job.email};
    std::optional<Error> last;
    const int max_attempts = std::max(1, m_opts.max_attempts);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      if (attempt > 1) {
        if (m_stop || canceled()) {
          break;
        }
        sleep(backoff_delay(m_opts, attempt));
      }
      sleep(m_limiter.reserve());
      o.attempts = attempt;
      if (!session) {
        auto s = m_hooks.make_transport ? m_hooks.make_transport()
                                        : Result<std::unique_ptr<transport::Transport>>(
                                          fail(Errc::internal, "no transport factory"));
        if (!s) {
          last = s.error();
          if (is_retryable(*last)) {
            continue;
          }
          break;
        }
        session = std::move(*s);
      }
      auto r = session->send(env, p->message);
      if (r) {
        o.status = "sent";
        o.smtp_code = r->code;
        o.tls = r->tls;
        return o;
      }
      last = r.error();
      if (last->code == Errc::canceled) {
        // Aborted before the final ".": not delivered (transport.hpp).
        session->close();
        session.reset();
        o.status = "interrupted";
        o.error = last;
        request_stop(interrupted_error());
        return o;
      }
      if (last->code == Errc::maybe_delivered) {
        // The final "." went out and its reply never came: the server may
        // have accepted it. Never again automatically (it could arrive twice).
        session->close();
        session.reset();
        o.status = "unknown";
        o.error = last;
        return o;
      }
      if (!is_retryable(*last)) {
        break;
      }
      // The connection may be gone or in an unknown state: start afresh.
      session->close();
      session.reset();
    }
    o.status = "failed";
    if (!last) {
      last = Error(Errc::temp, "the batch stopped before this message could be retried");
    }
    o.smtp_code = last->smtp_status;
    o.error = last;
    if (stops_batch(*last)) {
      request_stop(*last);
    }
    return o;
  }

  void
  record(const Outcome& o)
  {
    if (o.status == "sent" || o.status == "would-send") {
      ++m_summary.sent;
    } else if (o.status == "failed") {
      ++m_summary.failed;
    } else if (o.status == "unknown") {
      ++m_summary.unknown;
    } else if (o.status == "interrupted") {
      ++m_summary.interrupted;
    } else {
      ++m_summary.not_sent;
    }
    if (!m_hooks.on_outcome) {
      return;
    }
    auto r = m_hooks.on_outcome(o);
    if (!r && !m_summary.stopped) {
      m_summary.stopped = r.error();
      request_stop(r.error());
    }
  }

  void
  record_loop()
  {
    for (;;) {
      std::deque<Outcome> batch;
      bool finished = false;
      {
        std::unique_lock<std::mutex> lock(m_mu);
        m_cv.wait_for(lock, std::chrono::milliseconds(200), [this] {
          return !m_done.empty() || m_running == 0;
        });
        batch.swap(m_done);
        finished = m_running == 0 && batch.empty();
        if (m_stop_error && !m_summary.stopped) {
          m_summary.stopped = m_stop_error;
        }
      }
      for (const auto& o : batch) {
        record(o);
      }
      if (m_hooks.on_progress) {
        m_hooks.on_progress();
      }
      if (finished) {
        break;
      }
    }
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_stop_error && !m_summary.stopped) {
      m_summary.stopped = m_stop_error;
    }
  }
};

} // namespace

Summary
run(const std::vector<Job>& jobs, const Options& opts, const Hooks& hooks)
{
  return Run(jobs, opts, hooks).go();
}

} // namespace peermail::batch
