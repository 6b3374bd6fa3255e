// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// CURLcode + SMTP reply → Error, in one place (internal to transport/).

#include <peermail/config/config.hpp>
#include <peermail/util/error.hpp>

#include <cstdint>
#include <string>

namespace peermail::transport {

// What is known about a failed transfer.
struct CurlFailure
{
  int curl_code = 0;                 // CURLcode
  long smtp_code = 0;                // CURLINFO_RESPONSE_CODE (0: none)
  std::string detail;                // libcurl's error buffer
  std::string last_reply;            // the last server reply line, sanitised
  std::string last_command;          // verb of the last command sent ("DATA", "RCPT", …)
  bool got_reply = false;            // the server said anything at all
  std::uint64_t message_bytes = 0;   // the message as encoded for sending
  std::uint64_t advertised_size = 0; // EHLO SIZE (0: none advertised)
};

// Return the Error for `f` on `account`: unavailable (5xx, no compliant TLS),
// temp (4xx, timeout, connection lost), auth (login denied), protocol
// (anything the server should not have said). Sets smtp_status.
Error error_from_curl(const CurlFailure& f, const config::Account& account);

// The one rule for a TLS setting that does not match the port, for send and
// the probe alike (TLS-01, unavailable: 69, never retried):
// `tls = "starttls"` where the server expects TLS on connect (no greeting; a
// TLS handshake on connect succeeds), or `tls = "implicit"` where the server
// greets in plain text ("220 ", which OpenSSL reports as `detail`).
Error tls_mode_mismatch(const config::Account& account, const std::string& detail = {});

// Whether OpenSSL's handshake error `detail` means the server answered in
// plain text (an SMTP greeting where a ServerHello was expected).
bool plaintext_answer(const std::string& detail);

// Return the Error for a transfer that failed (`curl_code`) after the final
// "." of DATA went out and before its reply came: the server may have
// accepted the message, so its outcome is unknown (Errc::maybe_delivered,
// never retried automatically; RFC 5321 §4.5.3.2.6, §6.1).
Error outcome_unknown(int curl_code, const config::Account& account);

} // namespace peermail::transport
