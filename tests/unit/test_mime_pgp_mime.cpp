// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/mime/inspect.hpp>
#include <peermail/mime/pgp_mime.hpp>

#include <doctest/doctest.h>

using namespace peermail;

namespace {

const std::string k_message =
  "From: Ana Ruiz <ana@clinic.test>\n"
  "To: Sam <sam@hospital.test>, b@x.test\n"
  "Cc: c@x.test\n"
  "Bcc: hidden@x.test\n"
  "Subject: Lab results\n"
  "Message-ID: <m1@clinic.test>\n"
  "Content-Type: text/plain; charset=utf-8\n"
  "Content-Transfer-Encoding: 8bit\n"
  "\n"
  "From the lab\n"
  "trailing space \n"
  "caf\xc3\xa9\n";

bool
only_crlf(const std::string& s)
{
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
      return false;
    }
  }
  return true;
}

} // namespace

TEST_SUITE("peermail::mime::pgp_mime")
{
  TEST_CASE("prepare: canonical, 7-bit inner entity with protected headers")
  {
    auto p = mime::prepare(k_message, mime::SubjectProtection::placeholder);
    REQUIRE(p);
    CHECK(only_crlf(p->inner));
    for (unsigned char c : p->inner) {
      REQUIRE(c < 0x80);
    }
    CHECK(p->inner.find("protected-headers=v1") != std::string::npos);
    CHECK(p->inner.find("Subject: Lab results\r\n") != std::string::npos);
    CHECK(p->inner.find("\r\nFrom the lab")
          == std::string::npos); // From-armor: not a bare "From " line
    CHECK(p->inner.find("Bcc") == std::string::npos);
    CHECK(p->outer_headers.find("Subject: [...]\r\n") != std::string::npos);
    CHECK(p->outer_headers.find("Lab results") == std::string::npos);
    CHECK(p->outer_headers.find("Bcc") == std::string::npos);
    CHECK(p->outer_headers.find("Content-Type") == std::string::npos);
    CHECK(p->message_id == "m1@clinic.test");
    CHECK(p->from_address == "ana@clinic.test");
    CHECK(
      p->recipients
      == std::vector<std::string>{"sam@hospital.test", "b@x.test", "c@x.test", "hidden@x.test"});
  }

  TEST_CASE("prepare: sign-only keeps the Subject")
  {
    auto p = mime::prepare(k_message, mime::SubjectProtection::keep);
    REQUIRE(p);
    CHECK(p->outer_headers.find("Subject: Lab results\r\n") != std::string::npos);
  }

  TEST_CASE("prepare: a missing Message-ID is made by the one generator")
  {
    // mime::make_message_id: 128 random bits in hex, "@", the From domain.
    auto p =
      mime::prepare("From: a@clinic.test\nTo: b@x.test\n\nhi\n", mime::SubjectProtection::keep);
    REQUIRE(p);
    const auto at = p->message_id.find('@');
    REQUIRE(at == 32);
    CHECK(p->message_id.substr(at) == "@clinic.test");
    CHECK(p->message_id.substr(0, at).find_first_not_of("0123456789abcdef") == std::string::npos);
  }

  TEST_CASE("prepare: refusals")
  {
    CHECK(
      mime::prepare("From: a@x.test, b@x.test\n\nhi\n", mime::SubjectProtection::keep).error().code
      == Errc::data);
    CHECK(mime::prepare("To: a@x.test\n\nhi\n", mime::SubjectProtection::keep).error().message
          == "the message must have exactly one From address (found 0)");
  }

  TEST_CASE("prepare: only addressing and threading headers leave in clear when encrypted")
  {
    const std::string msg =
      "From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\n"
      "Subject: MRN 4711\nThread-Topic: MRN 4711\nKeywords: oncology\n"
      "Comments: call the family\nX-Patient: Jane Doe\n"
      "Mail-Followup-To: team@clinic.test\nIn-Reply-To: <a@clinic.test>\n\nbody\n";
    auto p = mime::prepare(msg, mime::SubjectProtection::placeholder);
    REQUIRE(p);
    for (const char* secret : {"MRN", "oncology", "family", "Jane"}) {
      CHECK(p->outer_headers.find(secret) == std::string::npos);
      CHECK(p->inner.find(secret) != std::string::npos);
    }
    CHECK(p->outer_headers.find("Subject: [...]") != std::string::npos);
    CHECK(p->outer_headers.find("Mail-Followup-To: team@clinic.test") != std::string::npos);
    CHECK(p->outer_headers.find("In-Reply-To: <a@clinic.test>") != std::string::npos);
    // What leaves in clear and a reader sees is protected inside too, so
    // that verify can hold the outer header to it.
    CHECK(p->inner.find("Mail-Followup-To: team@clinic.test") != std::string::npos);
    // Signed only, nothing is confidential: the outer headers stay.
    auto s = mime::prepare(msg, mime::SubjectProtection::keep);
    REQUIRE(s);
    CHECK(s->outer_headers.find("X-Patient: Jane Doe") != std::string::npos);
  }

  TEST_CASE("assemble_signed round-trips through inspect byte for byte")
  {
    auto p = mime::prepare(k_message, mime::SubjectProtection::keep);
    REQUIRE(p);
    const std::string sig = "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";
    const std::string msg = mime::assemble_signed(*p, sig, "pgp-sha256");
    CHECK(msg.find("micalg=\"pgp-sha256\"") != std::string::npos);
    auto ins = mime::inspect(msg);
    REQUIRE(ins);
    CHECK(ins->shape == mime::Shape::signed_mime);
    CHECK(ins->covers_all);
    CHECK(ins->signed_content == p->inner);
    CHECK(ins->signature.find("AAAA") != std::string::npos);
    REQUIRE(ins->protected_headers);
    CHECK(ins->protected_headers->subject.value() == "Lab results");
    CHECK(ins->from == std::vector<std::string>{"ana@clinic.test"});
  }

  TEST_CASE("inspect: outer headers that differ from the protected ones are not signed")
  {
    auto p = mime::prepare(k_message, mime::SubjectProtection::keep);
    REQUIRE(p);
    const std::string sig = "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";
    const std::string good = mime::assemble_signed(*p, sig, "pgp-sha256");
    // The first occurrence of each header is the outer one.
    const auto replace_first = [&](std::string from, std::string to) {
      std::string m = good;
      const auto at = m.find(from);
      REQUIRE(at != std::string::npos);
      m.replace(at, from.size(), to);
      return m;
    };
    // Judged as verify judges them: outer fields against the protected ones.
    const auto judged = [&](const std::string& m) {
      auto ins = mime::inspect(m);
      REQUIRE(ins);
      REQUIRE(ins->malformed.empty());
      return mime::judge_headers(ins->outer_fields, ins->protected_headers, false);
    };
    // The same Subject, encoded and folded differently, is the same header.
    auto same =
      judged(replace_first("Subject: Lab results", "Subject:\r\n =?utf-8?q?Lab_results?="));
    CHECK(same.differing.empty());
    CHECK(same.unsigned_names.empty());

    auto subject = judged(replace_first("Subject: Lab results", "Subject: Lab results: ALL CLEAR"));
    CHECK(subject.differing == std::vector<std::string>{"Subject"});

    // A Message-ID replaced in transit is a note, not an alarm.
    auto ids =
      judged(replace_first("Message-ID: <m1@clinic.test>", "Message-ID: <replayed@clinic.test>"));
    CHECK(ids.differing.empty());
    CHECK(ids.unsigned_names == std::vector<std::string>{"Message-ID"});
    CHECK(ids.notes.size() == 1);

    auto cc = judged(replace_first("Cc: c@x.test", "Cc: c@x.test, spy@evil.test"));
    CHECK(cc.differing == std::vector<std::string>{"Cc"});

    // An outer header the signer never wrote is as unsigned as a changed one.
    auto added = judged(replace_first("Cc: c@x.test", "Cc: c@x.test\r\nReply-To: spy@evil.test"));
    CHECK(added.differing == std::vector<std::string>{"Reply-To"});
  }

  TEST_CASE("judge_headers: legacy mail, encrypted placeholders, a Date moved by seconds")
  {
    const std::vector<mime::Field> outer = {
      {"From",    "a@x.test,"},
      {"To",      "b@x.test,"},
      {"Subject", "[...]"    },
      {"Date",    "1000"     }
    };
    // No protected headers: all visible headers are unsigned, none steers replies.
    auto legacy = mime::judge_headers(outer, std::nullopt, false);
    CHECK(legacy.unsigned_names == std::vector<std::string>{"To", "Subject", "Date"});
    CHECK(legacy.differing.empty());
    auto steering = outer;
    steering.emplace_back("Sender", "spy@evil.test,");
    CHECK(mime::judge_headers(steering, std::nullopt, false).differing
          == std::vector<std::string>{"Sender"});

    mime::ProtectedHeaders ph;
    ph.fields = {
      {"From",    "a@x.test,"},
      {"To",      "b@x.test,"},
      {"Subject", "Real"     },
      {"Date",    "990"      }
    };
    // Encrypted: "[...]" is the expected obscured Subject; the Date moved 10 s.
    auto enc = mime::judge_headers(outer, ph, true);
    CHECK(enc.differing.empty());
    CHECK(enc.notes.size() == 1);
    // Signed only: the reader sees "[...]", which nobody signed.
    CHECK(mime::judge_headers(outer, ph, false).differing == std::vector<std::string>{"Subject"});
    // A Date a day off is not a transport delay.
    ph.fields[3].second = "-85400";
    CHECK(mime::judge_headers(outer, ph, true).differing == std::vector<std::string>{"Date"});
  }

  TEST_CASE("inspect: a signed part beside unsigned text does not cover all")
  {
    const std::string msg =
      "From: a@x.test\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=m\n\n"
      "--m\nContent-Type: text/plain\n\nunsigned\n"
      "--m\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\n\n"
      "--s\nContent-Type: text/plain\n\nsigned\n"
      "--s\nContent-Type: application/pgp-signature\n\nSIG\n--s--\n"
      "--m--\n";
    auto ins = mime::inspect(msg);
    REQUIRE(ins);
    CHECK(ins->shape == mime::Shape::signed_mime);
    CHECK_FALSE(ins->covers_all);
  }

  TEST_CASE("inspect: inline cleartext signature with text around it")
  {
    const std::string msg =
      "From: a@x.test\nContent-Type: text/plain\n\nhello\n"
      "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nx\n"
      "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";
    auto ins = mime::inspect(msg);
    REQUIRE(ins);
    CHECK(ins->shape == mime::Shape::inline_signed);
    CHECK_FALSE(ins->covers_all);
  }

  TEST_CASE("inspect: empty input is not a message")
  {
    CHECK(mime::inspect("").error().code == Errc::data);
  }

  TEST_CASE("restore_decrypted: layered (signed, then encrypted) restores the real Subject")
  {
    const std::string outer =
      "From: a@x.test\r\nSubject: [...]\r\nReply-To: spy@evil.test\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/encrypted; boundary=b\r\n\r\n--b--\r\n";
    const std::string inner =
      "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\r\n\r\n"
      "--s\r\nContent-Type: text/plain; protected-headers=v1\r\nSubject: Real\r\n"
      "From: a@x.test\r\n\r\nbody\r\n--s\r\nContent-Type: application/pgp-signature\r\n\r\n"
      "SIG\r\n--s--\r\n";
    auto r = mime::restore_decrypted(outer, inner);
    REQUIRE(r);
    CHECK(r->rfind("Subject: Real\r\nFrom: a@x.test\r\nMIME-Version: 1.0\r\n", 0) == 0);
    CHECK(r->find("[...]") == std::string::npos);
    CHECK(r->find("spy@evil.test") == std::string::npos);
  }

  TEST_CASE("restore_decrypted: the protected Subject replaces the placeholder")
  {
    const std::string outer =
      "From: a@x.test\r\nSubject: [...]\r\nX-Keep: 1\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/encrypted; boundary=b\r\n\r\n--b--\r\n";
    const std::string inner =
      "Content-Type: text/plain; protected-headers=v1\r\nSubject: Real\r\n"
      "From: a@x.test\r\n\r\nbody\r\n";
    auto r = mime::restore_decrypted(outer, inner);
    REQUIRE(r);
    CHECK(r->find("[...]") == std::string::npos);
    // An outer-only header was never encrypted or signed: not in the plaintext.
    CHECK(r->find("X-Keep") == std::string::npos);
    CHECK(r->find("Subject: Real\r\n") != std::string::npos);
    CHECK(r->find("multipart/encrypted") == std::string::npos);
  }
}

TEST_CASE("read_addresses: recipients in the one address rule's normal form")
{
  // GMime gives an A-label domain back in Unicode; [[peer]] entries and key
  // lookups hold the A-label form, so both spellings must come out as it.
  const std::string m =
    "From: Ana <ana@clinic.test>\n"
    "To: bob@xn--bcher-kva.example, Ann <ANN@b\xc3\xbc"
    "cher.example>\n"
    "Bcc: carl@b\xc3\xbc"
    "cher.example\n"
    "Subject: x\n\nbody\n";
  auto a = peermail::mime::read_addresses(m);
  REQUIRE(a);
  CHECK(a->recipients
        == std::vector<std::string>{
          "bob@xn--bcher-kva.example", "ann@xn--bcher-kva.example", "carl@xn--bcher-kva.example"});
  CHECK(a->bcc == std::vector<std::string>{"carl@xn--bcher-kva.example"});
  CHECK(a->from == std::vector<std::string>{"ana@clinic.test"});
}

TEST_CASE("read_addresses: a recipient the address rule refuses is an error naming the field")
{
  auto a = peermail::mime::read_addresses("From: ana@clinic.test\nCc: root@localhost\n\nx\n");
  REQUIRE_FALSE(a);
  CHECK(a.error().code == peermail::Errc::data);
  CHECK(a.error().message.rfind("Cc: ", 0) == 0);
}
