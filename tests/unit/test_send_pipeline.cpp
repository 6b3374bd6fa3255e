// SPDX-License-Identifier: GPL-3.0-or-later
#include "fake_services.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/send/pipeline.hpp>
#include <peermail/util/fd_io.hpp>

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace peermail;
using namespace peermail::send;
using namespace peermail::test;

namespace {

SendRequest
make_request()
{
  return secret_request(
    {"sam@hospital.test"}, {"cc@hospital.test"}, {"b1@hospital.test", "b2@hospital.test"});
}

} // namespace

TEST_SUITE("peermail::send")
{
  TEST_CASE("send::run: no audit record holds the subject, body, attachment name or Message-ID")
  {
    // AUD-02: what the sender typed reaches the audit log only as hashes.
    Recorder rec;
    auto req = make_request();
    req.compose->subject = "PHI-SUBJECT Zebulon MRN 4711";
    req.compose->body = "PHI-BODY potassium 6.1\n";
    req.compose->message_id = "mrn-4711.zebulon@clinic.test";
    char dir[] = "/tmp/pm-phi-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/PHI-FILE zebulon-labs.pdf";
    {
      std::ofstream f(path, std::ios::binary);
      f << "%PDF-1.4 PHI-ATTACHMENT";
    }
    mime::Attachment a;
    a.path = path;
    req.compose->attachments.push_back(a);
    auto report = run(make_config(), req, fakes(rec));
    std::filesystem::remove_all(dir);
    REQUIRE(report.ok());
    REQUIRE(rec.audit.size() == 6); // pending + sent for each of the three copies
    for (const auto& r : rec.audit) {
      const std::string line = audit::to_json(r).dump();
      for (const char* phi : {"PHI-", "Zebulon", "zebulon", "4711", "potassium"}) {
        INFO(line);
        CHECK(line.find(phi) == std::string::npos);
      }
      CHECK(audit::to_json(r)["message_id"].get<std::string>().rfind("sha256:", 0) == 0);
    }
  }

  TEST_CASE("send::run: one copy for To/Cc, one per Bcc, audited")
  {
    Recorder rec;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.ok());
    REQUIRE(rec.envelopes.size() == 3);
    CHECK(rec.envelopes[0].mail_from == "ana@clinic.test");
    CHECK(rec.envelopes[0].rcpt_to
          == std::vector<std::string>{"sam@hospital.test", "cc@hospital.test"});
    CHECK(rec.envelopes[1].rcpt_to == std::vector<std::string>{"b1@hospital.test"});
    CHECK(rec.envelopes[2].rcpt_to == std::vector<std::string>{"b2@hospital.test"});
    REQUIRE(rec.protected_with.size() == 3);
    // The To/Cc copy is encrypted to To, Cc and self, never to a Bcc key.
    CHECK(rec.protected_with[0].recipient_fingerprints
          == std::vector<std::string>{
            fpr_for("sam@hospital.test"), fpr_for("cc@hospital.test"), k_signer});
    CHECK(rec.protected_with[1].recipient_fingerprints
          == std::vector<std::string>{fpr_for("b1@hospital.test"), k_signer});
    CHECK(rec.protected_with[0].signer_fingerprint == k_signer);
    CHECK(rec.protected_with[0].sign);
    CHECK(rec.protected_with[0].encrypt);
    for (const auto& p : rec.plaintexts) {
      CHECK(p.find("Bcc") == std::string::npos);
      CHECK(p.find("b1@") == std::string::npos);
    }
    CHECK(rec.submitted[0].find(fpr_for("b1@hospital.test")) == std::string::npos);
    CHECK(rec.closed);
    // Write-ahead: pending, outcome, pending, outcome, … (one pair per copy).
    REQUIRE(rec.audit.size() == 6);
    CHECK(rec.audit_after_sends == std::vector<std::size_t>{0, 1, 1, 2, 2, 3});
    CHECK(rec.audit[0].action == "send");
    CHECK(rec.audit[0].outcome == "pending");
    CHECK(rec.audit[0].message_id == report.message_id);
    CHECK(rec.audit[0].content_sha256 == "00ff");
    CHECK(rec.audit[0].hash_algo == "SHA512");
    CHECK(rec.audit[0].recipient_fprs == rec.protected_with[0].recipient_fingerprints);
    CHECK(!rec.audit[0].smtp_code);
    CHECK(!rec.audit[0].tls_version);
    CHECK(!rec.audit[0].pending_seq);
    CHECK(rec.audit[1].action == "send");
    CHECK(rec.audit[1].outcome == "sent");
    CHECK(rec.audit[1].smtp_code == 250);
    CHECK(rec.audit[1].tls_version == "TLSv1.3");
    CHECK(rec.audit[1].message_id == report.message_id);
    CHECK(rec.audit[1].hash_algo == "SHA512");
    CHECK(rec.audit[1].pending_seq == std::optional<std::uint64_t>(1));
    CHECK(rec.audit[2].outcome == "pending");
    CHECK(rec.audit[2].recipients == std::vector<std::string>{"b1@hospital.test"});
    CHECK(rec.audit[3].recipients == std::vector<std::string>{"b1@hospital.test"});
    CHECK(rec.audit[3].pending_seq == std::optional<std::uint64_t>(3));
    CHECK(rec.audit[5].pending_seq == std::optional<std::uint64_t>(5));
    REQUIRE(report.recipients.size() == 4);
    for (const auto& r : report.recipients) {
      CHECK(r.status == "sent");
    }
    CHECK(report.copies.size() == 3);
  }

  TEST_CASE("send::run: a recipient without key refuses everything (67), audited")
  {
    Recorder rec;
    FakeKeyring tmpl;
    tmpl.unusable = {"cc@hospital.test"};
    auto report = run(make_config(), make_request(), fakes(rec, &tmpl));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == "no usable key for cc@hospital.test: no key for <cc@hospital.test> in the keyring; "
             "nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    CHECK(rec.envelopes.empty());
    CHECK(rec.protected_with.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].action == "refusal");
    CHECK(rec.audit[0].outcome == "refused");
    CHECK(rec.audit[0].exit_code == "EX_NOUSER");
    CHECK(rec.audit[0].check_id == "E2E-01");
    CHECK(report.recipients[1].status == "refused");
    CHECK(report.recipients[0].status == "not-sent");
  }

  TEST_CASE("send::run: dry run protects but never submits")
  {
    Recorder rec;
    auto req = make_request();
    req.dry_run = true;
    auto report = run(make_config(), req, fakes(rec));
    REQUIRE(report.ok());
    CHECK(rec.envelopes.empty());
    CHECK(rec.protected_with.size() == 3);
    REQUIRE(report.copies.size() == 3);
    CHECK(report.copies[0].status == "would-send");
    CHECK(report.copies[0].size > 0);
    CHECK(report.recipients[0].status == "would-send");
    REQUIRE(rec.audit.size() == 3);
    CHECK(rec.audit[0].outcome == "dry-run");
  }

  TEST_CASE("send::run: a failed submission is audited and stops the rest")
  {
    Recorder rec;
    rec.fail_send_at = 1;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    // The To/Cc copy was accepted: never "safe to retry" (issue 19).
    CHECK(report.error->code == Errc::maybe_delivered);
    CHECK(report.error->message
          == "server said 451 try later; it WAS delivered to sam@hospital.test, "
             "cc@hospital.test; it was not delivered to b1@hospital.test; it was not sent to "
             "b2@hospital.test");
    CHECK(report.error->fix
          == "do not resend the whole message; send it again only to b1@hospital.test, "
             "b2@hospital.test");
    CHECK(rec.envelopes.size() == 2);
    REQUIRE(rec.audit.size() == 4);
    CHECK(rec.audit[0].outcome == "pending");
    CHECK(rec.audit[1].outcome == "sent");
    CHECK(rec.audit[2].outcome == "pending");
    CHECK(rec.audit[3].outcome == "tempfail");
    CHECK(rec.audit[3].smtp_code == 451);
    CHECK(rec.audit[3].pending_seq == std::optional<std::uint64_t>(3));
    CHECK(report.copies[2].status == "not-sent");
    CHECK(report.recipients[2].status == "failed");
  }

  TEST_CASE("send::run: a 4xx on the first copy is a plain tempfail (nothing delivered)")
  {
    Recorder rec;
    rec.fail_send_at = 0;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::temp);
    CHECK(report.error->message == "server said 451 try later");
  }

  TEST_CASE("send::run: no reply to the final dot is unknown, audited as such")
  {
    Recorder rec;
    rec.fail_send_at = 0;
    rec.fail_unknown = true;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::maybe_delivered);
    CHECK(report.copies[0].status == "unknown");
    CHECK(report.recipients[0].status == "unknown");
    CHECK(report.recipients[2].status == "not-sent");
    REQUIRE(rec.audit.size() == 2);
    CHECK(rec.audit[1].outcome == "unknown");
    CHECK_FALSE(rec.audit[1].smtp_code.has_value());
    CHECK(report.error->fix
          == "check with sam@hospital.test, cc@hospital.test (or the provider's logs) before "
             "sending again; peermail does not retry it; to the others (b1@hospital.test, "
             "b2@hospital.test) it can be sent again");
  }

  TEST_CASE("send::run: no pending record, nothing submitted (74, AUD-04)")
  {
    Recorder rec;
    rec.fail_audit_at = 0;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::io);
    CHECK(report.error->message
          == "nothing was submitted: the audit record of the attempt could not be written: "
             "audit log /x/audit.jsonl: cannot sync to disk: No space left on device");
    CHECK(report.error->check_id == "AUD-04");
    CHECK(report.error->fix == "free space on that file system");
    CHECK(rec.envelopes.empty());
    CHECK(rec.audit.empty());
    CHECK(rec.closed);
    for (const auto& r : report.recipients) {
      CHECK(r.status == "not-sent");
    }
  }

  TEST_CASE("send::run: the outcome record fails after a 250 (74, AUD-01)")
  {
    Recorder rec;
    rec.fail_audit_at = 1;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::io);
    CHECK(report.error->message
          == "submitted to the server but the audit outcome could not be written: audit log "
             "/x/audit.jsonl: cannot sync to disk: No space left on device; pending record 1 "
             "proves the attempt");
    CHECK(report.error->check_id == "AUD-01");
    CHECK(report.error->fix
          == "do not send the message again: the server accepted it; free space on that file "
             "system; `peermail audit verify` lists pending record 1 as unresolved");
    CHECK(rec.envelopes.size() == 1); // submitted once, and nothing after it
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].outcome == "pending");
    CHECK(report.copies[0].status == "sent");
    CHECK(report.copies[1].status == "not-sent");
    CHECK(rec.closed);
  }

  TEST_CASE("send::run: an unknown outcome whose record fails still says it may be delivered")
  {
    Recorder rec;
    rec.fail_send_at = 0;
    rec.fail_unknown = true;
    rec.fail_audit_at = 1; // the outcome record of the unknown copy
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::maybe_delivered);
    CHECK(report.error->check_id == "AUD-01");
    CHECK(report.error->message.find("it may have been delivered to sam@hospital.test")
          != std::string::npos);
    CHECK(report.error->message.find("the audit outcome could not be written")
          != std::string::npos);
    CHECK(report.error->fix.rfind("check with sam@hospital.test", 0) == 0);
  }

  TEST_CASE("send::run: a later copy without its pending record is not submitted")
  {
    Recorder rec;
    rec.fail_audit_at = 2;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::io);
    CHECK(report.error->message.rfind("this copy was not submitted: ", 0) == 0);
    CHECK(rec.envelopes.size() == 1);
    REQUIRE(rec.audit.size() == 2);
    CHECK(rec.audit[1].outcome == "sent");
    CHECK(report.copies[1].status == "not-sent");
  }

  TEST_CASE("send::run: audit records hold no subject or body")
  {
    Recorder rec;
    auto report = run(make_config(), make_request(), fakes(rec));
    REQUIRE(report.ok());
    for (const auto& r : rec.audit) {
      for (const auto& s : {r.action, r.outcome, r.message_id, r.check_id, r.exit_code}) {
        CHECK(s.find("Secret") == std::string::npos);
      }
    }
  }

  TEST_CASE("send::run: unwritable audit log refuses before keys are judged")
  {
    Recorder rec;
    auto s = fakes(rec);
    bool opened = false;
    s.check_audit_writable = [](const std::string&) -> Result<void> {
      return fail(Errc::io, "audit log /x: Permission denied");
    };
    s.open_keyring = [&opened](const std::string&) -> Result<std::unique_ptr<crypto::Keyring>> {
      opened = true;
      return fail(Errc::internal, "unexpected");
    };
    auto report = run(make_config(), make_request(), s);
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::io);
    CHECK(report.error->check_id == "AUD-04");
    CHECK(!opened);
  }

  TEST_CASE("send::run: sendmail input")
  {
    Recorder rec;
    SendRequest req;
    req.action = "sendmail";
    req.raw =
      "From: ana@clinic.test\nTo: sam@hospital.test\nBcc: b1@hospital.test\n"
      "Subject: s\n\nbody\n";
    req.submission.recipients_from_headers = true;
    auto report = run(make_config(), req, fakes(rec));
    REQUIRE(report.ok());
    REQUIRE(rec.envelopes.size() == 2);
    CHECK(rec.envelopes[1].rcpt_to == std::vector<std::string>{"b1@hospital.test"});
    CHECK(rec.plaintexts[0].find("Bcc") == std::string::npos);
    CHECK(rec.audit[0].action == "sendmail");
  }

  TEST_CASE("send::validate: injection before config")
  {
    auto req = make_request();
    req.compose->subject = "x\nBcc: evil@x.test";
    auto r = validate(req);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::data);
    CHECK(validate(make_request()));
  }

  // --- send --message: an already encrypted message ---------------------

  // The key ID a fake ciphertext names for `address` (the last 16
  // characters of its fake fingerprint).
  std::string key_id_for(const std::string& address)
  {
    const auto f = fpr_for(address);
    return f.substr(f.size() - 16);
  }

  std::string pgp_message(const std::string& to, const std::string& extra_headers = "")
  {
    return "From: Ana <ana@clinic.test>\nTo: " + to + "\n" + extra_headers
           + "Message-ID: <e1@clinic.test>\nMIME-Version: 1.0\n"
             "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
             "boundary=\"b\"\n\n--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
             "--b\nContent-Type: application/octet-stream\n\n"
             "-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----\n\n--b--\n";
  }

  Services with_key_ids(Services s, std::vector<std::string> ids, std::string* seen = nullptr)
  {
    s.session_key_ids = [ids, seen](const std::string&,
                                    std::string_view c) -> Result<std::vector<std::string>> {
      if (seen != nullptr) {
        *seen = std::string(c);
      }
      return ids;
    };
    s.make_protector = [](const std::string&) -> Result<std::unique_ptr<protect::Protector>> {
      return fail(Errc::internal, "an encrypted message is never protected again");
    };
    return s;
  }

  TEST_CASE("send::run: an encrypted message proven for every recipient goes out as it is")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = pgp_message("sam@hospital.test", "Cc: kim@hospital.test\n");
    std::string ciphertext;
    auto s = with_key_ids(
      fakes(rec), {key_id_for("sam@hospital.test"), key_id_for("kim@hospital.test")}, &ciphertext);
    auto report = run(make_config(), req, s);
    REQUIRE(report.ok());
    CHECK(ciphertext == "-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----");
    REQUIRE(rec.envelopes.size() == 1);
    CHECK(rec.envelopes[0].rcpt_to
          == std::vector<std::string>{"sam@hospital.test", "kim@hospital.test"});
    REQUIRE(rec.submitted.size() == 1);
    CHECK(rec.submitted[0].find("hQEMA") != std::string::npos);
    REQUIRE(rec.audit.size() == 2);
    CHECK(rec.audit[0].outcome == "pending");
    CHECK(rec.audit[1].outcome == "sent");
    CHECK(rec.audit[1].pending_seq == std::optional<std::uint64_t>(1));
    CHECK(rec.audit[1].signer_fpr.empty()); // not signed by us
    CHECK(report.recipients[1].field == "cc");
    CHECK(report.recipients[0].key_fpr == fpr_for("sam@hospital.test"));
  }

  TEST_CASE("send::run: an encrypted message with Bcc and other recipients is refused (64)")
  {
    // Its proof would need the Bcc recipient's key ID in the one ciphertext
    // the others read (E2E-05).
    Recorder rec;
    SendRequest req;
    req.encrypted =
      pgp_message("sam@hospital.test", "Cc: kim@hospital.test\nBcc: b1@hospital.test\n");
    auto s = with_key_ids(fakes(rec),
                          {key_id_for("sam@hospital.test"),
                           key_id_for("kim@hospital.test"),
                           key_id_for("b1@hospital.test")});
    auto report = run(make_config(), req, s);
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::usage);
    CHECK(report.error->check_id == "E2E-05");
    CHECK(report.error->message.find("Bcc recipients (1)") != std::string::npos);
    CHECK(rec.envelopes.empty());
  }

  TEST_CASE("send::run: an encrypted message to a Bcc recipient alone goes out (Bcc removed)")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = pgp_message("", "Bcc: b1@hospital.test\n");
    auto s = with_key_ids(fakes(rec), {key_id_for("b1@hospital.test")});
    auto report = run(make_config(), req, s);
    REQUIRE(report.ok());
    REQUIRE(rec.envelopes.size() == 1);
    CHECK(rec.envelopes[0].rcpt_to == std::vector<std::string>{"b1@hospital.test"});
    REQUIRE(rec.submitted.size() == 1);
    CHECK(rec.submitted[0].find("b1@hospital.test") == std::string::npos); // Bcc removed
  }

  TEST_CASE("send::run: an encrypted message not encrypted to a recipient's key (67)")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = pgp_message("sam@hospital.test");
    auto report = run(make_config(), req, with_key_ids(fakes(rec), {"0123456789ABCDEF"}));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message
          == "cannot prove that sam@hospital.test can read the message: the message is not "
             "encrypted to its key "
               + fpr_for("sam@hospital.test") + "; nothing was sent");
    CHECK(report.error->check_id == "E2E-01");
    CHECK(rec.envelopes.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].action == "refusal");
    CHECK(report.recipients[0].status == "refused");
  }

  TEST_CASE("send::run: --to overrides the headers and must itself be proven")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = pgp_message("sam@hospital.test");
    req.envelope_to = {"Other <other@hospital.test>"};
    auto report =
      run(make_config(), req, with_key_ids(fakes(rec), {key_id_for("sam@hospital.test")}));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message.find("other@hospital.test") != std::string::npos);
    CHECK(rec.envelopes.empty());
  }

  TEST_CASE("send::run: hidden recipients cannot be proven (67, with the fix)")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = pgp_message("sam@hospital.test");
    auto report = run(make_config(), req, with_key_ids(fakes(rec), {"0000000000000000"}));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message.find("hidden recipients") != std::string::npos);
    CHECK(report.error->fix.find("without --hide-recipients") != std::string::npos);
    CHECK(rec.envelopes.empty());
  }

  TEST_CASE("send::run: a recipient without a usable key refuses the encrypted message")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = pgp_message("nokey@hospital.test");
    FakeKeyring tmpl;
    tmpl.unusable = {"nokey@hospital.test"};
    auto report = run(make_config(), req, with_key_ids(fakes(rec, &tmpl), {"0123456789ABCDEF"}));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message.rfind("no usable key for nokey@hospital.test", 0) == 0);
    CHECK(rec.envelopes.empty());
  }

  TEST_CASE("send::run: a plaintext message for send --message is refused (65, E2E-01)")
  {
    Recorder rec;
    SendRequest req;
    req.encrypted = std::string("From: ana@clinic.test\nTo: sam@hospital.test\n\nPHI\n");
    auto report = run(make_config(), req, with_key_ids(fakes(rec), {}));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::data);
    CHECK(report.error->check_id == "E2E-01");
    CHECK(report.error->message.find("PHI") == std::string::npos);
    CHECK(rec.envelopes.empty());
    CHECK(rec.audit.empty());
  }

  TEST_CASE("send::run: no audit path, nothing is judged or sent (78, AUD-01)")
  {
    for (bool encrypted : {false, true}) {
      Recorder rec;
      auto cfg = make_config();
      cfg.audit.path.clear();
      SendRequest req = make_request();
      if (encrypted) {
        req.compose.reset();
        req.encrypted = pgp_message("sam@hospital.test");
      }
      auto report = run(cfg, req, with_key_ids(fakes(rec), {key_id_for("sam@hospital.test")}));
      REQUIRE(report.error);
      CHECK(report.error->code == Errc::config);
      CHECK(report.error->message.find("audit.path") != std::string::npos);
      CHECK(rec.envelopes.empty());
      CHECK(rec.audit.empty());
    }
  }

  TEST_CASE("send::validate: send --message size and --to like compose mode")
  {
    SendRequest req;
    req.encrypted = std::string((64U << 20) + 1, 'x');
    auto big = validate(req);
    REQUIRE_FALSE(big);
    CHECK(big.error().code == Errc::data);
    CHECK(big.error().message == "the message is larger than 64 MiB");
    req.encrypted = pgp_message("sam@hospital.test");
    req.envelope_to = {"sam@localhost"};
    auto local = validate(req);
    REQUIRE_FALSE(local);
    CHECK(local.error().code == Errc::data);
    auto compose = make_request();
    compose.compose->to = {"sam@localhost"};
    auto c = validate(compose);
    REQUIRE_FALSE(c);
    CHECK(local.error().message == c.error().message);
  }

  TEST_CASE("send::run: an unusable archive key refuses everything (67, policy.archive_key)")
  {
    Recorder rec;
    FakeKeyring tmpl;
    tmpl.unusable = {""}; // the archive key: no user ID to judge it by
    auto cfg = make_config();
    cfg.policy.archive_key = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    auto report = run(cfg, make_request(), fakes(rec, &tmpl));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::no_key);
    CHECK(report.error->message.find("policy.archive_key") != std::string::npos);
    CHECK(report.error->fix.find("policy.archive_key") != std::string::npos);
    CHECK(report.error->check_id == "E2E-01");
    CHECK(rec.protected_with.empty());
    CHECK(rec.envelopes.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].action == "refusal");
  }

  TEST_CASE("send::run: a failing offline checklist item refuses before any connection (78)")
  {
    Recorder rec;
    auto s = fakes(rec);
    s.offline_checklist = [](const config::Config&,
                             const std::string&,
                             const std::map<std::string, std::string>&) -> Result<void> {
      return fail(Errc::config, "checklist item CFG-01 fails", "CFG-01", "add compliance.baa");
    };
    bool connected = false;
    s.make_transport =
      [&connected](transport::SessionOptions) -> Result<std::unique_ptr<transport::Transport>> {
      connected = true;
      return fail(Errc::internal, "must not connect");
    };
    auto report = run(make_config(), make_request(), s);
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::config);
    CHECK(report.error->check_id == "CFG-01");
    CHECK_FALSE(connected);
    CHECK(rec.protected_with.empty());
    REQUIRE(rec.audit.size() == 1);
    CHECK(rec.audit[0].action == "refusal");
    CHECK(rec.audit[0].check_id == "CFG-01");
  }

  TEST_CASE(
    "send::run: an interrupt aborts the copy in flight (interrupted, audited with its "
    "pending_seq) and starts no other")
  {
    Recorder rec;
    util::Cancel cancel;
    rec.cancel = &cancel;
    rec.cancel_at_send = 1; // the first Bcc copy
    auto req = make_request();
    req.cancel = &cancel;
    auto report = run(make_config(), req, fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::canceled);
    CHECK(report.error->message
          == "interrupted before the end of the message; it WAS delivered to sam@hospital.test, "
             "cc@hospital.test; it was not sent to b1@hospital.test, b2@hospital.test");
    CHECK(report.error->fix
          == "do not resend the whole message; send it again only to b1@hospital.test, "
             "b2@hospital.test");
    CHECK(rec.envelopes.size() == 2);
    CHECK(report.copies[0].status == "sent");
    CHECK(report.copies[1].status == "interrupted");
    CHECK(report.copies[2].status == "not-sent");
    CHECK(report.recipients[2].status == "interrupted");
    CHECK(report.recipients[3].status == "not-sent");
    REQUIRE(rec.audit.size() == 4);
    CHECK(rec.audit[2].outcome == "pending");
    CHECK(rec.audit[3].outcome == "interrupted");
    CHECK(rec.audit[3].pending_seq == std::optional<std::uint64_t>(3));
  }

  TEST_CASE("send::run: an interrupt before the first submission sends and audits nothing")
  {
    Recorder rec;
    util::Cancel cancel;
    cancel.request(15);
    auto req = make_request();
    req.cancel = &cancel;
    auto report = run(make_config(), req, fakes(rec));
    REQUIRE(report.error);
    CHECK(report.error->code == Errc::canceled);
    CHECK(report.error->message == "interrupted: nothing was submitted");
    CHECK(rec.envelopes.empty());
    for (const auto& r : rec.audit) {
      CHECK(r.outcome != "pending");
    }
  }
}
