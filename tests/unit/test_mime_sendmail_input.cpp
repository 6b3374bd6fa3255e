// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/mime/sendmail_input.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using namespace peermail::mime;

namespace {

SubmissionOptions
opts(std::vector<std::string> args = {"sam@hospital.test"}, bool t = false)
{
  SubmissionOptions o;
  o.identity.address = "ana@clinic.test";
  o.identity.display_name = "Ana Ruiz";
  o.extra_recipients = std::move(args);
  o.recipients_from_headers = t;
  return o;
}

} // namespace

TEST_SUITE("peermail::mime::sendmail_input")
{
  TEST_CASE("starts_with_header: a field name and a colon, nothing else")
  {
    CHECK(starts_with_header("Subject: x\n\nbody"));
    CHECK(starts_with_header("X-Cron-Env: <a=b>\n"));
    CHECK_FALSE(starts_with_header("disk full\n"));
    CHECK_FALSE(starts_with_header("disk full: /var\n"));
    CHECK_FALSE(starts_with_header(""));
    CHECK_FALSE(starts_with_header("\nbody"));
    CHECK_FALSE(starts_with_header(":x\n"));
  }

  TEST_CASE("normalize_sendmail_input: a bare body gets a To from the arguments")
  {
    auto r = normalize_sendmail_input("disk full\n", opts(), ForeignFrom::refuse);
    REQUIRE(r);
    CHECK(r->find("To: sam@hospital.test") != std::string::npos);
    CHECK(r->find("disk full") != std::string::npos);
  }

  TEST_CASE("normalize_sendmail_input: a complete message passes unchanged")
  {
    const std::string m = "From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\n\nhi\n";
    auto r = normalize_sendmail_input(m, opts(), ForeignFrom::refuse);
    REQUIRE(r);
    CHECK(*r == m);
  }

  TEST_CASE("normalize_sendmail_input: a foreign From is refused or rewritten")
  {
    const std::string m = "From: root (Cron Daemon)\nTo: sam@hospital.test\n\nout\n";
    auto refused = normalize_sendmail_input(m, opts(), ForeignFrom::refuse);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::usage);
    CHECK(refused.error().check_id == "SIG-01");
    CHECK(refused.error().fix.find("rewrite_from = true") != std::string::npos);
    auto r = normalize_sendmail_input(m, opts(), ForeignFrom::rewrite);
    REQUIRE(r);
    CHECK(r->find("From: Ana Ruiz <ana@clinic.test>") != std::string::npos);
    CHECK(r->find("X-Original-From: root (Cron Daemon)") != std::string::npos);
  }

  TEST_CASE("normalize_sendmail_input: X-Original-From stays one line")
  {
    const std::string m =
      "From: =?UTF-8?Q?a=0D=0ABcc:_x@evil.test?= <root@x.test>\n (\x1b[31m\r\n Bcc: y@evil.test)\n"
      "To: sam@hospital.test\n\nout\n";
    auto r = normalize_sendmail_input(m, opts(), ForeignFrom::rewrite);
    REQUIRE(r);
    CHECK(r->find("\nBcc:") == std::string::npos);
    CHECK(r->find('\x1b') == std::string::npos);
  }

  TEST_CASE("normalize_sendmail_input: a bad header address is named (65)")
  {
    auto r = normalize_sendmail_input(
      "From: ana@clinic.test\nTo: bob@\n\nx\n", opts({}, true), ForeignFrom::refuse);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::data);
    CHECK(r.error().message.find("To: \"bob@\" is not a valid email address") == 0);
  }
}
