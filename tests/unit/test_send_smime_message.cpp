// SPDX-License-Identifier: GPL-3.0-or-later
// `send --message` with an already encrypted S/MIME message (issue 17):
// every envelope recipient an S/MIME peer whose pinned certificate is judged
// usable, the EnvelopedData proven to be encrypted to it with AES-256, the
// bytes sent as they are; a message of the other protocol is refused.
#include "fake_services.hpp"
#include "fake_smime.hpp"

#include <peermail/send/pipeline.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace peermail;
using namespace peermail::send;
using namespace peermail::test;

namespace {

constexpr const char* k_kim = k_kim_cert;
constexpr const char* k_bob = k_bob_cert;
// The decoded body of smime_message(): the start of a BER EnvelopedData.
const std::string k_der(
  "\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03\xa0\x80\x30"
  "\x80\x02\x01\x00",
  20);

struct Cms
{
  crypto::CmsEnvelope envelope;          // what the fake reads
  std::optional<Error> error;            // or this
  std::string der;                       // what it was given
  std::vector<std::string> fingerprints; // and for which certificates
  SmimeRecorder smime;                   // .refuse: addresses whose certificate is refused
};

// An envelope with one key-transport RecipientInfo per certificate index.
crypto::CmsEnvelope
envelope_to(std::vector<std::size_t> certs, std::string cipher = "AES-256-CBC")
{
  crypto::CmsEnvelope e;
  e.cipher = std::move(cipher);
  e.aes256 = e.cipher == "AES-256-CBC";
  for (const auto i : certs) {
    crypto::CmsRecipient r;
    r.kind = crypto::RecipientKind::key_transport;
    r.certs = {i};
    e.recipients.push_back(r);
  }
  return e;
}

Services
services(Recorder& rec, Cms& cms)
{
  // The pinned certificates as judged: usable unless in cms.smime.refuse.
  cms.smime.encrypted_only = true;
  Services s = with_fake_smime(fakes(rec), cms.smime);
  s.cms_envelope = [&cms](const std::string&,
                          std::string_view der,
                          const std::vector<std::string>& fprs) -> Result<crypto::CmsEnvelope> {
    cms.der = std::string(der);
    cms.fingerprints = fprs;
    if (cms.error) {
      return unexpected(*cms.error);
    }
    return cms.envelope;
  };
  s.session_key_ids = [](const std::string&, std::string_view) {
    return Result<std::vector<std::string>>(std::vector<std::string>{});
  };
  s.make_protector = [](const std::string&) -> Result<std::unique_ptr<protect::Protector>> {
    return fail(Errc::internal, "an encrypted message is never protected again");
  };
  return s;
}

config::Config
config_with_peers()
{
  config::Config cfg = make_config();
  cfg.peers.push_back({"kim@lab.test", k_kim, config::PeerProtocol::smime});
  cfg.peers.push_back({"bob@lab.test", k_bob, config::PeerProtocol::smime});
  return cfg;
}

SendRequest
smime_message(const std::string& to)
{
  SendRequest req;
  req.encrypted = "From: Ana <ana@clinic.test>\nTo: " + to
                  + "\nMessage-ID: <s1@clinic.test>\nMIME-Version: 1.0\n"
                    "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; "
                    "name=smime.p7m\nContent-Transfer-Encoding: base64\n\n"
                    "MIAGCSqGSIb3DQEHA6CAMIACAQA=\n";
  return req;
}

void
check_nothing_sent(const Recorder& rec)
{
  CHECK(rec.envelopes.empty());
  REQUIRE(rec.audit.size() == 1);
  CHECK(rec.audit[0].action == "refusal");
}

} // namespace

TEST_SUITE("peermail::send --message S/MIME")
{
  TEST_CASE("send::run: an S/MIME message proven for every recipient goes out as it is")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({1, 0, 5}); // an extra RecipientInfo nobody judged
    auto report =
      run(config_with_peers(), smime_message("kim@lab.test, bob@lab.test"), services(rec, cms));
    REQUIRE(report.ok());
    CHECK(cms.der == k_der);
    CHECK(cms.fingerprints == std::vector<std::string>{k_kim, k_bob});
    REQUIRE(rec.envelopes.size() == 1);
    CHECK(rec.envelopes[0].rcpt_to == std::vector<std::string>{"kim@lab.test", "bob@lab.test"});
    REQUIRE(rec.submitted.size() == 1);
    CHECK(rec.submitted[0].find("\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQA=\r\n") != std::string::npos);
    REQUIRE(rec.audit.size() == 2);
    CHECK(rec.audit[0].outcome == "pending");
    CHECK(rec.audit[1].outcome == "sent");
    CHECK(rec.audit[1].protocol == "S/MIME");
    CHECK(rec.audit[1].recipient_fprs == std::vector<std::string>{k_kim, k_bob});
    CHECK(rec.audit[1].signer_fpr.empty());
    REQUIRE(report.copies.size() == 1);
    CHECK(report.copies[0].protocol == "S/MIME");
    CHECK(report.recipients[0].protocol == "S/MIME");
    CHECK(report.recipients[0].key_fpr == k_kim);
  }

  TEST_CASE("send::run: --dry-run of an S/MIME message proves it and sends nothing")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0});
    SendRequest req = smime_message("kim@lab.test");
    req.dry_run = true;
    auto report = run(config_with_peers(), req, services(rec, cms));
    REQUIRE(report.ok());
    CHECK(cms.der == k_der);
    CHECK(rec.envelopes.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].outcome == "dry-run");
    CHECK(rec.audit[0].protocol == "S/MIME");
    REQUIRE(report.copies.size() == 1);
    CHECK(report.copies[0].status == "would-send");
    CHECK(report.copies[0].protocol == "S/MIME");
  }

  TEST_CASE("send::run: an S/MIME message to an OpenPGP recipient is refused (67)")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0});
    auto report = run(
      config_with_peers(), smime_message("kim@lab.test, sam@hospital.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == "the message is S/MIME, but sam@hospital.test reads OpenPGP (no [[peer]] entry "
             "with protocol = \"smime\"); nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    CHECK(report.error->fix
          == "send them a PGP/MIME message of their own (peermail encrypt), or pin their "
             "S/MIME certificate in a [[peer]] entry with protocol = \"smime\"");
    CHECK(report.recipients[1].status == "refused");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: a PGP/MIME message to an S/MIME peer is refused (67)")
  {
    Recorder rec;
    Cms cms;
    SendRequest req;
    req.encrypted =
      "From: Ana <ana@clinic.test>\nTo: kim@lab.test\nMessage-ID: <e1@clinic.test>\n"
      "MIME-Version: 1.0\nContent-Type: multipart/encrypted; "
      "protocol=\"application/pgp-encrypted\"; boundary=\"b\"\n\n--b\nContent-Type: "
      "application/pgp-encrypted\n\nVersion: 1\n\n--b\nContent-Type: "
      "application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP "
      "MESSAGE-----\n\n--b--\n";
    auto report = run(config_with_peers(), req, services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == "the message is PGP/MIME, but kim@lab.test reads S/MIME ([[peer]] protocol = "
             "\"smime\"); nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    CHECK(report.error->fix
          == "send them an S/MIME message encrypted to their pinned certificate, or compose it "
             "with peermail send --to ADDR, which writes S/MIME for them");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: an S/MIME message not encrypted to a pinned certificate (67)")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0});
    auto report =
      run(config_with_peers(), smime_message("kim@lab.test, bob@lab.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == std::string("cannot prove that bob@lab.test can read the message: the message is "
                         "not encrypted to its certificate ")
               + k_bob + "; nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: an S/MIME message not encrypted with AES-256 (67, E2E-02)")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0}, "DES-EDE3-CBC");
    auto report = run(config_with_peers(), smime_message("kim@lab.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == "the message is encrypted with DES-EDE3-CBC, not AES-256 (AES-256-CBC or "
             "AES-256-GCM); nothing was sent");
    CHECK(report.error->check_id == "E2E-02");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: an S/MIME message with a RecipientInfo that cannot be checked (67)")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0});
    cms.envelope.recipients.push_back({crypto::RecipientKind::password, {}});
    auto report = run(config_with_peers(), smime_message("kim@lab.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == "cannot prove who can read the message: the message can also be opened with a "
             "password (PasswordRecipientInfo), which peermail cannot judge; nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: an S/MIME message whose DER is not enveloped-data (65)")
  {
    Recorder rec;
    Cms cms;
    cms.error = Error(Errc::data,
                      "the S/MIME part holds signed-data, not enveloped-data: it is not encrypted");
    auto report = run(config_with_peers(), smime_message("kim@lab.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::data);
    CHECK(report.error->message
          == "the message is not end-to-end encrypted: the S/MIME part holds signed-data, not "
             "enveloped-data: it is not encrypted; nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: an smime-type that does not say what the CMS object is (65)")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0}, "AES-256-GCM");
    cms.envelope.authenticated = true;
    cms.envelope.aes256 = true;
    auto report = run(config_with_peers(), smime_message("kim@lab.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::data);
    CHECK(report.error->message
          == "the message is not end-to-end encrypted: its smime-type says enveloped-data, but "
             "the CMS object is AuthEnvelopedData; nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    check_nothing_sent(rec);
  }

  TEST_CASE("send::run: an S/MIME message to a peer whose certificate is refused (67)")
  {
    Recorder rec;
    Cms cms;
    cms.envelope = envelope_to({0});
    cms.smime.refuse = {"kim@lab.test"};
    auto report = run(config_with_peers(), smime_message("kim@lab.test"), services(rec, cms));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == std::string("no usable key for kim@lab.test: certificate ") + k_kim
               + " expired on 2021-01-01; nothing was sent");
    CHECK(report.error->check_id == "KEY-02");
    CHECK(cms.der.empty()); // judged before anything is proven
    check_nothing_sent(rec);
  }
}
