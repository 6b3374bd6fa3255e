// SPDX-License-Identifier: GPL-3.0-or-later
#include "curl_errors.hpp"

#include "probe.hpp"
#include "transport.hpp"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>

namespace peermail::transport {

namespace {

bool
contains(const std::string& s, std::string_view what)
{
  return s.find(what) != std::string::npos;
}

std::string
what_failed(const CurlFailure& f)
{
  return f.last_command.empty() ? std::string("the request") : f.last_command;
}

std::string
reply_text(const CurlFailure& f)
{
  if (!f.last_reply.empty()) {
    return f.last_reply;
  }
  return fmt::format("{}", f.smtp_code);
}

// RFC 1870 §6.1, RFC 3463: 552 / 5.3.4 "message too big", 452 / 4.3.1.
bool
size_refusal_reply(const CurlFailure& f)
{
  return f.smtp_code == 552 || contains(f.last_reply, "5.3.4") || contains(f.last_reply, "4.3.1")
         || (f.smtp_code == 452 && f.last_command == "MAIL");
}

std::string
size_facts(const CurlFailure& f)
{
  return fmt::format(
    "; the message is {} bytes as encoded for sending, {}",
    f.message_bytes,
    f.advertised_size > 0
      ? fmt::format("the server's limit is {} bytes (EHLO SIZE)", f.advertised_size)
      : std::string("the server advertised no limit (EHLO SIZE)"));
}

Error
by_reply_code(const CurlFailure& f, const std::string& hp)
{
  const std::string size = size_refusal_reply(f) && f.message_bytes > 0 ? size_facts(f) : "";
  if (f.smtp_code >= 500) {
    return Error(Errc::unavailable,
                 fmt::format("{}: the server refused {} permanently: {}{}; nothing was sent",
                             hp,
                             what_failed(f),
                             reply_text(f),
                             size),
                 "",
                 size.empty() ? std::string()
                              : std::string("send large files another way (a link to a secure "
                                            "file share), or split them; ask the provider "
                                            "about the limit"));
  }
  return Error(Errc::temp,
               fmt::format("{}: the server answered {} with a temporary failure: {}; "
                           "nothing was delivered",
                           hp,
                           what_failed(f),
                           reply_text(f)),
               "",
               "try again later");
}

const char*
mixup_hint(const config::Account& a)
{
  return a.tls == config::TlsMode::implicit
           ? "if this port expects STARTTLS (usually 587), set tls = \"starttls\" and "
             "port = 587; implicit TLS is usually port 465"
           : "if this port expects implicit TLS (usually 465), set tls = \"implicit\" "
             "and port = 465; STARTTLS is usually port 587";
}

Error
handshake_error(const CurlFailure& f, const config::Account& a, const std::string& hp)
{
  const std::string& d = f.detail;
  if (a.tls == config::TlsMode::implicit && plaintext_answer(d)) {
    return tls_mode_mismatch(a, d);
  }
  if (contains(d, "protocol version") || contains(d, "unsupported protocol")
      || contains(d, "no protocols available") || contains(d, "version too low")) {
    return Error(Errc::unavailable,
                 fmt::format("{}: the server offers only TLS older than min_tls = \"{}\" ({})",
                             hp,
                             config::to_string(a.min_tls),
                             d),
                 "TLS-02",
                 "the server must support TLS 1.2 or newer; ask the provider to "
                 "update it (RFC 8996, NIST SP 800-52r2)");
  }
  return Error(Errc::unavailable,
               fmt::format("{}: the TLS handshake failed ({}); the server may offer only "
                           "TLS older than min_tls = \"{}\", or not expect TLS on connect",
                           hp,
                           d,
                           config::to_string(a.min_tls)),
               "TLS-02",
               fmt::format("the server must support TLS 1.2 or newer; {}", mixup_hint(a)));
}

} // namespace

bool
plaintext_answer(const std::string& d)
{
  return contains(d, "wrong version number") || contains(d, "packet length too long")
         || contains(d, "record layer failure") || contains(d, "http request");
}

Error
tls_mode_mismatch(const config::Account& a, const std::string& detail)
{
  const std::string hp = fmt::format("{}:{}", a.host, a.port);
  if (a.tls == config::TlsMode::implicit) {
    return Error(Errc::unavailable,
                 fmt::format("{}: the server did not answer the TLS handshake with TLS "
                             "(it looks like a plaintext SMTP port) ({}): account.{}.tls = "
                             "\"implicit\" does not match this port; nothing was sent",
                             hp,
                             detail.empty() ? "it greeted in plain text" : detail,
                             a.name),
                 "TLS-01",
                 mixup_hint(a));
  }
  return Error(Errc::unavailable,
               fmt::format("{}: the server expects TLS on connect (implicit TLS): it sent no "
                           "SMTP greeting and answers a TLS handshake; account.{}.tls = "
                           "\"starttls\" does not match this port; nothing was sent",
                           hp,
                           a.name),
               "TLS-01",
               "set tls = \"implicit\" for this port (implicit TLS is usually port 465), or "
               "use the server's STARTTLS port (usually 587)");
}

Error
error_from_curl(const CurlFailure& f, const config::Account& a)
{
  const std::string hp = fmt::format("{}:{}", a.host, a.port);
  Error e;
  switch (static_cast<CURLcode>(f.curl_code)) {
  case CURLE_LOGIN_DENIED:
    e =
      Error(Errc::auth,
            fmt::format(
              "{}: the server refused the login of user \"{}\": {}", hp, a.username, reply_text(f)),
            "AUTH-01",
            fmt::format("check account.{}.username and its password source", a.name));
    break;
  case CURLE_USE_SSL_FAILED:
    if (f.smtp_code >= 400 || f.last_command == "STARTTLS") {
      e = Error(Errc::unavailable,
                fmt::format("{}: the server answered STARTTLS with {} instead of 220; mail "
                            "is never sent without TLS",
                            hp,
                            reply_text(f)),
                "TLS-09",
                "ask the provider to fix STARTTLS, or use its implicit-TLS port "
                "(tls = \"implicit\", port = 465)");
    } else {
      e = Error(Errc::unavailable,
                fmt::format("{}: the server does not offer STARTTLS; mail is never sent "
                            "without TLS",
                            hp),
                "TLS-01",
                mixup_hint(a));
    }
    break;
  case CURLE_PEER_FAILED_VERIFICATION:
    if (contains(f.detail, "subject name") || contains(f.detail, "does not match")
        || contains(f.detail, "hostname mismatch")) {
      e = Error(Errc::unavailable,
                fmt::format(
                  "{}: the server certificate is not issued for \"{}\" ({})", hp, a.host, f.detail),
                "TLS-05",
                "set host to the name on the server's certificate (not an alias or IP)");
    } else {
      e = Error(Errc::unavailable,
                fmt::format("{}: the server certificate cannot be verified ({})", hp, f.detail),
                "TLS-04",
                a.ca_file.empty()
                  ? std::string("an expired or self-signed certificate must be fixed on "
                                "the server; for a private CA set ca_file to that CA")
                  : fmt::format("an expired or self-signed certificate must be fixed on the "
                                "server; check that ca_file = \"{}\" is the CA that signed it",
                                a.ca_file));
    }
    break;
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    e = Error(Errc::unavailable,
              fmt::format("{}: the server's public key does not match pin_sha256", hp),
              "TLS-04",
              "if the server's key was replaced on purpose, update pin_sha256");
    break;
  case CURLE_SSL_CACERT_BADFILE:
    e = Error(
      Errc::config,
      fmt::format("account.{}.ca_file = \"{}\" cannot be used ({})", a.name, a.ca_file, f.detail),
      "TLS-04",
      "point ca_file at a readable PEM file holding the CA certificate");
    break;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_SHUTDOWN_FAILED:
    e = handshake_error(f, a, hp);
    break;
  case CURLE_OPERATION_TIMEDOUT:
    if (!f.got_reply && a.tls == config::TlsMode::starttls
        && answers_tls_on_connect(a, k_mode_sniff_s)) {
      e = tls_mode_mismatch(a);
    } else if (!f.got_reply) {
      e = Error(Errc::temp,
                fmt::format("{}: no SMTP greeting within {} s; nothing was sent", hp, a.timeout_s),
                "",
                mixup_hint(a));
    } else {
      e = Error(Errc::temp,
                fmt::format("{}: the server stopped answering (after {}, timeout {} s); "
                            "nothing was reported delivered",
                            hp,
                            what_failed(f),
                            a.timeout_s),
                "",
                "try again later");
    }
    break;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
    e = Error(Errc::temp,
              fmt::format("cannot connect to {} ({}); nothing was sent", hp, f.detail),
              "",
              "check host and port, and that the server is reachable");
    break;
  case CURLE_WEIRD_SERVER_REPLY:
    if (!f.got_reply && f.last_command.empty() && a.tls == config::TlsMode::starttls
        && answers_tls_on_connect(a, k_mode_sniff_s)) {
      e = tls_mode_mismatch(a); // a TLS record where the greeting belongs
    } else if (f.smtp_code >= 400 && f.smtp_code < 600 && f.last_command != "STARTTLS") {
      e = by_reply_code(f, hp);
    } else if (f.last_command == "STARTTLS") {
      e = Error(Errc::protocol,
                fmt::format("{}: the server sent more than its reply to STARTTLS before "
                            "TLS began (a STARTTLS injection, RFC 3207 §5); nothing was sent",
                            hp),
                "TLS-09",
                "do not use this server or network path until the provider fixes it");
    } else {
      e = Error(Errc::protocol,
                fmt::format("{}: unexpected reply to {} ({})", hp, what_failed(f), f.detail));
    }
    break;
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_UPLOAD_FAILED:
  case CURLE_ABORTED_BY_CALLBACK:
    if (f.smtp_code >= 400 && f.smtp_code < 600) {
      e = by_reply_code(f, hp);
    } else {
      e = Error(Errc::temp,
                fmt::format("{}: the connection was lost during {} ({}); nothing was "
                            "reported delivered",
                            hp,
                            what_failed(f),
                            f.detail.empty() ? "no detail" : f.detail),
                "",
                "try again later");
    }
    break;
  default:
    if (f.smtp_code >= 400 && f.smtp_code < 600) {
      e = by_reply_code(f, hp);
    } else {
      e =
        Error(Errc::protocol,
              fmt::format("{}: SMTP failed during {} ({})",
                          hp,
                          what_failed(f),
                          f.detail.empty() ? curl_easy_strerror(static_cast<CURLcode>(f.curl_code))
                                           : f.detail));
    }
    break;
  }
  // Only a refusal decides a failure: the last harmless reply (250 to EHLO
  // before a missing STARTTLS, 220 before a refused certificate) is not
  // the reply of this outcome.
  if (f.smtp_code >= 400 && f.smtp_code < 600) {
    e.smtp_status = static_cast<int>(f.smtp_code);
  }
  return e;
}

Error
size_refusal(const config::Account& a,
             std::uint64_t message_bytes,
             std::uint64_t limit,
             bool estimated)
{
  return Error(Errc::unavailable,
               fmt::format("{}:{}: the message is {}{} bytes as encoded for sending, above the "
                           "server's limit of {} bytes (EHLO SIZE, RFC 1870); nothing was sent",
                           a.host,
                           a.port,
                           estimated ? "an estimated " : "",
                           message_bytes,
                           limit),
               "",
               "send large files another way (a link to a secure file share), or split them; "
               "ask the provider about the limit");
}

Error
outcome_unknown(int curl_code, const config::Account& a)
{
  const bool timed_out = static_cast<CURLcode>(curl_code) == CURLE_OPERATION_TIMEDOUT;
  return Error(Errc::maybe_delivered,
               fmt::format("{}:{}: {} after the final \".\" of the message: the server may "
                           "have accepted it; the outcome is unknown",
                           a.host,
                           a.port,
                           timed_out ? fmt::format("no reply within {} s (data_timeout_s)",
                                                   std::max(a.data_timeout_s, a.timeout_s))
                                     : std::string("the connection was lost")),
               "",
               "check with the recipients (or the provider's logs) before sending it again; "
               "peermail does not retry it");
}

} // namespace peermail::transport
