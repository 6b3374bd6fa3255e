// SPDX-License-Identifier: GPL-3.0-or-later
// The send pipeline with S/MIME peers (issue 17): recipients split by their
// [[peer]] protocol, one copy per protocol, each audited with its protocol;
// every certificate judged before anything is protected or sent.
#include "fake_services.hpp"
#include "fake_smime.hpp"

#include <peermail/send/pipeline.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace peermail;
using namespace peermail::send;
using namespace peermail::test;

namespace {

Services
smime_fakes(Recorder& rec, SmimeRecorder& srec)
{
  return with_fake_smime(fakes(rec), srec);
}

SendRequest
mixed_request()
{
  return secret_request({"sam@hospital.test", "kim@lab.test"}, {}, {"bob@lab.test"});
}

} // namespace

TEST_SUITE("peermail::send")
{
  TEST_CASE("send::run: OpenPGP and S/MIME recipients get one copy per protocol, each audited")
  {
    Recorder rec;
    SmimeRecorder srec;
    auto report = run(smime_config(), mixed_request(), smime_fakes(rec, srec));
    REQUIRE(report.ok());
    // The own certificate (encrypt to self) and the pinned certificate of
    // each S/MIME peer were judged as recipient certificates.
    CHECK(srec.judged
          == std::vector<std::string>{std::string("ana@clinic.test=") + k_own_cert,
                                      std::string("kim@lab.test=") + k_kim_cert,
                                      std::string("bob@lab.test=") + k_bob_cert});
    REQUIRE(rec.envelopes.size() == 3);
    CHECK(rec.envelopes[0].rcpt_to == std::vector<std::string>{"sam@hospital.test"});
    CHECK(rec.envelopes[1].rcpt_to == std::vector<std::string>{"kim@lab.test"});
    CHECK(rec.envelopes[2].rcpt_to == std::vector<std::string>{"bob@lab.test"});
    // PGP/MIME to Sam and self; S/MIME to Kim's certificate and the own one,
    // signed by identity.smime_cert; Bob's Bcc copy apart.
    REQUIRE(rec.protected_with.size() == 1);
    CHECK(rec.protected_with[0].recipient_fingerprints
          == std::vector<std::string>{fpr_for("sam@hospital.test"), k_signer});
    REQUIRE(srec.protected_with.size() == 2);
    CHECK(srec.protected_with[0].recipient_fingerprints
          == std::vector<std::string>{k_kim_cert, k_own_cert});
    CHECK(srec.protected_with[0].signer_fingerprint == k_own_cert);
    CHECK(srec.protected_with[1].recipient_fingerprints
          == std::vector<std::string>{k_bob_cert, k_own_cert});
    // Each copy: its own pending record and outcome, naming its protocol.
    REQUIRE(rec.audit.size() == 6);
    CHECK(rec.audit[0].protocol == "OpenPGP");
    CHECK(rec.audit[0].signer_fpr == k_signer);
    CHECK(rec.audit[2].outcome == "pending");
    CHECK(rec.audit[2].protocol == "S/MIME");
    CHECK(rec.audit[2].signer_fpr == k_own_cert);
    CHECK(rec.audit[3].outcome == "sent");
    CHECK(rec.audit[3].protocol == "S/MIME");
    CHECK(rec.audit[3].pending_seq == std::optional<std::uint64_t>(3));
    CHECK(rec.audit[5].protocol == "S/MIME");
    REQUIRE(report.copies.size() == 3);
    CHECK(report.copies[0].protocol == "OpenPGP");
    CHECK(report.copies[1].protocol == "S/MIME");
    CHECK(report.copies[1].signer_fpr == k_own_cert);
    CHECK(report.recipients[0].protocol == "OpenPGP");
    CHECK(report.recipients[1].protocol == "S/MIME");
    CHECK(report.recipients[1].key_fpr == k_kim_cert);
  }

  TEST_CASE("send::run: a refused S/MIME certificate refuses everything (67), audited")
  {
    Recorder rec;
    SmimeRecorder srec;
    srec.refuse = {"kim@lab.test"};
    auto report = run(smime_config(), mixed_request(), smime_fakes(rec, srec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == std::string("no usable key for kim@lab.test: certificate ") + k_kim_cert
               + " expired on 2021-01-01; nothing was sent");
    CHECK(report.error->check_id == "KEY-02");
    CHECK(rec.envelopes.empty());
    CHECK(rec.protected_with.empty());
    CHECK(srec.protected_with.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].outcome == "refused");
  }

  TEST_CASE("send::run: an own certificate that cannot be encrypted to sends nothing (67)")
  {
    Recorder rec;
    SmimeRecorder srec;
    srec.refuse = {"ana@clinic.test"};
    auto report = run(smime_config(), mixed_request(), smime_fakes(rec, srec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message.find("identity.smime_cert (policy.encrypt_to_self)")
          != std::string::npos);
    CHECK(report.error->message.find("nothing was sent") != std::string::npos);
    CHECK(report.error->fix.find("can sign and encrypt") != std::string::npos);
    CHECK(rec.envelopes.empty());
    CHECK(srec.protected_with.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].outcome == "refused");
  }

  TEST_CASE("send::run: an S/MIME recipient without identity.smime_cert sends nothing (78)")
  {
    Recorder rec;
    SmimeRecorder srec;
    auto cfg = smime_config();
    cfg.identity.smime_cert.clear();
    auto report = run(cfg, mixed_request(), smime_fakes(rec, srec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::config);
    CHECK(report.error->message.find("kim@lab.test, bob@lab.test read S/MIME")
          != std::string::npos);
    CHECK(report.error->message.find("identity.smime_cert is not set") != std::string::npos);
    CHECK(report.error->fix.find("peermail keys import FILE.p12") != std::string::npos);
    CHECK(srec.judged.empty());
    CHECK(rec.envelopes.empty());
    CHECK(rec.protected_with.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].action == "refusal");
  }

  TEST_CASE("send::run: without S/MIME peers nothing changes (no S/MIME service needed)")
  {
    Recorder rec;
    auto cfg = make_config();
    SendRequest req = mixed_request();
    auto report = run(cfg, req, fakes(rec)); // fakes() has no make_smime
    REQUIRE(report.ok());
    CHECK(report.copies.size() == 2); // To (Sam, Kim) and Bob's Bcc, both OpenPGP
    for (const auto& c : report.copies) {
      CHECK(c.protocol == "OpenPGP");
    }
  }
}
