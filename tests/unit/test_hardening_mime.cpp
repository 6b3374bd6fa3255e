// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile input at the library level (docs/LIMITS.md): header injection in
// every composed field, NUL and 8-bit garbage, MIME nesting past GMime's
// limit, structure that must decide `malformed` or never `valid`.
#include "testutil.hpp"

#include <peermail/mime/compose.hpp>
#include <peermail/mime/envelope.hpp>
#include <peermail/mime/inspect.hpp>
#include <peermail/mime/pgp_mime.hpp>
#include <peermail/verify/verify.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace peermail;
using namespace peermail::mime;

namespace {

ComposeRequest
good_request()
{
  ComposeRequest r;
  r.from = "Ana Ruiz <ana@clinic.test>";
  r.to = {"sam@hospital.test"};
  r.subject = "Follow-up";
  r.body = "Hello\n";
  r.date = 1767225600;
  return r;
}

std::string
nested(int levels, const std::string& innermost)
{
  std::string s =
    "From: ana@clinic.test\r\nTo: sam@hospital.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n";
  for (int i = 0; i < levels; ++i) {
    s += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b"
         + std::to_string(i) + "\r\n";
  }
  s += innermost;
  for (int i = levels - 1; i >= 0; --i) {
    s += "\r\n--b" + std::to_string(i) + "--\r\n";
  }
  return s;
}

const std::string k_signed_part =
  "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; "
  "boundary=\"sig\"\r\n\r\n--sig\r\nContent-Type: text/plain\r\n\r\nsigned\r\n--sig\r\n"
  "Content-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\niQ==\r\n"
  "-----END PGP SIGNATURE-----\r\n--sig--\r\n";

} // namespace

TEST_SUITE("hardening.compose")
{
  TEST_CASE("CR, LF or NUL in any field is refused as header injection")
  {
    for (const std::string& bad :
         {std::string("\r"), std::string("\n"), std::string("\r\n"), std::string("\0", 1)}) {
      const std::string evil = "x" + bad + "Bcc: evil@attacker.test";
      auto check = [&](ComposeRequest r) {
        auto c = compose(r);
        REQUIRE_FALSE(c.has_value());
        CHECK(c.error().code == Errc::data);
        CHECK(c.error().message.find("evil") == std::string::npos);
      };
      ComposeRequest r = good_request();
      r.subject = evil;
      check(r);
      r = good_request();
      r.to = {"sam@hospital.test" + bad + "Bcc: evil@attacker.test"};
      check(r);
      r = good_request();
      r.cc = {"Sam" + bad + " <sam@hospital.test>"};
      check(r);
      r = good_request();
      r.bcc = {"sam@hospital.test" + bad};
      check(r);
      r = good_request();
      r.from = "Ana" + bad + " <ana@clinic.test>";
      check(r);
      r = good_request();
      r.message_id = "1@clinic.test" + bad + "X-Evil: 1";
      check(r);
      r = good_request();
      r.attachments = {
        {"/tmp/scan" + bad + "X-Evil: 1.pdf", "", ""}
      };
      check(r);
      r = good_request();
      r.attachments = {
        {"/etc/hostname", "scan" + bad + ".pdf", ""}
      };
      check(r);
      r = good_request();
      r.attachments = {
        {"/etc/hostname", "", "text/plain" + bad + "X-Evil: 1"}
      };
      check(r);
    }
  }

  TEST_CASE("a NUL or invalid UTF-8 body is refused")
  {
    ComposeRequest r = good_request();
    r.body = std::string("a\0b", 3);
    CHECK(compose(r).error().code == Errc::data);
    r.body = "\xff\xfe";
    CHECK(compose(r).error().code == Errc::data);
  }

  TEST_CASE("sendmail input: NUL, injected -F and too many recipients")
  {
    SubmissionOptions o;
    o.identity = {"Ana", "ana@clinic.test"};
    o.recipients_from_headers = true;
    auto nul =
      prepare_submission(std::string("To: sam@hospital.test\nSubject: a\0b\n\nx\n", 38), o);
    REQUIRE_FALSE(nul.has_value());
    CHECK(nul.error().code == Errc::data);
    o.full_name = "Ana\r\nBcc: evil@attacker.test";
    auto f = prepare_submission("To: sam@hospital.test\nSubject: a\n\nx\n", o);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().code == Errc::data);
    o.full_name.reset();
    std::string many = "To: ";
    for (int i = 0; i < 600; ++i) {
      many += (i == 0 ? "" : ",") + std::string("r") + std::to_string(i) + "@hospital.test";
    }
    auto m = prepare_submission(many + "\nSubject: a\n\nx\n", o);
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == Errc::data);
  }

  TEST_CASE("what compose accepts parses back to exactly its recipients, no Bcc")
  {
    ComposeRequest r = good_request();
    r.to = {"\"Evil, Bcc: x@attacker.test\" <sam@hospital.test>"};
    r.bcc = {"bea@hospital.test"};
    r.subject = "Bcc: evil@attacker.test"; // a subject that looks like a header is just text
    auto c = compose(r);
    if (!c) {
      CHECK(c.error().code == Errc::data); // refusing the display name is fine too
      return;
    }
    auto back = parse_outgoing(c->second);
    REQUIRE(back.has_value());
    CHECK(back->bcc.empty());
    REQUIRE(back->to.size() == 1);
    CHECK(back->to.front() == "sam@hospital.test");
    CHECK(back->all_recipients().size() == 1);
  }
}

TEST_SUITE("hardening.prepare")
{
  TEST_CASE("8-bit garbage in a base64 or quoted-printable part is bad input, not a bug")
  {
    for (const char* msg : {
           "From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\n"
           "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!not base64\xff\n",
           "From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\n"
           "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\xc3\x28 "
           "broken=\n",
         }) {
      auto p = prepare(msg, SubjectProtection::placeholder);
      REQUIRE_FALSE(p.has_value());
      CHECK(p.error().code == Errc::data);
    }
  }

  TEST_CASE("a bare CR in a header is refused: it would become a new header line")
  {
    auto p = prepare(
      "From: ana@clinic.test\nTo: sam@hospital.test\nX-Ref: 1\rBcc: evil@attacker.test\n"
      "Subject: x\n\nbody\n",
      SubjectProtection::placeholder);
    REQUIRE_FALSE(p.has_value());
    CHECK(p.error().code == Errc::data);
    auto ok =
      prepare("From: ana@clinic.test\r\nTo: sam@hospital.test\r\nSubject: x\r\n\r\nbo\rdy\r\n",
              SubjectProtection::placeholder);
    REQUIRE(ok.has_value());
    CHECK(ok->outer_headers.find("Bcc") == std::string::npos);
  }

  TEST_CASE("a 100 kB body line is re-encoded to short lines")
  {
    const std::string msg = "From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\n\n"
                            + std::string(100000, 'a') + "\n";
    auto p = prepare(msg, SubjectProtection::placeholder);
    REQUIRE(p.has_value());
    std::size_t longest = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= p->inner.size(); ++i) {
      if (i == p->inner.size() || p->inner[i] == '\n') {
        longest = std::max(longest, i - start);
        start = i + 1;
      }
    }
    CHECK(longest <= 78);
  }
}

TEST_SUITE("hardening.inspect")
{
  TEST_CASE("empty, blank and header-less input is not a message")
  {
    for (const std::string& in :
         {std::string(), std::string(" \r\n\t\n"), std::string("\0\0\0", 3)}) {
      auto r = inspect(in);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Errc::data);
    }
  }

  TEST_CASE("a signed part deep inside is found, but never covers the message")
  {
    auto r = inspect(nested(50, k_signed_part));
    REQUIRE(r.has_value());
    CHECK(r->shape == Shape::signed_mime);
    CHECK_FALSE(r->covers_all);
    CHECK_FALSE(r->protected_headers.has_value());
  }

  TEST_CASE("past GMime's 1024 levels the rest is one opaque leaf: no crash, no signature")
  {
    auto r = inspect(nested(3000, k_signed_part));
    REQUIRE(r.has_value());
    CHECK(r->shape == Shape::plain);
    CHECK(r->signature.empty());
  }

  TEST_CASE("multipart/signed with three parts is malformed and decides malformed")
  {
    const std::string msg =
      "From: ana@clinic.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
      "protocol=\"application/pgp-signature\"; boundary=s\r\n\r\n--s\r\nContent-Type: "
      "text/plain\r\n\r\n"
      "a\r\n--s\r\nContent-Type: text/plain\r\n\r\nb\r\n--s\r\nContent-Type: "
      "application/pgp-signature\r\n\r\n"
      "x\r\n--s--\r\n";
    auto r = inspect(msg);
    REQUIRE(r.has_value());
    CHECK_FALSE(r->malformed.empty());
    verify::VerifyReport v;
    v.malformed = true;
    CHECK(verify::decide(v) == verify::Verdict::malformed);
  }

  TEST_CASE("20000 sibling parts and a NUL in a header: malformed, without harm")
  {
    std::string msg =
      "From: ana@clinic.test\r\nSubject: a" + std::string("\0", 1)
      + "b\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n";
    for (int i = 0; i < 20000; ++i) {
      msg += "--B\r\nContent-Type: text/plain\r\n\r\npart\r\n";
    }
    msg += "--B--\r\n";
    auto r = inspect(msg);
    REQUIRE(r.has_value());
    CHECK(r->shape == Shape::plain);
    // GMime cuts the Subject at the NUL, other readers do not.
    CHECK(r->malformed.find("NUL") != std::string::npos);
  }
}
