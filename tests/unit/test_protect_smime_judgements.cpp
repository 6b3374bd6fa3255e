// SPDX-License-Identifier: GPL-3.0-or-later
// One run's S/MIME certificate judgements (protect/smime_judgements.hpp):
// send, sendmail and batch judge each certificate once across their
// preflight and the offline checklist (check::gather_smime); a refusal
// stays a refusal, an engine failure is asked again, and nothing judged in
// another home or under other [smime] settings is reused.
#include "fake_services.hpp"
#include "fake_smime.hpp"
#include "testutil.hpp"

#include <peermail/batch_run/run.hpp>
#include <peermail/check/gather.hpp>
#include <peermail/protect/smime_judgements.hpp>
#include <peermail/send/pipeline.hpp>
#include <peermail/util/strings.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace peermail;
using namespace peermail::test;

namespace {

std::unique_ptr<protect::SmimeProtector>
fake(SmimeRecorder& srec)
{
  return std::make_unique<FakeSmime>(srec);
}

// How often each "address=pin" (recipients) or pin (signer) was judged.
std::map<std::string, int>
counts(const std::vector<std::string>& judged)
{
  std::map<std::string, int> out;
  for (const auto& j : judged) {
    ++out[j];
  }
  return out;
}

// A protector whose judgements fail as an engine does (gpgsm gone) until
// `fail` is cleared.
class FailingSmime final : public protect::SmimeProtector
{
public:
  explicit FailingSmime(int& calls, bool& fail)
    : m_calls(calls),
      m_fail(fail)
  {
  }
  Result<crypto::KeyJudgement>
  judge_recipient(const std::string& pinned,
                  const std::string& address,
                  const crypto::KeyPolicy&) override
  {
    ++m_calls;
    if (m_fail) {
      return fail(Errc::temp, "gpgsm: no answer");
    }
    crypto::KeyJudgement j;
    j.address = address;
    j.key = crypto::KeyFacts{};
    j.key->fingerprint = pinned;
    return j;
  }
  Result<crypto::KeyJudgement>
  judge_signer(const std::string& fpr,
               const std::string& address,
               const crypto::KeyPolicy& p) override
  {
    return judge_recipient(fpr, address, p);
  }
  Result<protect::ProtectResult>
  protect(std::string_view, const protect::ProtectOptions&) override
  {
    return fail(Errc::internal, "not here");
  }

private:
  int& m_calls;
  bool& m_fail;
};

// The offline checklist's S/MIME part (check::gather_smime) with fake
// gpgsm: Errc::config naming the first certificate it refuses, as the real
// checklist gate refuses (exit 78). `ran` counts its runs.
send::SmimeChecklist
fake_checklist(SmimeRecorder& srec, int& ran)
{
  return
    [&srec, &ran](const config::Config& cfg,
                  const std::string& home,
                  const std::map<std::string, std::string>&,
                  const std::shared_ptr<protect::SmimeJudgements>& judgements) -> Result<void> {
      ++ran;
      check::GatherOptions o;
      o.gnupg_home = home;
      o.smime_judgements = judgements;
      o.make_smime = [&srec]() -> Result<std::unique_ptr<protect::SmimeProtector>> {
        return fake(srec);
      };
      policy::Facts f;
      check::gather_smime(cfg, home, o, f);
      if (f.smime_signer && !f.smime_signer->judgement.ok()) {
        return fail(Errc::config, "checklist: " + f.smime_signer->judgement.reason);
      }
      for (const auto& p : f.peers) {
        if (!p.judgement.ok()) {
          return fail(Errc::config, "checklist: " + p.judgement.reason);
        }
      }
      return {};
    };
}

send::SendRequest
mixed_request()
{
  send::SendRequest req;
  mime::ComposeRequest c;
  c.to = {"sam@hospital.test", "kim@lab.test"};
  c.bcc = {"bob@lab.test"};
  c.subject = "Secret subject";
  c.body = "Secret body\n";
  req.compose = c;
  return req;
}

int
fake_exit(Errc c)
{
  switch (c) {
  case Errc::no_key:
    return 67;
  case Errc::config:
    return 78;
  case Errc::data:
    return 65;
  default:
    return 70;
  }
}

} // namespace

TEST_SUITE("peermail::protect")
{
  TEST_CASE("protect::judge_once: a certificate is judged once per purpose, address and scope")
  {
    SmimeRecorder srec;
    const auto cfg = smime_config();
    const crypto::KeyPolicy kp;
    auto judgements = std::make_shared<protect::SmimeJudgements>();
    auto a = protect::judge_once(judgements, cfg, "/h/one", fake(srec));
    auto b = protect::judge_once(judgements, cfg, "/h/one", fake(srec));
    CHECK(a->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    CHECK(b->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    // The pin spelled otherwise (lower case, colons) is the same certificate.
    std::string spelled = util::to_lower(k_kim_cert);
    spelled.insert(4, ":");
    CHECK(a->judge_recipient(spelled, "KIM@lab.test", kp)->ok());
    CHECK(srec.judged == std::vector<std::string>{std::string("kim@lab.test=") + k_kim_cert});
    CHECK(judgements->made() == 1);

    // Each of these asks another question: judged again.
    CHECK(a->judge_signer(k_kim_cert, "kim@lab.test", kp)->ok());    // purpose
    CHECK(a->judge_recipient(k_kim_cert, "lee@lab.test", kp)->ok()); // the address it must bind
    auto other_home = protect::judge_once(judgements, cfg, "/h/two", fake(srec));
    CHECK(other_home->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    auto offline_cfg = cfg;
    offline_cfg.smime.revocation_offline = true;
    auto offline = protect::judge_once(judgements, offline_cfg, "/h/one", fake(srec));
    CHECK(offline->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    auto anchors_cfg = cfg;
    anchors_cfg.smime.anchors = "/other/anchors.pem";
    auto anchors = protect::judge_once(judgements, anchors_cfg, "/h/one", fake(srec));
    CHECK(anchors->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    crypto::KeyPolicy stricter;
    stricter.min_rsa_bits = 4096;
    CHECK(a->judge_recipient(k_kim_cert, "kim@lab.test", stricter)->ok());
    CHECK(srec.judged_signers == std::vector<std::string>{k_kim_cert});
    CHECK(srec.judged.size() == 6);
    CHECK(judgements->made() == 7);
  }

  TEST_CASE("protect::judge_once: a refusal stays a refusal; an engine failure is asked again")
  {
    SmimeRecorder srec;
    const auto cfg = smime_config();
    const crypto::KeyPolicy kp;
    auto judgements = std::make_shared<protect::SmimeJudgements>();
    auto a = protect::judge_once(judgements, cfg, "/h", fake(srec));
    srec.refuse = {"bob@lab.test"};
    srec.refuse_signer = true;
    const auto first = a->judge_recipient(k_bob_cert, "bob@lab.test", kp);
    REQUIRE(first);
    CHECK_FALSE(first->ok());
    CHECK(a->judge_signer(k_own_cert, "ana@clinic.test", kp)->problem
          == crypto::KeyProblem::expired);
    // The fake would now pass them; the run keeps the refusals.
    srec.refuse.clear();
    srec.refuse_signer = false;
    const auto again = a->judge_recipient(k_bob_cert, "bob@lab.test", kp);
    REQUIRE(again);
    CHECK_FALSE(again->ok());
    CHECK(again->check_id == "KEY-02");
    CHECK(again->reason == first->reason);
    CHECK_FALSE(a->judge_signer(k_own_cert, "ana@clinic.test", kp)->ok());
    CHECK(srec.judged.size() == 1);
    CHECK(srec.judged_signers.size() == 1);

    int calls = 0;
    bool failing = true;
    auto f =
      protect::judge_once(judgements, cfg, "/h", std::make_unique<FailingSmime>(calls, failing));
    CHECK(f->judge_recipient(k_kim_cert, "kim@lab.test", kp).error().code == Errc::temp);
    failing = false;
    CHECK(f->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    CHECK(f->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    CHECK(calls == 2);
  }

  TEST_CASE("protect::judge_once: gpgsm is opened only for a judgement not made yet")
  {
    SmimeRecorder srec;
    const auto cfg = smime_config();
    const crypto::KeyPolicy kp;
    auto judgements = std::make_shared<protect::SmimeJudgements>();
    auto eager = protect::judge_once(judgements, cfg, "/h", fake(srec));
    CHECK(eager->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    int opened = 0;
    auto lazy = protect::judge_once(
      judgements, cfg, "/h", [&]() -> Result<std::unique_ptr<protect::SmimeProtector>> {
        ++opened;
        return fail(Errc::config, "[smime] anchors: cannot read", "KEY-03");
      });
    CHECK(lazy->judge_recipient(k_kim_cert, "kim@lab.test", kp)->ok());
    CHECK(opened == 0);
    // Needed now: the error opening it answers this and every later call.
    CHECK(lazy->judge_recipient(k_bob_cert, "bob@lab.test", kp).error().code == Errc::config);
    CHECK(lazy->judge_signer(k_own_cert, "ana@clinic.test", kp).error().check_id == "KEY-03");
    CHECK(lazy->protect("x", {}).error().code == Errc::config);
    CHECK(opened == 1);
  }
}

TEST_SUITE("peermail::send")
{
  TEST_CASE("send::run: each S/MIME certificate is judged once across preflight and checklist")
  {
    Recorder rec;
    SmimeRecorder srec;
    int checklists = 0;
    auto s =
      send::judge_smime_once(with_fake_smime(fakes(rec), srec), fake_checklist(srec, checklists));
    auto report = send::run(smime_config(), mixed_request(), s);
    REQUIRE(report.ok());
    CHECK(checklists == 1);
    // Preflight: the own certificate as signer and as recipient (encrypt to
    // self), Kim's and Bob's; the checklist asked for the signer, Kim and
    // Bob again and got the run's judgements.
    CHECK(counts(srec.judged)
          == std::map<std::string, int>{
            {std::string("ana@clinic.test=") + k_own_cert, 1},
            {std::string("kim@lab.test=") + k_kim_cert,    1},
            {std::string("bob@lab.test=") + k_bob_cert,    1}
    });
    CHECK(srec.judged_signers == std::vector<std::string>{k_own_cert});
    REQUIRE(srec.protected_with.size() == 2);
    CHECK(srec.protected_with[0].signer_fingerprint == k_own_cert);
  }

  TEST_CASE("send::run: with the run's judgements a refused certificate still refuses (67)")
  {
    Recorder rec;
    SmimeRecorder srec;
    srec.refuse = {"kim@lab.test"};
    int checklists = 0;
    auto s =
      send::judge_smime_once(with_fake_smime(fakes(rec), srec), fake_checklist(srec, checklists));
    auto report = send::run(smime_config(), mixed_request(), s);
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == std::string("no usable key for kim@lab.test: certificate ") + k_kim_cert
               + " expired on 2021-01-01; nothing was sent");
    CHECK(report.error->check_id == "KEY-02");
    CHECK(rec.envelopes.empty());
    CHECK(srec.protected_with.empty());
    CHECK(counts(srec.judged)[std::string("kim@lab.test=") + k_kim_cert] == 1);
  }

  TEST_CASE("send::run: a peer only the checklist judges is refused there (78), judged once")
  {
    Recorder rec;
    SmimeRecorder srec;
    auto cfg = smime_config();
    cfg.peers.push_back(
      {"lee@lab.test", "DDDD00000000000000000000000000000000CE57", config::PeerProtocol::smime});
    srec.refuse = {"lee@lab.test"};
    int checklists = 0;
    auto s =
      send::judge_smime_once(with_fake_smime(fakes(rec), srec), fake_checklist(srec, checklists));
    auto report = send::run(cfg, mixed_request(), s);
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::config);
    CHECK(report.error->message.find("checklist: certificate DDDD") != std::string::npos);
    CHECK(rec.envelopes.empty());
    const auto c = counts(srec.judged);
    CHECK(c.size() == 4);
    CHECK(std::all_of(c.begin(), c.end(), [](const auto& kv) { return kv.second == 1; }));
  }
}

TEST_SUITE("peermail::batch_run")
{
  TEST_CASE("batch_run::run: each S/MIME certificate is judged once across preflight and checklist")
  {
    for (const bool refused : {false, true}) {
      CAPTURE(refused);
      TempDir dir;
      Recorder rec;
      SmimeRecorder srec;
      FakeKeyring keys;
      auto cfg = smime_config();
      batch_run::Request req;
      req.recipients = dir.path() + "/people.csv";
      req.template_path = dir.path() + "/t.eml";
      req.journal = dir.path() + "/j";
      std::ofstream(req.recipients) << "email,name\n"
                                       "p1@people.test,Person 1\n"
                                       "kim@lab.test,Kim\n"
                                       "bob@lab.test,Bob\n";
      std::ofstream(req.template_path) << "From: Ana Ruiz <ana@clinic.test>\n"
                                          "To: {{name}} <{{email}}>\n"
                                          "Subject: Session\n"
                                          "\n"
                                          "Dear {{name}}.\n";
      if (refused) {
        srec.refuse = {"bob@lab.test"};
      }
      int checklists = 0;
      auto s = send::judge_smime_once(with_fake_smime(fakes(rec, &keys), srec),
                                      fake_checklist(srec, checklists));
      const auto r = batch_run::run(cfg, req, s, fake_exit, {});
      if (refused) {
        CHECK(r.kind == batch_run::Report::Kind::refused);
        CHECK(r.exit_code == 67);
        CHECK(rec.envelopes.empty());
        CHECK(srec.protected_with.empty());
      } else {
        CHECK(r.exit_code == 0);
        CHECK(r.tally.sent == 3);
        CHECK(checklists == 1);
        CHECK(srec.protected_with.size() == 2);
      }
      CHECK(counts(srec.judged)
            == std::map<std::string, int>{
              {std::string("ana@clinic.test=") + k_own_cert, 1},
              {std::string("kim@lab.test=") + k_kim_cert,    1},
              {std::string("bob@lab.test=") + k_bob_cert,    1}
      });
      CHECK(srec.judged_signers == std::vector<std::string>{k_own_cert});
    }
  }
}
