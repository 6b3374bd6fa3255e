// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/config/config.hpp>
#include <peermail/util/cancel.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::transport {

// The SMTP envelope of one message. Addresses are bare ("a@b.example").
struct Envelope
{
  std::string mail_from;
  std::vector<std::string> rcpt_to;
};

struct RecipientResult
{
  std::string address;
  int code = 0;          // SMTP reply to RCPT TO (0 if not reached)
  std::string reply;     // the server's text, sanitised (no CR/LF)
  bool accepted = false; // the server accepted the message for this recipient
};

// What the TLS session looked like (for the audit record, DESIGN.md §7).
struct TlsInfo
{
  std::string version;          // "TLSv1.3"
  std::string cipher;           // "TLS_AES_256_GCM_SHA384"
  std::string peer_cert_sha256; // hex SHA-256 of the leaf certificate (DER)
};

struct SendResult
{
  int code = 0;      // final SMTP reply code (250 on success)
  std::string reply; // final reply text, sanitised
  std::vector<RecipientResult> recipients;
  TlsInfo tls;
};

// Called with one line of the SMTP dialogue for `-v` ("> EHLO …", "< 250 …").
// AUTH lines are redacted before they reach it; DATA is never passed.
using TranscriptFn = std::function<void(std::string_view line)>;

// A submission session that may send many messages over one connection
// (batch reuses it). Implementations: SmtpSession (libcurl, real TLS) and
// test fakes. Errors: unavailable (5xx, no compliant TLS: 69), temp (4xx,
// timeout, connection lost, before the final ".": 75), maybe_delivered (no
// reply to the final ".": 69), protocol (76), auth (77), data (not 7-bit
// CRLF: 65), canceled (interrupted before the final ".": nothing delivered).
class Transport
{
public:
  virtual ~Transport() = default;

  // Submit `message` (RFC 5322, CRLF) to `envelope`. All-or-nothing per
  // message: any refused recipient fails the whole message, and nothing is
  // reported as delivered unless the server answered 250 to the end of DATA.
  // A message that is not 7-bit CRLF text is refused (data) before any of it
  // leaves (wire.hpp). Errors are certain (nothing was delivered) except
  // Errc::maybe_delivered: the final "." went out and no reply came (within
  // account.data_timeout_s, or the connection was lost): the server may have
  // accepted it, so the caller must never retry it automatically.
  virtual Result<SendResult> send(const Envelope& envelope, std::string_view message) = 0;

  // Streaming variant of send() for large messages: submit the message read
  // from `fd` (a regular file, current offset to EOF; not closed). The default
  // implementation (send_fd.cpp) reads it into memory and calls send();
  // implementations override it to stream through the libcurl read callback.
  virtual Result<SendResult> send_fd(const Envelope& envelope, int fd);

  // The server's reply to each RCPT TO of the last submission, failed or not
  // (code 0: not reached), so that each recipient of a failed submission is
  // reported with the reply that decided it. Default: none known.
  virtual std::vector<RecipientResult>
  last_recipients() const
  {
    return {};
  }

  // Close the session (QUIT). Safe to call twice.
  virtual void close() = 0;
};

struct SessionOptions
{
  config::Account account;
  std::optional<config::Credentials> credentials; // resolved lazily by the caller
  TranscriptFn transcript;                        // may be empty
  // Polled during each submission (util/cancel.hpp); may be null; not
  // owned, must outlive the session. A stop request aborts a submission
  // whose final "." has not been sent (Errc::canceled: nothing was
  // delivered); one whose "." went out waits for its reply (data_timeout_s)
  // unless abort_now(), which makes its outcome unknown (maybe_delivered).
  const util::Cancel* cancel = nullptr;
  // Called as the message bytes are handed to the connection (bytes so
  // far, the message size); may be empty. For a progress display only.
  std::function<void(std::uint64_t sent, std::uint64_t total)> upload_progress;
};

// Load the TLS files of `account` (ca_file) exactly as a session will, so
// that check, send --dry-run and send meet the same problem before any
// connection. Errors: config (78) naming the setting (TLS-04).
Result<void> check_tls_files(const config::Account& account);

// The one refusal of a message above the server's EHLO SIZE limit (RFC
// 1870): unavailable (69, never retried), both numbers; `estimated` before
// the message is encrypted (send::run), exact before its first byte leaves.
Error size_refusal(const config::Account& account,
                   std::uint64_t message_bytes,
                   std::uint64_t limit,
                   bool estimated);

// Create a libcurl-backed session for `opts.account` (no connection yet).
Result<std::unique_ptr<Transport>> make_smtp_session(SessionOptions opts);

} // namespace peermail::transport
