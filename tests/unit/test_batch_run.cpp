// SPDX-License-Identifier: GPL-3.0-or-later
#include "fake_services.hpp"
#include "fake_smime.hpp"
#include "testutil.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/batch_run/reconcile.hpp>
#include <peermail/batch_run/run.hpp>
#include <peermail/util/cancel.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace peermail;
using namespace peermail::test;

namespace {

int
fake_exit(Errc c)
{
  switch (c) {
  case Errc::usage:
    return 64;
  case Errc::data:
    return 65;
  case Errc::no_key:
    return 67;
  case Errc::temp:
    return 75;
  case Errc::config:
    return 78;
  default:
    return 70;
  }
}

// `r` refused the whole batch with `exit_code` for one problem, on `line`.
void
check_one_refusal(const batch_run::Report& r, int exit_code, std::size_t line)
{
  CHECK(r.kind == batch_run::Report::Kind::refused);
  CHECK(r.exit_code == exit_code);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].line == line);
}

const char* const k_template =
  "From: Ana Ruiz <ana@clinic.test>\n"
  "To: {{name}} <{{email}}>\n"
  "Subject: Session on {{date}}\n"
  "\n"
  "Dear {{name}}, your code is {{code}}.\n";

struct Fixture
{
  TempDir dir;
  Recorder rec;
  SmimeRecorder srec; // S/MIME peers (issue 17)
  FakeKeyring keys;
  config::Config cfg = make_config();
  batch_run::Request req;
  std::vector<batch_run::RecipientEvent> events;
  std::vector<std::string> warnings;

  Fixture()
  {
    req.recipients = dir.path() + "/people.csv";
    req.template_path = dir.path() + "/t.eml";
    write_file(req.recipients,
               "email,name,date,code\n"
               "p1@people.test,Person 1,2026-12-01,C-1\n"
               "p2@people.test,Person 2,2026-12-02,C-2\n");
    write_file(req.template_path, k_template);
  }

  // Rows for p1 (OpenPGP) and Kim, an S/MIME peer (issue 17); Ana's own
  // certificate is identity.smime_cert unless `with_cert` is false.
  void
  smime_rows(bool with_cert = true)
  {
    write_file(req.recipients,
               "email,name,date,code\n"
               "p1@people.test,Person 1,2026-12-01,C-1\n"
               "kim@lab.test,Kim,2026-12-02,C-2\n");
    smime_peer(with_cert);
  }

  // Kim an S/MIME peer; Ana's own certificate is identity.smime_cert unless
  // `with_cert` is false.
  void
  smime_peer(bool with_cert = true)
  {
    if (with_cert) {
      cfg.identity.smime_cert = k_own_cert;
    }
    cfg.peers.push_back({"kim@lab.test", k_kim_cert, config::PeerProtocol::smime});
  }

  // A recipients file with Kim's row alone.
  void
  kim_row_only()
  {
    write_file(req.recipients,
               "email,name,date,code\n"
               "kim@lab.test,Kim,2026-12-02,C-2\n");
  }

  // Nothing was protected, by gpg or gpgsm, and nothing reached the server.
  void
  check_nothing_protected() const
  {
    CHECK(rec.protected_with.empty());
    CHECK(srec.protected_with.empty());
    CHECK(rec.envelopes.empty());
  }

  batch_run::Report
  run()
  {
    auto services = with_fake_smime(fakes(rec, &keys), srec);
    batch_run::Events ev;
    ev.recipient = [this](const batch_run::RecipientEvent& e) { events.push_back(e); };
    ev.warning = [this](const std::string& w) { warnings.push_back(w); };
    return batch_run::run(cfg, req, services, fake_exit, ev);
  }
};

} // namespace

TEST_SUITE("peermail::batch_run")
{
  TEST_CASE("batch_run::parse_rate and parse_shard")
  {
    CHECK(*batch_run::parse_rate("") == 0.0);
    CHECK(*batch_run::parse_rate("120/min") == 120.0);
    CHECK(*batch_run::parse_rate("2/s") == 120.0);
    CHECK(*batch_run::parse_rate("60/h") == 1.0);
    CHECK(batch_run::parse_rate("0/min").error().code == Errc::usage);
    CHECK(batch_run::parse_rate("5/day").error().fix == "write --rate N/min (or N/s, N/h)");
    const auto s = batch_run::parse_shard("2/4");
    CHECK(s->index == 1);
    CHECK(s->count == 4);
    CHECK(batch_run::parse_shard("5/4").error().code == Errc::usage);
    CHECK(batch_run::parse_shard("0/4").error().code == Errc::usage);
    CHECK(batch_run::default_journal("p.csv", {}) == "p.csv.journal");
    CHECK(batch_run::default_journal("p.csv", {1, 4}) == "p.csv.shard-2-of-4.journal");
  }

  TEST_CASE("batch_run::worse_exit: failure beats success, permanent beats 75")
  {
    CHECK(batch_run::worse_exit(0, 75) == 75);
    CHECK(batch_run::worse_exit(75, 0) == 75);
    CHECK(batch_run::worse_exit(75, 67) == 67);
    CHECK(batch_run::worse_exit(69, 75) == 69);
    CHECK(batch_run::worse_exit(65, 67) == 67);
  }

  TEST_CASE("batch_run::refusal_exit: data first (65), then keys (67), else the other code")
  {
    const batch::Problem key{1, "a@x.test", Error(Errc::no_key, "no key")};
    const batch::Problem data{2, "b@x.test", Error(Errc::data, "bad row")};
    const batch::Problem cfg{0, "", Error(Errc::config, "offline item")};
    CHECK(batch_run::refusal_exit({key, data}, fake_exit) == 65);
    CHECK(batch_run::refusal_exit({key}, fake_exit) == 67);
    CHECK(batch_run::refusal_exit({key, cfg}, fake_exit) == 78);
  }

  TEST_CASE("batch_run::run: a dry run protects every message, submits none, audits each")
  {
    Fixture f;
    f.req.dry_run = true;
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    CHECK(r.exit_code == 0);
    CHECK(r.tally.total == 2);
    CHECK(r.tally.sent == 2);
    CHECK(f.rec.plaintexts.size() == 2);
    CHECK(f.rec.envelopes.empty());
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[0].status == "would-send");
    REQUIRE(f.rec.audit.size() == 2);
    CHECK(f.rec.audit[0].outcome == "dry-run");
    CHECK(f.rec.audit[0].action == "batch");
  }

  TEST_CASE("batch_run::run: a recipient without a usable key refuses the batch (67), audited")
  {
    Fixture f;
    f.keys.unusable = {"p2@people.test"};
    const auto r = f.run();
    check_one_refusal(r, 67, 3);
    CHECK(r.problems[0].email == "p2@people.test");
    CHECK(r.problems[0].error.check_id == "E2E-01");
    CHECK(f.rec.plaintexts.empty());
    REQUIRE(f.rec.audit.size() == 1);
    CHECK(f.rec.audit[0].action == "refusal");
    CHECK(f.rec.audit[0].exit_code == "EX_NOUSER");
  }

  TEST_CASE("batch_run::run: --skip-unready sends the rest and ends with 67")
  {
    Fixture f;
    f.keys.unusable = {"p2@people.test"};
    f.req.skip_unready = true;
    f.req.journal = f.dir.path() + "/j";
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    CHECK(r.exit_code == 67);
    CHECK(r.tally.unready == 1);
    CHECK(r.tally.sent == 1);
    REQUIRE(f.rec.envelopes.size() == 1);
    CHECK(f.rec.envelopes[0].rcpt_to == std::vector<std::string>{"p1@people.test"});
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[0].status == "unready");
    CHECK(f.events[0].exit_code == 67);
    CHECK(f.events[1].status == "sent");
  }

  TEST_CASE("batch_run::run: an invalid address refuses the batch (65) without --skip-invalid")
  {
    Fixture f;
    write_file(f.req.recipients,
               "email,name,date,code\n"
               "p1@people.test,Person 1,2026-12-01,C-1\n"
               "bob@@people.test,Person 2,2026-12-02,C-2\n");
    const auto r = f.run();
    check_one_refusal(r, 65, 3);
    CHECK(f.rec.envelopes.empty());
    CHECK(f.rec.plaintexts.empty());
  }

  TEST_CASE("batch_run::run: --skip-invalid sends the valid rows, reports each bad row, ends 65")
  {
    Fixture f;
    f.req.skip_invalid = true;
    f.req.journal = f.dir.path() + "/j";
    write_file(f.req.recipients,
               "email,name,date,code\n"
               "p1@people.test,Person 1,2026-12-01,C-1\n"
               "bob@@people.test,Person 2,2026-12-02,C-2\n"
               "p3@people.test,Person 3\n"
               "p4@people.test,\"Four\r\nBcc: x@evil.test\",2026-12-04,C-4\n"
               "p5@people.test,Person 5,2026-12-05,C-5\n");
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    CHECK(r.exit_code == 65);
    CHECK(r.tally.invalid == 3);
    CHECK(r.tally.sent == 2);
    CHECK(r.tally.total == 5);
    REQUIRE(f.rec.envelopes.size() == 2);
    CHECK(f.rec.envelopes[0].rcpt_to == std::vector<std::string>{"p1@people.test"});
    CHECK(f.rec.envelopes[1].rcpt_to == std::vector<std::string>{"p5@people.test"});
    REQUIRE(f.events.size() == 5);
    CHECK(f.events[0].status == "invalid");
    CHECK(f.events[0].line == 3);
    CHECK(f.events[0].email.empty());
    CHECK(f.events[0].exit_code == 65);
    REQUIRE(f.events[0].error);
    CHECK(f.events[0].error->message
          == "email: \"bob@@people.test\" is not a valid email address: the part before @ may hold "
             "only ASCII letters, digits, single inner dots and #$&'*+-/=?^_`{|}~ (no spaces, "
             "quotes or @)");
    CHECK(f.events[1].status == "invalid");
    CHECK(f.events[1].line == 4);
    CHECK(f.events[2].status == "invalid");
    CHECK(f.events[2].line == 5);
    CHECK(f.events[2].email == "p4@people.test");
    // Audited as refused, never with the offending value.
    std::size_t refused = 0;
    for (const auto& rec : f.rec.audit) {
      if (rec.outcome == "refused") {
        ++refused;
        CHECK(rec.exit_code == "data"); // the fakes name Errc::data so
        for (const auto& a : rec.recipients) {
          CHECK(a.find("bob@@") == std::string::npos);
        }
      }
    }
    CHECK(refused == 3);
  }

  TEST_CASE("batch_run::run: --skip-invalid still stops at a problem of the whole file")
  {
    Fixture f;
    f.req.skip_invalid = true;
    SUBCASE("a CSV that cannot be parsed")
    {
      write_file(f.req.recipients,
                 "email,name,date,code\n"
                 "p1@people.test,Person 1,2026-12-01,C-1\n"
                 "p2@people.test,\"Person 2,2026-12-02,C-2\n");
    }
    SUBCASE("a template field the file has no column for")
    {
      write_file(f.req.recipients,
                 "email,name,date\n"
                 "p1@people.test,Person 1,2026-12-01\n");
    }
    SUBCASE("no valid row left")
    {
      write_file(f.req.recipients,
                 "email,name,date,code\n"
                 "bob@@people.test,Person 1,2026-12-01,C-1\n");
    }
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::refused);
    CHECK(r.exit_code == 65);
    CHECK(f.rec.envelopes.empty());
    CHECK(f.rec.plaintexts.empty());
  }

  TEST_CASE("batch_run::run: a bad row and a bad key: 65 (fix the data first), nothing sent")
  {
    Fixture f;
    f.keys.unusable = {"p2@people.test"};
    write_file(f.req.recipients,
               "email,name,date,code\n"
               "p1@people.test,Person 1,2026-12-01\n"
               "p2@people.test,Person 2,2026-12-02,C-2\n");
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::refused);
    CHECK(r.exit_code == 65);
    CHECK(r.problems.size() == 2);
    CHECK(f.rec.envelopes.empty());
  }

  TEST_CASE("batch_run::run: the journal makes a rerun skip who already got it")
  {
    Fixture f;
    f.req.journal = f.dir.path() + "/j";
    auto r = f.run();
    CHECK(r.exit_code == 0);
    CHECK(f.rec.envelopes.size() == 2);
    f.events.clear();
    r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    CHECK(r.exit_code == 0);
    CHECK(r.tally.already_sent == 2);
    CHECK(r.tally.to_send == 0);
    CHECK(f.rec.envelopes.size() == 2);
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[0].status == "already-sent");
  }

  TEST_CASE("batch_run::run: a 4xx that stays: not sent, 75, the journal keeps it for the rerun")
  {
    Fixture f;
    f.req.journal = f.dir.path() + "/j";
    f.req.max_attempts = 1;
    f.rec.fail_send_at = 0;
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    CHECK(r.exit_code == 75);
    CHECK(r.tally.sent == 1);
    CHECK(r.tally.failed == 1);
  }

  TEST_CASE("batch_run::run: a journal that cannot be opened fails the run, naming it")
  {
    Fixture f;
    f.req.journal = f.dir.path() + "/no/such/dir/j";
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::failed);
    REQUIRE(r.error);
    CHECK(r.error->message.find(f.req.journal) != std::string::npos);
    CHECK(r.exit_code == fake_exit(r.error->code));
    CHECK(f.rec.envelopes.empty());
  }

  TEST_CASE("batch_run::run: a missing recipients file fails the run, naming it")
  {
    Fixture f;
    f.req.recipients = f.dir.path() + "/missing.csv";
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::failed);
    REQUIRE(r.error);
    CHECK(r.error->message.find("missing.csv") != std::string::npos);
  }

  TEST_CASE("batch_run::run: --max-attempts out of range is a usage error (64)")
  {
    Fixture f;
    f.req.max_attempts = 0;
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::failed);
    CHECK(r.exit_code == 64);
    CHECK(f.rec.audit.empty());
  }

  TEST_CASE(
    "batch_run::run: an interrupt aborts the submission in flight (interrupted, audited "
    "with its pending_seq), starts nothing new, and the resume sends both")
  {
    Fixture f;
    f.req.journal = f.dir.path() + "/j";
    f.rec.real_audit = f.dir.path() + "/audit.jsonl";
    f.cfg.audit.path = f.rec.real_audit;
    util::Cancel cancel;
    f.req.cancel = &cancel;
    f.rec.cancel = &cancel;
    f.rec.cancel_at_send = 0;
    auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    REQUIRE(r.stopped);
    CHECK(r.stopped->code == Errc::canceled);
    CHECK(r.stopped->message == "the run was interrupted; nothing new was started");
    CHECK(r.tally.interrupted == 1);
    CHECK(r.tally.not_sent == 1);
    CHECK(r.tally.sent == 0);
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[0].email == "p1@people.test");
    CHECK(f.events[0].status == "interrupted");
    CHECK(f.events[1].email == "p2@people.test");
    CHECK(f.events[1].status == "not-sent");
    REQUIRE(f.rec.audit.size() == 2);
    CHECK(f.rec.audit[0].outcome == "pending");
    CHECK(f.rec.audit[1].outcome == "interrupted");
    CHECK(f.rec.audit[1].pending_seq == std::optional<std::uint64_t>(1));
    CHECK(f.rec.envelopes.size() == 1);
    auto v = audit::verify(f.cfg.audit.path);
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->unresolved.empty());

    // Resume: the interrupted one was not delivered, so it goes out now.
    util::Cancel calm;
    f.req.cancel = &calm;
    f.rec.cancel = nullptr;
    f.events.clear();
    r = f.run();
    CHECK(r.exit_code == 0);
    CHECK_FALSE(r.stopped);
    CHECK(r.tally.sent == 2);
    CHECK(r.tally.resolved == 0);
    CHECK(f.rec.submitted.size() == 2);
    v = audit::verify(f.cfg.audit.path);
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->unresolved.empty());
  }

  TEST_CASE("batch_run::run: a resume resolves the pending record a dead run left (sent)")
  {
    Fixture f;
    f.req.journal = f.dir.path() + "/j";
    f.rec.real_audit = f.dir.path() + "/audit.jsonl";
    f.cfg.audit.path = f.rec.real_audit;
    f.rec.fail_audit_outcome = "sent"; // p1's outcome is lost (as if killed after the 250)
    auto r = f.run();
    REQUIRE(r.stopped);
    auto v = audit::verify(f.cfg.audit.path);
    REQUIRE(v);
    REQUIRE(v->unresolved == std::vector<std::uint64_t>{1});

    f.rec.audit.clear();
    r = f.run();
    CHECK(r.exit_code == 0);
    CHECK(r.tally.resolved == 1);
    REQUIRE_FALSE(f.rec.audit.empty());
    const auto& first = f.rec.audit.front();
    CHECK(first.action == "batch");
    CHECK(first.outcome == "sent");
    CHECK(first.pending_seq == std::optional<std::uint64_t>(1));
    CHECK(first.recipients == std::vector<std::string>{"p1@people.test"});
    CHECK(first.smtp_code == std::optional<int>(250));
    v = audit::verify(f.cfg.audit.path);
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->unresolved.empty());
    // Nobody got it twice.
    CHECK(f.rec.submitted.size() == 2);
  }

  TEST_CASE("batch_run::reconciled_outcome: the journal decides the outcome of a pending record")
  {
    batch::ResumeEntry e;
    e.updated_ms = 1000;
    CHECK(batch_run::reconciled_outcome(e, 500) == "not-sent");
    e.failed = true;
    CHECK(batch_run::reconciled_outcome(e, 500) == "failed");
    // Failed in an earlier run, then a pending record, then the kill before
    // the in-flight mark: nothing was submitted after that record.
    CHECK(batch_run::reconciled_outcome(e, 2000) == "not-sent");
    e.failed = false;
    e.unknown = true; // marked in flight
    CHECK(batch_run::reconciled_outcome(e, 2000) == "unknown");
    e.unknown = false;
    e.sent = true;
    CHECK(batch_run::reconciled_outcome(e, 2000) == "sent");
  }

  // --- S/MIME peers (issue 17) ------------------------------------------------

  TEST_CASE(
    "batch_run::run: an S/MIME peer's row is signed by identity.smime_cert and "
    "enveloped to its certificate and the own one; the audit names S/MIME")
  {
    Fixture f;
    f.smime_rows();
    f.req.journal = f.dir.path() + "/j";
    const auto r = f.run();
    CHECK(r.kind == batch_run::Report::Kind::finished);
    CHECK(r.exit_code == 0);
    CHECK(r.tally.sent == 2);
    // Judged once each in preflight: the own certificate as a recipient
    // (encrypt to self) and as the signer, then Kim's pinned certificate.
    CHECK(f.srec.judged
          == std::vector<std::string>{std::string("ana@clinic.test=") + k_own_cert,
                                      std::string("kim@lab.test=") + k_kim_cert});
    CHECK(f.srec.judged_signers == std::vector<std::string>{k_own_cert});
    // PGP/MIME to p1 (and self); S/MIME to Kim's certificate and the own one.
    REQUIRE(f.rec.protected_with.size() == 1);
    CHECK(f.rec.protected_with[0].recipient_fingerprints
          == std::vector<std::string>{fpr_for("p1@people.test"), k_signer});
    REQUIRE(f.srec.protected_with.size() == 1);
    const auto& so = f.srec.protected_with[0];
    CHECK(so.signer_fingerprint == k_own_cert);
    CHECK(so.recipient_fingerprints == std::vector<std::string>{k_kim_cert, k_own_cert});
    CHECK(so.sign);
    CHECK(so.encrypt);
    REQUIRE(f.rec.envelopes.size() == 2);
    REQUIRE(f.rec.submitted.size() == 2);
    CHECK(f.rec.submitted[1].find("application/pkcs7-mime") != std::string::npos);
    // Each row's pending record and outcome name its protocol and signer.
    REQUIRE(f.rec.audit.size() == 4);
    for (const auto& a : f.rec.audit) {
      const bool kim = a.recipients == std::vector<std::string>{"kim@lab.test"};
      CHECK(a.protocol == (kim ? "S/MIME" : "OpenPGP"));
      CHECK(a.signer_fpr == (kim ? k_own_cert : k_signer));
      if (kim) {
        CHECK(a.recipient_fprs == std::vector<std::string>{k_kim_cert, k_own_cert});
        CHECK(a.hash_algo == "SHA256");
      }
    }
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[0].protocol == "OpenPGP");
    CHECK(f.events[1].email == "kim@lab.test");
    CHECK(f.events[1].protocol == "S/MIME");

    // A rerun resumes: nobody gets it twice, the protocol is still named.
    f.events.clear();
    const auto again = f.run();
    CHECK(again.exit_code == 0);
    CHECK(again.tally.already_sent == 2);
    CHECK(f.rec.envelopes.size() == 2);
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[1].status == "already-sent");
    CHECK(f.events[1].protocol == "S/MIME");
  }

  TEST_CASE(
    "batch_run::run: an S/MIME peer's certificate that is refused refuses the batch "
    "(67), as a key is, nothing protected")
  {
    Fixture f;
    f.smime_rows();
    f.srec.refuse = {"kim@lab.test"};
    const auto r = f.run();
    check_one_refusal(r, 67, 3);
    CHECK(r.problems[0].email == "kim@lab.test");
    CHECK(r.problems[0].error.code == Errc::no_key);
    CHECK(r.problems[0].error.check_id == "KEY-02");
    CHECK(r.problems[0].error.message
          == fmt::format("no usable key for kim@lab.test: certificate {} expired on 2021-01-01",
                         k_kim_cert));
    CHECK(r.problems[0].error.fix == "ask for their current certificate");
    f.check_nothing_protected();
    REQUIRE(f.rec.audit.size() == 1);
    CHECK(f.rec.audit[0].action == "refusal");
  }

  TEST_CASE("batch_run::run: --skip-unready skips an S/MIME peer whose certificate is refused")
  {
    Fixture f;
    f.smime_rows();
    f.srec.refuse = {"kim@lab.test"};
    f.req.skip_unready = true;
    f.req.journal = f.dir.path() + "/j";
    const auto r = f.run();
    CHECK(r.exit_code == 67);
    CHECK(r.tally.unready == 1);
    CHECK(r.tally.sent == 1);
    REQUIRE(f.rec.envelopes.size() == 1);
    CHECK(f.rec.envelopes[0].rcpt_to == std::vector<std::string>{"p1@people.test"});
    CHECK(f.srec.protected_with.empty());
    REQUIRE(f.events.size() == 2);
    CHECK(f.events[0].status == "unready");
    CHECK(f.events[0].protocol == "S/MIME");
  }

  TEST_CASE(
    "batch_run::run: S/MIME rows without identity.smime_cert refuse the batch (78), "
    "naming the setting, nothing protected")
  {
    Fixture f;
    f.smime_rows(false);
    f.req.skip_unready = true; // not a recipient's problem: still refused
    const auto r = f.run();
    check_one_refusal(r, 78, 0);
    CHECK(r.problems[0].error.code == Errc::config);
    CHECK(r.problems[0].error.message.find("identity.smime_cert is not set") != std::string::npos);
    CHECK(r.problems[0].error.message.find("kim@lab.test") != std::string::npos);
    CHECK(r.problems[0].error.fix == std::string(config::k_smime_cert_fix));
    f.check_nothing_protected();
  }

  TEST_CASE("batch_run::run: an unusable identity.smime_cert refuses the batch (67)")
  {
    Fixture f;
    f.kim_row_only();
    f.smime_peer();
    f.srec.refuse_signer = true;
    f.req.skip_unready = true;
    const auto r = f.run();
    check_one_refusal(r, 67, 0);
    CHECK(r.problems[0].error.message.find("identity.smime_cert") != std::string::npos);
    CHECK(f.srec.protected_with.empty());
    CHECK(f.rec.envelopes.empty());
  }

  TEST_CASE(
    "batch_run::run: no S/MIME row, no gpgsm; policy.archive_key is not applied to "
    "S/MIME rows (a warning)")
  {
    Fixture f;
    f.smime_peer();
    f.req.dry_run = true;
    CHECK(f.run().exit_code == 0);
    CHECK(f.srec.made == 0);
    CHECK(f.srec.judged_signers.empty());

    f.kim_row_only();
    f.cfg.policy.archive_key = "ARCHIVE";
    f.cfg.policy.encrypt_to_self = false;
    f.warnings.clear();
    CHECK(f.run().exit_code == 0);
    REQUIRE(f.srec.protected_with.size() == 1);
    CHECK(f.srec.protected_with[0].recipient_fingerprints == std::vector<std::string>{k_kim_cert});
    CHECK(std::count(f.warnings.begin(),
                     f.warnings.end(),
                     "policy.archive_key is an OpenPGP key: the S/MIME copy is not encrypted to "
                     "it")
          == 1);
  }

  TEST_CASE(
    "batch_run::run: a resume resolves an S/MIME row's pending record with its protocol "
    "and signer")
  {
    Fixture f;
    f.kim_row_only();
    f.smime_peer();
    f.req.journal = f.dir.path() + "/j";
    f.rec.real_audit = f.dir.path() + "/audit.jsonl";
    f.cfg.audit.path = f.rec.real_audit;
    f.rec.fail_audit_outcome = "sent"; // Kim's outcome is lost (as if killed after the 250)
    auto r = f.run();
    REQUIRE(r.stopped);
    f.rec.audit.clear();
    r = f.run();
    CHECK(r.exit_code == 0);
    CHECK(r.tally.resolved == 1);
    REQUIRE_FALSE(f.rec.audit.empty());
    const auto& first = f.rec.audit.front();
    CHECK(first.outcome == "sent");
    CHECK(first.pending_seq == std::optional<std::uint64_t>(1));
    CHECK(first.protocol == "S/MIME");
    CHECK(first.signer_fpr == k_own_cert);
    CHECK(f.rec.submitted.size() == 1);
    auto v = audit::verify(f.cfg.audit.path);
    REQUIRE(v);
    CHECK(v->unresolved.empty());
  }
}
