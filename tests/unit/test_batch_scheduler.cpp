// SPDX-License-Identifier: GPL-3.0-or-later
#include "fake_smime.hpp"

#include <peermail/batch/scheduler.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace peermail;
using batch::Job;
using batch::Outcome;

namespace {

// What the fakes saw, shared by all workers.
struct World
{
  std::mutex mu;
  std::map<std::string, int> delivered;            // rcpt → accepted submissions
  std::map<std::string, int> tries;                // rcpt → send() calls
  std::map<std::string, std::vector<int>> replies; // rcpt → scripted codes (0 = accept)
  std::set<std::thread::id> protect_threads;
  std::atomic<int> sessions{0};
  std::atomic<int> protectors{0};
  std::vector<std::chrono::milliseconds> sleeps;
  bool protect_fails_for_b = false;
  std::map<std::string, int> transient_protect_failures; // rcpt → GPGME general errors to come
  std::map<std::string, int> protect_calls;              // rcpt → protect() calls
};

class FakeProtector : public protect::Protector
{
public:
  explicit FakeProtector(World& w)
    : m_w(w)
  {
  }
  Result<protect::ProtectResult>
  protect(std::string_view message, const protect::ProtectOptions& opts) override
  {
    {
      std::lock_guard<std::mutex> lock(m_w.mu);
      m_w.protect_threads.insert(std::this_thread::get_id());
    }
    if (m_w.protect_fails_for_b && message.find("To: b@x.test") != std::string_view::npos) {
      return fail(Errc::crypto, "gpg failed");
    }
    {
      std::lock_guard<std::mutex> lock(m_w.mu);
      for (auto& [rcpt, left] : m_w.transient_protect_failures) {
        if (message.find("To: " + rcpt) == std::string_view::npos) {
          continue;
        }
        ++m_w.protect_calls[rcpt];
        if (left > 0) {
          --left;
          // What crypto::from_gpgme_op makes of GPG_ERR_GENERAL.
          return fail(Errc::temp, "encrypting: GPGME: General error");
        }
      }
    }
    protect::ProtectResult p;
    p.message = "-----BEGIN PGP MESSAGE-----\r\n" + opts.recipient_fingerprints.at(0) + "\r\n";
    p.hash_algo = "SHA512";
    p.content_sha256 = "00ff";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return p;
  }

private:
  World& m_w;
};

class FakeTransport : public transport::Transport
{
public:
  explicit FakeTransport(World& w)
    : m_w(w)
  {
  }
  Result<transport::SendResult>
  send(const transport::Envelope& env, std::string_view /*message*/) override
  {
    std::lock_guard<std::mutex> lock(m_w.mu);
    const auto& rcpt = env.rcpt_to.at(0);
    const int n = m_w.tries[rcpt]++;
    auto& script = m_w.replies[rcpt];
    const int code = n < static_cast<int>(script.size()) ? script[n] : 0;
    if (code >= 500) {
      Error e(Errc::unavailable, "refused");
      e.smtp_status = code;
      return unexpected(e);
    }
    if (code >= 400) {
      Error e(Errc::temp, "try later");
      e.smtp_status = code;
      return unexpected(e);
    }
    if (code == -1) {
      return fail(Errc::temp, "connection lost");
    }
    if (code == -2) {
      return fail(Errc::auth, "authentication failed");
    }
    ++m_w.delivered[rcpt];
    transport::SendResult s;
    s.code = 250;
    s.tls = {"TLSv1.3", "TLS_AES_256_GCM_SHA384", "abcd"};
    return s;
  }
  void
  close() override
  {
  }

private:
  World& m_w;
};

std::vector<Job>
make_jobs(std::size_t n)
{
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < n; ++i) {
    Job j;
    j.index = i;
    j.email = i == 1 ? "b@x.test" : "r" + std::to_string(i) + "@x.test";
    j.message = "To: " + j.email + "\r\nSubject: s\r\n\r\nbody\r\n";
    j.message_id = "id" + std::to_string(i) + "@x.test";
    j.recipient_fprs = {"FPR" + std::to_string(i), "SELF"};
    jobs.push_back(std::move(j));
  }
  return jobs;
}

struct Harness
{
  World world;
  batch::Options opts;
  batch::Hooks hooks;
  std::vector<Outcome> outcomes;
  std::thread::id recorder_thread;
  bool foreign_thread_recorded = false;

  Harness()
  {
    opts.workers = 2;
    opts.backoff = std::chrono::milliseconds(1);
    opts.mail_from = "ana@clinic.test";
    opts.signer_fpr = "SIGNER";
    hooks.make_protector = [this]() -> Result<std::unique_ptr<protect::Protector>> {
      ++world.protectors;
      return std::make_unique<FakeProtector>(world);
    };
    hooks.make_transport = [this]() -> Result<std::unique_ptr<transport::Transport>> {
      ++world.sessions;
      return std::make_unique<FakeTransport>(world);
    };
    recorder_thread = std::this_thread::get_id();
    hooks.on_outcome = [this](const Outcome& o) -> Result<void> {
      if (std::this_thread::get_id() != recorder_thread) {
        foreign_thread_recorded = true;
      }
      outcomes.push_back(o);
      return {};
    };
    hooks.sleep = [this](std::chrono::milliseconds d) {
      std::lock_guard<std::mutex> lock(world.mu);
      world.sleeps.push_back(d);
    };
  }

  const Outcome&
  by_email(const std::string& email) const
  {
    auto it = std::find_if(
      outcomes.begin(), outcomes.end(), [&](const Outcome& o) { return o.email == email; });
    REQUIRE(it != outcomes.end());
    return *it;
  }
};

} // namespace

TEST_SUITE("batch::scheduler")
{
  TEST_CASE("every job is delivered exactly once, with one session per worker")
  {
    Harness h;
    const auto jobs = make_jobs(50);
    const auto s = batch::run(jobs, h.opts, h.hooks);
    CHECK(s.sent == 50);
    CHECK(s.failed == 0);
    CHECK(s.not_sent == 0);
    CHECK_FALSE(s.stopped.has_value());
    REQUIRE(h.outcomes.size() == 50);
    CHECK_FALSE(h.foreign_thread_recorded);
    CHECK(h.world.delivered.size() == 50);
    for (const auto& delivered : h.world.delivered) { // clang 14 cannot capture bindings
      CHECK_MESSAGE(delivered.second == 1, delivered.first);
    }
    CHECK(h.world.sessions == 2);
    CHECK(h.world.protectors == 2);
    CHECK(h.world.protect_threads.size() == 2);
    for (const auto& o : h.outcomes) {
      CHECK(o.status == "sent");
      CHECK(o.attempts == 1);
      CHECK(o.smtp_code == 250);
      CHECK(o.message_id == "id" + std::to_string(o.index) + "@x.test");
      CHECK(o.hash_algo == "SHA512");
    }
  }

  TEST_CASE("4xx is retried with backoff on a fresh connection, then delivered once")
  {
    Harness h;
    h.opts.workers = 1;
    h.opts.max_attempts = 3;
    h.opts.backoff = std::chrono::milliseconds(100);
    h.world.replies["b@x.test"] = {451, 451};
    const auto s = batch::run(make_jobs(3), h.opts, h.hooks);
    CHECK(s.sent == 3);
    const auto& b = h.by_email("b@x.test");
    CHECK(b.status == "sent");
    CHECK(b.attempts == 3);
    CHECK(h.world.delivered["b@x.test"] == 1);
    CHECK(h.world.sessions == 3); // the first, and one fresh after each 451
    REQUIRE(h.world.sleeps.size() == 2);
    CHECK(h.world.sleeps[0] == std::chrono::milliseconds(100));
    CHECK(h.world.sleeps[1] == std::chrono::milliseconds(200));
  }

  TEST_CASE("a lost connection is retried; attempts are capped by max_attempts")
  {
    Harness h;
    h.opts.workers = 1;
    h.opts.max_attempts = 2;
    h.world.replies["b@x.test"] = {-1, 421, 0};
    const auto s = batch::run(make_jobs(3), h.opts, h.hooks);
    CHECK(s.sent == 2);
    CHECK(s.failed == 1);
    CHECK_FALSE(s.stopped.has_value());
    const auto& b = h.by_email("b@x.test");
    CHECK(b.status == "failed");
    CHECK(b.attempts == 2);
    CHECK(b.smtp_code == 421);
    REQUIRE(b.error.has_value());
    CHECK(b.error->code == Errc::temp);
    CHECK(h.world.delivered.count("b@x.test") == 0);
  }

  TEST_CASE("5xx is final: no retry, the others are still sent")
  {
    Harness h;
    h.world.replies["b@x.test"] = {550};
    const auto s = batch::run(make_jobs(5), h.opts, h.hooks);
    CHECK(s.sent == 4);
    CHECK(s.failed == 1);
    const auto& b = h.by_email("b@x.test");
    CHECK(b.attempts == 1);
    CHECK(b.smtp_code == 550);
    CHECK(b.error->code == Errc::unavailable);
    CHECK(h.world.tries["b@x.test"] == 1);
  }

  TEST_CASE("an error that would fail every message stops the batch")
  {
    Harness h;
    h.opts.workers = 1;
    h.world.replies["b@x.test"] = {-2};
    const auto s = batch::run(make_jobs(6), h.opts, h.hooks);
    CHECK(s.sent == 1);
    CHECK(s.failed == 1);
    CHECK(s.not_sent == 4);
    REQUIRE(s.stopped.has_value());
    CHECK(s.stopped->code == Errc::auth);
    REQUIRE(h.outcomes.size() == 6);
    CHECK(h.outcomes.back().status == "not-sent");
  }

  TEST_CASE("a protection failure fails that message only")
  {
    Harness h;
    h.world.protect_fails_for_b = true;
    const auto s = batch::run(make_jobs(4), h.opts, h.hooks);
    CHECK(s.sent == 3);
    CHECK(s.failed == 1);
    CHECK(h.by_email("b@x.test").attempts == 0);
    CHECK(h.world.tries.count("b@x.test") == 0);
    CHECK(h.world.protectors == 2); // a permanent crypto error is not retried
  }

  TEST_CASE("a transient GnuPG failure is retried like a 4xx, on a fresh protector")
  {
    Harness h;
    h.opts.workers = 1;
    h.opts.max_attempts = 3;
    h.opts.backoff = std::chrono::milliseconds(100);
    h.world.transient_protect_failures["b@x.test"] = 2;
    const auto s = batch::run(make_jobs(3), h.opts, h.hooks);
    CHECK(s.sent == 3);
    CHECK(s.failed == 0);
    const auto& b = h.by_email("b@x.test");
    CHECK(b.status == "sent");
    CHECK(b.attempts == 1); // one submission
    CHECK(h.world.protect_calls["b@x.test"] == 3);
    CHECK(h.world.delivered["b@x.test"] == 1);
    CHECK(h.world.protectors == 3); // the worker's, and one fresh after each failure
    REQUIRE(h.world.sleeps.size() == 2);
    CHECK(h.world.sleeps[0] == std::chrono::milliseconds(100));
    CHECK(h.world.sleeps[1] == std::chrono::milliseconds(200));
  }

  TEST_CASE("transient GnuPG failures are bounded by max_attempts; the batch goes on")
  {
    Harness h;
    h.opts.workers = 1;
    h.opts.max_attempts = 2;
    h.world.transient_protect_failures["b@x.test"] = 5;
    const auto s = batch::run(make_jobs(3), h.opts, h.hooks);
    CHECK(s.sent == 2);
    CHECK(s.failed == 1);
    CHECK_FALSE(s.stopped.has_value());
    const auto& b = h.by_email("b@x.test");
    CHECK(b.status == "failed");
    CHECK(b.attempts == 0);
    REQUIRE(b.error.has_value());
    CHECK(b.error->code == Errc::temp);
    CHECK(b.error->message == "encrypting: GPGME: General error");
    CHECK(h.world.protect_calls["b@x.test"] == 2);
    CHECK(h.world.tries.count("b@x.test") == 0);
  }

  TEST_CASE("dry run protects but never connects")
  {
    Harness h;
    h.opts.dry_run = true;
    const auto s = batch::run(make_jobs(4), h.opts, h.hooks);
    CHECK(s.sent == 4);
    CHECK(h.world.sessions == 0);
    CHECK(h.world.tries.empty());
    for (const auto& o : h.outcomes) {
      CHECK(o.status == "would-send");
    }
  }

  TEST_CASE("a failing on_outcome (journal, audit) stops the batch and is reported")
  {
    Harness h;
    h.opts.workers = 1;
    int calls = 0;
    h.hooks.on_outcome = [&](const Outcome& o) -> Result<void> {
      h.outcomes.push_back(o);
      if (++calls == 2) {
        return fail(Errc::io, "disk full");
      }
      return {};
    };
    const auto s = batch::run(make_jobs(40), h.opts, h.hooks);
    REQUIRE(s.stopped.has_value());
    CHECK(s.stopped->message == "disk full");
    CHECK(s.not_sent > 0);
    CHECK(h.outcomes.size() == 40);
  }

  TEST_CASE("backoff doubles and is capped")
  {
    batch::Options o;
    o.backoff = std::chrono::milliseconds(500);
    o.max_backoff = std::chrono::milliseconds(1500);
    CHECK(batch::backoff_delay(o, 1).count() == 0);
    CHECK(batch::backoff_delay(o, 2).count() == 500);
    CHECK(batch::backoff_delay(o, 3).count() == 1000);
    CHECK(batch::backoff_delay(o, 4).count() == 1500);
    CHECK(batch::backoff_delay(o, 30).count() == 1500);
  }

  TEST_CASE("the rate limiter spaces reservations evenly")
  {
    batch::RateLimiter none(0);
    CHECK(none.reserve().count() == 0);
    CHECK(none.reserve().count() == 0);
    batch::RateLimiter r(600); // one per 100 ms
    CHECK(r.reserve().count() == 0);
    const auto second = r.reserve().count();
    CHECK(second >= 90);
    CHECK(second <= 100);
    const auto third = r.reserve().count();
    CHECK(third >= 190);
    CHECK(third <= 200);
  }

  TEST_CASE("the error taxonomy")
  {
    Error t(Errc::temp, "x");
    CHECK(batch::is_retryable(t));
    CHECK_FALSE(batch::stops_batch(t));
    Error perm(Errc::unavailable, "x");
    perm.smtp_status = 550;
    CHECK_FALSE(batch::is_retryable(perm));
    CHECK_FALSE(batch::stops_batch(perm));
    Error tls(Errc::unavailable, "untrusted certificate");
    CHECK(batch::stops_batch(tls));
    CHECK(batch::stops_batch(Error(Errc::auth, "x")));
    CHECK_FALSE(batch::stops_batch(Error(Errc::crypto, "x")));
  }

  TEST_CASE(
    "S/MIME jobs are protected by each worker's own SmimeProtector, signed by "
    "smime_signer_fpr; without one gpgsm is never opened")
  {
    Harness h;
    test::SmimeRecorder srec;
    std::atomic<int> smimes{0};
    h.hooks.make_smime = [&srec, &smimes]() -> Result<std::unique_ptr<protect::SmimeProtector>> {
      ++smimes;
      return std::unique_ptr<protect::SmimeProtector>(std::make_unique<test::FakeSmime>(srec));
    };
    h.opts.smime_signer_fpr = "CERT";
    CHECK(batch::run(make_jobs(4), h.opts, h.hooks).sent == 4);
    CHECK(smimes == 0);

    h.outcomes.clear();
    auto jobs = make_jobs(6);
    for (std::size_t i = 0; i < jobs.size(); i += 2) {
      jobs[i].smime = true;
    }
    const auto s = batch::run(jobs, h.opts, h.hooks);
    CHECK(s.sent == 6);
    CHECK(smimes == 2); // one per worker: gpgsm contexts are per thread
    REQUIRE(srec.protected_with.size() == 3);
    for (const auto& o : srec.protected_with) {
      CHECK(o.signer_fingerprint == "CERT");
      CHECK(o.sign);
      CHECK(o.encrypt);
    }
    REQUIRE(h.outcomes.size() == 6);
    for (const auto& o : h.outcomes) {
      CHECK(o.smime == (o.index % 2 == 0));
      CHECK(o.hash_algo == (o.smime ? "SHA256" : "SHA512"));
    }
  }

  TEST_CASE("a worker that cannot open gpgsm for S/MIME jobs stops the batch, nothing sent")
  {
    Harness h;
    h.hooks.make_smime = []() -> Result<std::unique_ptr<protect::SmimeProtector>> {
      return fail(Errc::config, "[smime] anchors: cannot read it");
    };
    auto jobs = make_jobs(3);
    jobs[1].smime = true;
    const auto s = batch::run(jobs, h.opts, h.hooks);
    REQUIRE(s.stopped);
    CHECK(s.stopped->message == "[smime] anchors: cannot read it");
    CHECK(s.sent == 0);
    CHECK(s.not_sent == 3);
    CHECK(h.world.delivered.empty());
  }
}
