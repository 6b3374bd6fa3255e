// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/transport/curl_errors.hpp>
#include <peermail/transport/transcript.hpp>
#include <peermail/transport/transport.hpp>

#include <curl/curl.h>
#include <doctest/doctest.h>

using namespace peermail::transport;
using peermail::Errc;

TEST_SUITE("peermail::transport::TranscriptFilter")
{
  TEST_CASE("transport::reply_code")
  {
    CHECK(reply_code("250 OK") == 250);
    CHECK(reply_code("250-SIZE 100") == 250);
    CHECK(reply_code("354") == 354);
    CHECK(reply_code("25x ok") == 0);
    CHECK(reply_code("2500") == 0);
    CHECK(is_last_reply_line("250 OK"));
    CHECK_FALSE(is_last_reply_line("250-OK"));
  }

  TEST_CASE("transport::TranscriptFilter: AUTH PLAIN with initial response")
  {
    TranscriptFilter f;
    CHECK(f.outgoing("AUTH PLAIN AGFuYQBwdw==") == "AUTH PLAIN <redacted>");
    CHECK(f.in_auth());
    CHECK(f.incoming("235 2.7.0 ok") == "235 2.7.0 ok");
    CHECK_FALSE(f.in_auth());
    CHECK(f.outgoing("MAIL FROM:<a@b.test>") == "MAIL FROM:<a@b.test>");
  }

  TEST_CASE("transport::TranscriptFilter: AUTH LOGIN continuation lines")
  {
    TranscriptFilter f;
    CHECK(f.outgoing("AUTH LOGIN") == "AUTH LOGIN");
    f.incoming("334 VXNlcm5hbWU6");
    CHECK(f.outgoing("YW5h") == "<redacted>");
    f.incoming("334 UGFzc3dvcmQ6");
    CHECK(f.outgoing("c2VjcmV0") == "<redacted>");
    f.incoming("535 5.7.8 no");
    CHECK(f.outgoing("QUIT") == "QUIT");
  }

  TEST_CASE("transport::TranscriptFilter: lower-case auth and control bytes")
  {
    TranscriptFilter f;
    CHECK(f.outgoing("auth xoauth2 dXNlcj1h") == "AUTH xoauth2 <redacted>");
    TranscriptFilter g;
    CHECK(g.incoming("250 ok\x1b[2J") == "250 ok?[2J");
    CHECK(sanitize("a\r\nb") == "ab");
  }
}

TEST_SUITE("peermail::transport::error_from_curl")
{
  peermail::config::Account account(peermail::config::TlsMode mode)
  {
    peermail::config::Account a;
    a.host = "smtp.example";
    a.port = mode == peermail::config::TlsMode::implicit ? 465 : 587;
    a.tls = mode;
    a.username = "ana";
    a.timeout_s = 30;
    return a;
  }

  TEST_CASE("transport::error_from_curl: 5xx is unavailable, 4xx temp")
  {
    CurlFailure f;
    f.curl_code = CURLE_SEND_ERROR;
    f.smtp_code = 550;
    f.last_command = "RCPT";
    f.last_reply = "550 5.1.1 no such user";
    auto e = error_from_curl(f, account(peermail::config::TlsMode::implicit));
    CHECK(e.code == Errc::unavailable);
    CHECK(e.message == "smtp.example:465: the server refused RCPT permanently: 550 5.1.1 no such user; nothing was sent");
    CHECK(e.smtp_status == 550);
    f.smtp_code = 451;
    f.last_reply = "451 later";
    CHECK(error_from_curl(f, account(peermail::config::TlsMode::implicit)).code == Errc::temp);
  }

  TEST_CASE("transport::error_from_curl: a 552 states the encoded size and the limit")
  {
    CurlFailure f;
    f.curl_code = CURLE_WEIRD_SERVER_REPLY;
    f.smtp_code = 552;
    f.last_command = "MAIL";
    f.last_reply = "552 5.3.4 message too big";
    f.message_bytes = 31000;
    f.advertised_size = 20000;
    auto e = error_from_curl(f, account(peermail::config::TlsMode::implicit));
    CHECK(e.code == Errc::unavailable);
    CHECK(e.smtp_status == 552);
    CHECK(e.message
          == "smtp.example:465: the server refused MAIL permanently: 552 5.3.4 message too big; "
             "the message is 31000 bytes as encoded for sending, the server's limit is 20000 "
             "bytes (EHLO SIZE); nothing was sent");
    f.advertised_size = 0;
    CHECK(error_from_curl(f, account(peermail::config::TlsMode::implicit))
            .message.find("the server advertised no limit (EHLO SIZE)")
          != std::string::npos);
    const auto r =
      size_refusal(account(peermail::config::TlsMode::implicit), 2100000, 1500000, true);
    CHECK(r.code == Errc::unavailable);
    CHECK(r.message
          == "smtp.example:465: the message is an estimated 2100000 bytes as encoded for "
             "sending, above the server's limit of 1500000 bytes (EHLO SIZE, RFC 1870); nothing "
             "was sent");
  }

  TEST_CASE("transport::error_from_curl: TLS failures")
  {
    const auto st = account(peermail::config::TlsMode::starttls);
    CurlFailure f;
    f.curl_code = CURLE_USE_SSL_FAILED;
    f.smtp_code = 250;
    f.last_command = "EHLO";
    auto e = error_from_curl(f, st);
    CHECK(e.code == Errc::unavailable);
    CHECK(e.check_id == "TLS-01");
    CHECK(
      e.message
      == "smtp.example:587: the server does not offer STARTTLS; mail is never sent without TLS");
    // The 250 to EHLO did not decide it: no SMTP status (issue 16).
    CHECK_FALSE(e.smtp_status.has_value());
    f.smtp_code = 454;
    f.last_command = "STARTTLS";
    f.last_reply = "454 4.7.0 no";
    CHECK(error_from_curl(f, st).check_id == "TLS-09");

    CurlFailure v;
    v.curl_code = CURLE_PEER_FAILED_VERIFICATION;
    v.detail =
      "SSL: no alternative certificate subject name matches target host name 'smtp.example'";
    CHECK(error_from_curl(v, st).check_id == "TLS-05");
    v.detail = "SSL certificate problem: certificate has expired";
    v.smtp_code = 220; // the reply to STARTTLS, before the refused certificate
    CHECK(error_from_curl(v, st).check_id == "TLS-04");
    CHECK_FALSE(error_from_curl(v, st).smtp_status.has_value());
    CHECK(error_from_curl(v, st).code == Errc::unavailable);

    CurlFailure h;
    h.curl_code = CURLE_SSL_CONNECT_ERROR;
    h.detail = "error:0A00010B:SSL routines::wrong version number";
    e = error_from_curl(h, account(peermail::config::TlsMode::implicit));
    CHECK(e.code == Errc::unavailable);
    CHECK(e.fix.find("set tls = \"starttls\"") != std::string::npos);
  }

  TEST_CASE("transport::error_from_curl: login, timeout, injection")
  {
    const auto st = account(peermail::config::TlsMode::starttls);
    CurlFailure f;
    f.curl_code = CURLE_LOGIN_DENIED;
    f.smtp_code = 535;
    CHECK(error_from_curl(f, st).code == Errc::auth);
    CurlFailure t;
    t.curl_code = CURLE_OPERATION_TIMEDOUT;
    t.got_reply = true;
    t.last_command = "end of DATA";
    CHECK(error_from_curl(t, st).code == Errc::temp);
    CurlFailure i;
    i.curl_code = CURLE_WEIRD_SERVER_REPLY;
    i.smtp_code = 220;
    i.last_command = "STARTTLS";
    CHECK(error_from_curl(i, st).code == Errc::protocol);
    CHECK(error_from_curl(i, st).check_id == "TLS-09");
  }
}

TEST_CASE("transport::ehlo_size_limit: the RFC 1870 SIZE keyword only")
{
  using peermail::transport::ehlo_size_limit;
  CHECK(ehlo_size_limit("SIZE 10240000") == std::optional<std::uint64_t>(10240000));
  CHECK(ehlo_size_limit("size 52428800") == std::optional<std::uint64_t>(52428800));
  CHECK_FALSE(ehlo_size_limit("SIZE"));
  CHECK_FALSE(ehlo_size_limit("SIZE 0"));
  CHECK_FALSE(ehlo_size_limit("SIZEX 100"));
  CHECK_FALSE(ehlo_size_limit("8BITMIME"));
  CHECK_FALSE(ehlo_size_limit("AUTH PLAIN SIZE 100"));
  // More digits than fit are cut at 18: never an overflow.
  CHECK(ehlo_size_limit("SIZE 99999999999999999999999")
        == std::optional<std::uint64_t>(999999999999999999ULL));
}
