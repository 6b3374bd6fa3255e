// SPDX-License-Identifier: GPL-3.0-or-later
// SmtpSession: SMTP submission over libcurl 7.88 with TLS that cannot be
// talked down (RFC 8314, RFC 3207). One easy handle carries many messages over
// one connection (libcurl keeps it alive between transfers).
#include "curl_errors.hpp"
#include "helo.hpp"
#include "probe.hpp"
#include "tls_info.hpp"
#include "tls_policy.hpp"
#include "transcript.hpp"
#include "transport.hpp"
#include "wire.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/handle.hpp>
#include <peermail/util/strings.hpp>

#include <curl/curl.h>
#include <fmt/core.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace peermail::transport {

namespace {

using CurlPtr = util::Handle<CURL, curl_easy_cleanup>;
using SlistPtr = util::Handle<curl_slist, curl_slist_free_all>;
using MultiPtr = util::Handle<CURLM, curl_multi_cleanup>;
using Clock = std::chrono::steady_clock;

// State of one message transfer, shared with the C callbacks.
struct TransferState
{
  CURL* curl = nullptr;
  const SessionOptions* opts = nullptr;
  TranscriptFilter* filter = nullptr;
  std::string_view message; // the message, or …
  int fd = -1;              // … a file descriptor to stream it from (pread)
  std::size_t total = 0;    // message size in bytes
  std::size_t offset = 0;
  bool body_started = false;
  // The read callback has handed over the last byte: libcurl sends the final
  // "." next, so from here on a failure without a reply to it (other than a
  // stall perform() caught, or a failed write) leaves the outcome unknown.
  bool eof_sent = false;
  int final_code = 0;                                // the reply to the final "." (0: none yet)
  bool stalled_before_dot = false;                   // perform() gave up before the "." was sent
  const util::Cancel* cancel = nullptr;              // SessionOptions::cancel
  const std::vector<curl_socket_t>* socks = nullptr; // the session's open sockets
  bool canceled_before_dot = false;                  // a stop request aborted it before the "."
  bool mode_mismatch = false; // no greeting, and the port answers TLS on connect (TLS-01)
  Clock::time_point last_activity = Clock::now(); // a line or message bytes
  std::vector<RecipientResult> recipients;
  std::size_t next_rcpt = 0;
  std::string last_command;
  std::string last_reply;
  bool quitting = false;
  std::string partial_in;
  bool got_reply = false;
  std::uint64_t advertised_size = 0; // EHLO SIZE of the last EHLO (0: none)
  TlsInfo tls;
  std::optional<TlsJudgement> judgement; // of the session, by the one TLS policy
  std::optional<Error> abort_error;
};

std::string
verb_of(std::string_view line)
{
  const auto sp = line.find_first_of(" :");
  std::string v(line.substr(0, sp));
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  return v;
}

void
emit(const TransferState& st, const std::string& line)
{
  if (st.opts->transcript) {
    st.opts->transcript(line);
  }
}

void
on_incoming_line(TransferState& st, std::string_view line)
{
  const std::string shown = st.filter->incoming(line);
  emit(st, "< " + shown);
  st.got_reply = true;
  if (st.last_command == "EHLO") {
    if (const auto size = line.size() > 4 && reply_code(line) == 250
                            ? ehlo_size_limit(line.substr(4))
                            : std::nullopt) {
      st.advertised_size = *size;
    }
  }
  if (!is_last_reply_line(line) || st.quitting) {
    return; // keep the reply that failed, not the one to QUIT
  }
  st.last_reply = shown;
  if (st.eof_sent && st.last_command == "end of DATA") {
    st.final_code = reply_code(line);
  }
  if (st.last_command == "RCPT" && st.next_rcpt < st.recipients.size()) {
    auto& r = st.recipients[st.next_rcpt++];
    r.code = reply_code(line);
    r.reply = shown;
  }
}

void
on_outgoing_line(TransferState& st, std::string_view line)
{
  const bool auth_data = st.filter->in_auth();
  const std::string shown = st.filter->outgoing(line);
  if (!auth_data && verb_of(line) != "QUIT") {
    st.last_command = verb_of(line);
    if (st.last_command == "EHLO") {
      st.advertised_size = 0; // RFC 3207 §4.2: what was said before TLS is forgotten
    }
  } else if (!auth_data) {
    st.quitting = true;
  }
  emit(st, "> " + shown);
}

void
for_each_line(std::string_view data,
              std::string* partial,
              void (*fn)(TransferState&, std::string_view),
              TransferState& st)
{
  std::string buf;
  if (partial != nullptr) {
    buf = std::move(*partial) + std::string(data);
    partial->clear();
    data = buf;
  }
  while (!data.empty()) {
    const auto nl = data.find('\n');
    if (nl == std::string_view::npos) {
      if (partial != nullptr) {
        *partial = std::string(data);
      } else {
        fn(st, data);
      }
      return;
    }
    auto line = data.substr(0, nl);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    fn(st, line);
    data.remove_prefix(nl + 1);
  }
}

// CURLOPT_DEBUGFUNCTION: the command/reply dialogue only, never DATA or TLS
// records. An exception barrier.
int
debug_cb(CURL* /*curl*/, curl_infotype type, char* data, size_t size, void* userp)
{
  try {
    auto& st = *static_cast<TransferState*>(userp);
    const std::string_view text(data, size);
    if (type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT) {
      st.last_activity = Clock::now();
    }
    if (type == CURLINFO_HEADER_IN) {
      for_each_line(text, &st.partial_in, on_incoming_line, st);
    } else if (type == CURLINFO_HEADER_OUT) {
      for_each_line(text, nullptr, on_outgoing_line, st);
    }
  } catch (...) {
    // Never let an exception cross libcurl.
  }
  return 0;
}

void
capture_tls(TransferState& st)
{
  if (!st.tls.version.empty()) {
    return;
  }
  struct curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(st.curl, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info != nullptr
      && info->backend == CURLSSLBACKEND_OPENSSL && info->internals != nullptr) {
    st.tls = tls_info_from_ssl(info->internals);
    st.judgement = judge_tls(info->internals, tls_policy(st.opts->account));
  }
}

// Decide, before the first byte of the message leaves, whether it may leave
// at all: every recipient accepted (all-or-nothing) and TLS as required.
std::optional<Error>
preflight_body(TransferState& st)
{
  const auto& a = st.opts->account;
  capture_tls(st);
  // libcurl enforced the policy during the handshake; judge the session once
  // more with the rules the probe uses, so that both can never disagree.
  if (!st.judgement || !st.judgement->version_ok) {
    return Error(Errc::unavailable,
                 fmt::format("{}:{}: TLS {} was negotiated, below min_tls = \"{}\"; "
                             "nothing was sent",
                             a.host,
                             a.port,
                             st.tls.version.empty() ? "(unknown)" : st.tls.version,
                             config::to_string(a.min_tls)),
                 "TLS-02");
  }
  if (const auto& j = *st.judgement; !j.chain_ok || !j.host_ok || !j.pin_ok) {
    return Error(Errc::unavailable,
                 fmt::format("{}:{}: {}; nothing was sent",
                             a.host,
                             a.port,
                             !j.chain_ok ? "the certificate chain does not verify: " + j.chain_error
                             : !j.host_ok ? "the certificate is not issued for \"" + a.host + "\""
                                          : std::string("the server's public key does not match "
                                                        "pin_sha256")),
                 !j.chain_ok  ? "TLS-04"
                 : !j.host_ok ? "TLS-05"
                              : "TLS-04");
  }
  // RFC 1870: a message above the server's SIZE is never sent (libcurl
  // declares SIZE= at MAIL; a server that ignores it is checked here).
  if (st.advertised_size > 0 && st.total > st.advertised_size) {
    return size_refusal(a, st.total, st.advertised_size, false);
  }
  for (const auto& r : st.recipients) {
    if (r.code < 200 || r.code >= 300) {
      Error e(r.code >= 500 ? Errc::unavailable : Errc::temp,
              fmt::format("{}:{}: the server refused recipient {}: {}; nothing was sent "
                          "to anyone",
                          a.host,
                          a.port,
                          r.address,
                          r.reply.empty() ? "no reply" : r.reply));
      if (r.code > 0) {
        e.smtp_status = r.code;
      }
      return e;
    }
  }
  return std::nullopt;
}

// Tell SessionOptions::upload_progress how far the message is.
void
report_upload(const TransferState& st)
{
  if (st.opts != nullptr && st.opts->upload_progress) {
    st.opts->upload_progress(st.offset, st.total);
  }
}

// CURLOPT_READFUNCTION: the message bytes. Errors abort (never EOF).
size_t
read_cb(char* buffer, size_t size, size_t nitems, void* userp)
{
  auto& st = *static_cast<TransferState*>(userp);
  try {
    if (!st.body_started) {
      st.body_started = true;
      st.last_command = "end of DATA";
      if (auto e = preflight_body(st)) {
        st.abort_error = std::move(*e);
        return CURL_READFUNC_ABORT;
      }
    }
    st.last_activity = Clock::now();
    const std::size_t want = std::min(size * nitems, st.total - st.offset);
    if (want == 0) {
      st.eof_sent = true; // libcurl sends CRLF.CRLF next (RFC 5321 §4.1.1.4)
      return 0;
    }
    if (st.fd < 0) {
      std::memcpy(buffer, st.message.data() + st.offset, want);
      st.offset += want;
      st.eof_sent = st.offset == st.total;
      report_upload(st);
      return want;
    }
    // Streaming: memory stays flat whatever the message size.
    ssize_t n = 0;
    do {
      n = ::pread(st.fd, buffer, want, static_cast<off_t>(st.offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (n == 0 && want > 0)) {
      st.abort_error =
        Error(Errc::io,
              n < 0 ? fmt::format("cannot read the message: {}", std::strerror(errno))
                    : std::string("the message file shrank while it was sent"));
      return CURL_READFUNC_ABORT;
    }
    st.offset += static_cast<std::size_t>(n);
    // With CURLOPT_INFILESIZE libcurl may never ask again for the EOF: the
    // last byte handed over is the point after which the "." can follow.
    st.eof_sent = st.offset == st.total;
    report_upload(st);
    return static_cast<std::size_t>(n);
  } catch (...) {
    st.abort_error = Error(Errc::internal, "unexpected failure while sending the message");
    return CURL_READFUNC_ABORT;
  }
}

// Return true when a stop request must end this transfer now: before the
// final "." (nothing delivered, canceled_before_dot), or at once on a second
// request (abort_now: after the "." the outcome is unknown).
bool
must_abort(TransferState& st)
{
  if (st.cancel == nullptr || !st.cancel->requested()) {
    return false;
  }
  if (st.eof_sent && !st.cancel->abort_now()) {
    return false; // wait for the reply to the "."
  }
  if (!st.eof_sent) {
    st.canceled_before_dot = true; // the "." only follows the last byte
  }
  // Shut the connection down under libcurl, so that neither this transfer
  // nor the QUIT of the cleanup waits for a server that is still busy.
  if (st.socks != nullptr) {
    for (const curl_socket_t sock : *st.socks) {
      ::shutdown(sock, SHUT_RDWR);
    }
  }
  return true;
}

// CURLOPT_XFERINFOFUNCTION: libcurl calls it while it runs the transfer,
// also during its blocking wait for the reply to the final "." (so the
// progress display can say it is waiting); non-zero
// aborts (CURLE_ABORTED_BY_CALLBACK; smtp_done then sends no "."). An
// exception barrier.
int
xferinfo_cb(void* userp, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t, curl_off_t)
{
  try {
    auto& st = *static_cast<TransferState*>(userp);
    if (st.body_started) {
      report_upload(st); // also while the reply to the "." is awaited
    }
    return must_abort(st) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

// CURLOPT_SSL_CTX_FUNCTION: apply the policy's host rule to the context
// libcurl is about to handshake with. An exception barrier.
CURLcode
ssl_ctx_cb(CURL* /*curl*/, void* ssl_ctx, void* userp)
{
  try {
    const auto& p = *static_cast<const TlsPolicy*>(userp);
    return apply_tls_policy(ssl_ctx, p, true) ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
  } catch (...) {
    return CURLE_SSL_CERTPROBLEM;
  }
}

// CURLOPT_OPENSOCKETFUNCTION / CLOSESOCKETFUNCTION: keep the session's
// open sockets, so that perform() can shut a stalled connection down under
// libcurl (CURLINFO_ACTIVESOCKET knows only finished transfers).
curl_socket_t
open_socket_cb(void* clientp, curlsocktype /*purpose*/, struct curl_sockaddr* addr)
{
  const curl_socket_t s = ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
  if (s != CURL_SOCKET_BAD) {
    try {
      static_cast<std::vector<curl_socket_t>*>(clientp)->push_back(s);
    } catch (...) {
      ::close(s);
      return CURL_SOCKET_BAD;
    }
  }
  return s;
}

int
close_socket_cb(void* clientp, curl_socket_t item)
{
  auto& socks = *static_cast<std::vector<curl_socket_t>*>(clientp);
  socks.erase(std::remove(socks.begin(), socks.end(), item), socks.end());
  return ::close(item);
}

class SmtpSession final : public Transport
{
public:
  explicit SmtpSession(SessionOptions opts)
    : m_opts(std::move(opts))
  {
  }
  ~SmtpSession() override
  {
    close();
  }
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  Result<SendResult> send(const Envelope& envelope, std::string_view message) override;
  Result<SendResult> send_fd(const Envelope& envelope, int fd) override;
  void close() override;
  std::vector<RecipientResult>
  last_recipients() const override
  {
    return m_state.recipients;
  }

private:
  Result<void> configure();
  // The error of a submission a stop request ended before its final ".".
  Error canceled_error() const;
  // Run the transfer on the multi handle and return libcurl's result. Waits
  // for command replies and upload progress are bounded by timeout_s here;
  // the wait for the reply to the final "." by data_timeout_s (libcurl's
  // server response timeout, in its blocking end-of-data state).
  CURLcode perform();
  // Send from `message`, or from `fd` (when >= 0) of `size` bytes.
  Result<SendResult>
  transfer(const Envelope& envelope, std::string_view message, int fd, std::size_t size);

  SessionOptions m_opts;
  std::vector<curl_socket_t> m_socks; // open sockets of the session (declared
                                      // first: the callbacks outlive m_curl)
  CurlPtr m_curl;
  MultiPtr m_multi;
  std::array<char, CURL_ERROR_SIZE> m_errbuf{};
  TranscriptFilter m_filter;
  TransferState m_state;
  std::string m_url;
  TlsPolicy m_tls;
  std::string m_pin;
  bool m_greeted = false; // the server has answered on this session
  // EHLO SIZE of the connection (kept across messages: a reused connection
  // sends no new EHLO).
  std::uint64_t m_size_limit = 0;
};

#define PM_SETOPT(opt, value)                                                                      \
  do {                                                                                             \
    if (const CURLcode rc_ = curl_easy_setopt(c, opt, value); rc_ != CURLE_OK) {                   \
      return fail(Errc::internal,                                                                  \
                  fmt::format("libcurl: cannot set " #opt ": {}", curl_easy_strerror(rc_)));       \
    }                                                                                              \
  } while (false)

Result<void>
SmtpSession::configure()
{
  const auto& a = m_opts.account;
  m_curl.reset(curl_easy_init());
  if (!m_curl) {
    return fail(Errc::internal, "libcurl: cannot create a handle");
  }
  CURL* c = m_curl.get();
  // RFC 8314 §3.3: implicit TLS; RFC 3207: STARTTLS, always required (never TRY).
  // The URL's path is the EHLO name (libcurl), the same as the probe's.
  char* helo = curl_easy_escape(c, helo_name(a).name.c_str(), 0);
  if (helo == nullptr) {
    return fail(Errc::internal, "out of memory");
  }
  m_url = fmt::format(
    "{}://{}:{}/{}", a.tls == config::TlsMode::implicit ? "smtps" : "smtp", a.host, a.port, helo);
  curl_free(helo);
  PM_SETOPT(CURLOPT_URL, m_url.c_str());
  PM_SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  PM_SETOPT(CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  // The one TLS policy (tls_policy.hpp), enforced by libcurl during the
  // handshake, before AUTH. libcurl 7.88 defaults to TLS 1.0 as minimum: set
  // it explicitly.
  m_tls = tls_policy(a);
  PM_SETOPT(
    CURLOPT_SSLVERSION,
    static_cast<long>(m_tls.min_version >= 13 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2));
  PM_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
  PM_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!m_tls.ca_file.empty()) {
    PM_SETOPT(CURLOPT_CAINFO, m_tls.ca_file.c_str());
  }
  // The host name rule of the policy as part of chain verification, so that
  // libcurl's own check is never the weaker one.
  PM_SETOPT(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
  PM_SETOPT(CURLOPT_SSL_CTX_DATA, &m_tls);
  if (!m_tls.pin_sha256.empty()) {
    m_pin = "sha256//" + m_tls.pin_sha256; // in addition to validation (RFC 8314 §5.4)
    PM_SETOPT(CURLOPT_PINNEDPUBLICKEY, m_pin.c_str());
  }
  const long timeout = std::max(1, a.timeout_s);
  const long data_timeout = std::max(1, a.data_timeout_s);
  PM_SETOPT(CURLOPT_CONNECTTIMEOUT, timeout);
  // libcurl has one response timeout for every reply. It is the end-of-data
  // wait (RFC 5321 §4.5.3.2.6: 10 minutes) so that a slow server that does
  // accept the message is not taken for a failure; perform() bounds every
  // other wait, and stalled uploads, by timeout_s (no LOW_SPEED: libcurl
  // would apply it to the end-of-data wait too).
  PM_SETOPT(CURLOPT_SERVER_RESPONSE_TIMEOUT, std::max(timeout, data_timeout));
  PM_SETOPT(CURLOPT_TIMEOUT, timeout * 20 + data_timeout);
  PM_SETOPT(CURLOPT_NOSIGNAL, 1L);
  PM_SETOPT(CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
  PM_SETOPT(CURLOPT_OPENSOCKETDATA, &m_socks);
  PM_SETOPT(CURLOPT_CLOSESOCKETFUNCTION, close_socket_cb);
  PM_SETOPT(CURLOPT_CLOSESOCKETDATA, &m_socks);
  PM_SETOPT(CURLOPT_ERRORBUFFER, m_errbuf.data());
  PM_SETOPT(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
  PM_SETOPT(CURLOPT_UPLOAD, 1L);
  PM_SETOPT(CURLOPT_READFUNCTION, read_cb);
  PM_SETOPT(CURLOPT_READDATA, &m_state);
  PM_SETOPT(CURLOPT_DEBUGFUNCTION, debug_cb);
  PM_SETOPT(CURLOPT_DEBUGDATA, &m_state);
  // Stop requests (SessionOptions::cancel) are polled from here.
  PM_SETOPT(CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  PM_SETOPT(CURLOPT_XFERINFODATA, &m_state);
  PM_SETOPT(CURLOPT_NOPROGRESS, 0L);
  PM_SETOPT(CURLOPT_VERBOSE, 1L); // only feeds debug_cb, which filters
  if (m_opts.credentials && !m_opts.credentials->username.empty()) {
    const auto& cr = *m_opts.credentials;
    PM_SETOPT(CURLOPT_USERNAME, cr.username.c_str());
    if (!cr.oauth2_token.empty()) {
      PM_SETOPT(CURLOPT_XOAUTH2_BEARER, cr.oauth2_token.c_str());
      PM_SETOPT(CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
    } else {
      PM_SETOPT(CURLOPT_PASSWORD, cr.password.c_str());
    }
  }
  return {};
}

Result<SendResult>
SmtpSession::send(const Envelope& envelope, std::string_view message)
{
  return transfer(envelope, message, -1, message.size());
}

Result<SendResult>
SmtpSession::send_fd(const Envelope& envelope, int fd)
{
  struct stat st
  {
  };
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Transport::send_fd(envelope, fd); // not a file: read it whole
  }
  return transfer(envelope, {}, fd, static_cast<std::size_t>(st.st_size));
}

Result<SendResult>
SmtpSession::transfer(const Envelope& envelope, std::string_view message, int fd, std::size_t size)
{
  if (!address::is_valid_address(envelope.mail_from)) {
    return fail(Errc::data, "the envelope sender is not a plain address");
  }
  if (envelope.rcpt_to.empty()) {
    return fail(Errc::data, "the message has no recipients");
  }
  for (const auto& r : envelope.rcpt_to) {
    if (!address::is_valid_address(r)) {
      return fail(Errc::data, fmt::format("recipient \"{}\" is not a plain address", sanitize(r)));
    }
  }
  if (size == 0) {
    return fail(Errc::data, "the message is empty");
  }
  // 7-bit CRLF lines only, for every caller (wire.hpp), before any byte of
  // this message leaves.
  PEERMAIL_TRY(fd >= 0 ? check_wire_fd(fd) : check_wire(message));
  if (util::cancel_requested(m_opts.cancel)) {
    return unexpected(canceled_error());
  }
  if (!m_curl) {
    PEERMAIL_TRY(configure());
  }
  CURL* c = m_curl.get();

  m_state = TransferState{};
  m_state.curl = c;
  m_state.opts = &m_opts;
  m_state.filter = &m_filter;
  m_state.message = message;
  m_state.fd = fd;
  m_state.total = size;
  m_state.cancel = m_opts.cancel;
  m_state.socks = &m_socks;
  m_state.advertised_size = m_size_limit;
  for (const auto& r : envelope.rcpt_to) {
    m_state.recipients.push_back(RecipientResult{r, 0, "", false});
  }

  SlistPtr rcpts;
  for (const auto& r : envelope.rcpt_to) {
    const std::string angle = "<" + r + ">";
    curl_slist* next = curl_slist_append(rcpts.get(), angle.c_str());
    if (next == nullptr) {
      return fail(Errc::internal, "out of memory");
    }
    (void)rcpts.release();
    rcpts.reset(next);
  }
  const std::string from = "<" + envelope.mail_from + ">";
  PM_SETOPT(CURLOPT_MAIL_FROM, from.c_str());
  // libcurl does not copy the list: it must outlive the transfer.
  PM_SETOPT(CURLOPT_MAIL_RCPT, rcpts.get());
  PM_SETOPT(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  m_errbuf[0] = '\0';

  const CURLcode rc = perform();
  m_greeted = m_greeted || m_state.got_reply;
  m_size_limit = m_state.advertised_size;
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);

  if (rc != CURLE_OK) {
    if (m_state.mode_mismatch) {
      return unexpected(tls_mode_mismatch(m_opts.account));
    }
    if (m_state.abort_error) {
      return unexpected(std::move(*m_state.abort_error));
    }
    if (m_state.canceled_before_dot) {
      return unexpected(canceled_error());
    }
    // After the last byte was handed over, only a failure to write the
    // final "." itself (CURLE_SEND_ERROR) proves it never arrived.
    if (m_state.eof_sent && m_state.final_code == 0 && !m_state.stalled_before_dot
        && rc != CURLE_SEND_ERROR) {
      return unexpected(outcome_unknown(rc, m_opts.account));
    }
    CurlFailure f;
    f.curl_code = m_state.stalled_before_dot ? CURLE_OPERATION_TIMEDOUT : rc;
    f.smtp_code = code;
    f.detail =
      sanitize(m_errbuf[0] != '\0' ? std::string(m_errbuf.data()) : curl_easy_strerror(rc));
    if (m_state.stalled_before_dot) {
      f.detail = fmt::format("no progress within {} s", m_opts.account.timeout_s);
    }
    f.last_reply = m_state.last_reply;
    f.last_command = m_state.last_command;
    f.message_bytes = size;
    f.advertised_size = m_state.advertised_size;
    f.got_reply = m_state.got_reply;
    return unexpected(error_from_curl(f, m_opts.account));
  }
  if (!m_state.body_started || m_state.offset != size || code != 250) {
    // libcurl reported success but the message did not go out whole.
    Error e(Errc::protocol,
            fmt::format("{}:{}: the submission ended without a final 250 reply",
                        m_opts.account.host,
                        m_opts.account.port));
    if (code > 0) {
      e.smtp_status = static_cast<int>(code);
    }
    return unexpected(std::move(e));
  }
  SendResult out;
  out.code = static_cast<int>(code);
  out.reply = m_state.last_reply;
  out.recipients = std::move(m_state.recipients);
  for (auto& r : out.recipients) {
    r.accepted = true;
  }
  out.tls = m_state.tls;
  return out;
}

CURLcode
SmtpSession::perform()
{
  CURL* c = m_curl.get();
  if (!m_multi) {
    m_multi.reset(curl_multi_init());
    if (!m_multi) {
      return CURLE_OUT_OF_MEMORY;
    }
  }
  CURLM* m = m_multi.get();
  if (curl_multi_add_handle(m, c) != CURLM_OK) {
    return CURLE_FAILED_INIT;
  }
  const auto limit = std::chrono::seconds(std::max(1, m_opts.account.timeout_s));
  const auto started = Clock::now();
  // TLS-01 in the first exchange: a STARTTLS client that has no greeting
  // after k_mode_sniff_s asks once whether the port expects TLS on connect
  // (the probe's rule), instead of waiting timeout_s for a greeting that an
  // implicit-TLS port never sends.
  bool sniffed = m_greeted || m_opts.account.tls != config::TlsMode::starttls;
  CURLcode rc = CURLE_OK;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(m, &running) != CURLM_OK) {
      rc = CURLE_FAILED_INIT;
      break;
    }
    if (running == 0) {
      int left = 0;
      rc = CURLE_GOT_NOTHING;
      while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == c) {
          rc = msg->data.result;
        }
      }
      break;
    }
    // Any silence longer than timeout_s ends the transfer. The end-of-data
    // wait never gets here: libcurl sends the final "." and waits for its
    // reply (data_timeout_s) within one curl_multi_perform() call, so while
    // we hold control the "." has not been sent and the outcome is certain.
    // The connection is shut down under libcurl, which then fails the
    // transfer itself: removing the handle from an "OK" transfer would make
    // libcurl 7.88 (smtp_done) send the final "." of a truncated message.
    // A stop request: the same shutdown (the xferinfo callback covers the
    // waits inside libcurl).
    if (!m_state.stalled_before_dot && !m_state.canceled_before_dot) {
      (void)must_abort(m_state);
    }
    if (!sniffed && !m_state.got_reply && !m_socks.empty()
        && Clock::now() - started > std::chrono::seconds(k_mode_sniff_s)) {
      sniffed = true;
      if (answers_tls_on_connect(m_opts.account, k_mode_sniff_s)) {
        m_state.mode_mismatch = true;
        for (const curl_socket_t sock : m_socks) {
          ::shutdown(sock, SHUT_RDWR);
        }
      }
    }
    if (!m_state.stalled_before_dot && Clock::now() - m_state.last_activity > limit) {
      // (No socket yet: still resolving, CURLOPT_CONNECTTIMEOUT applies.)
      for (const curl_socket_t sock : m_socks) {
        m_state.stalled_before_dot = true;
        ::shutdown(sock, SHUT_RDWR);
      }
    }
    if (curl_multi_poll(m, nullptr, 0, 200, nullptr) != CURLM_OK) {
      rc = CURLE_FAILED_INIT;
      break;
    }
  }
  curl_multi_remove_handle(m, c);
  return rc;
}

Error
SmtpSession::canceled_error() const
{
  return Error(Errc::canceled,
               fmt::format("{}:{}: interrupted before the end of the message; it was not "
                           "delivered",
                           m_opts.account.host,
                           m_opts.account.port));
}

void
SmtpSession::close()
{
  if (m_curl) {
    // The QUIT that cleanup sends must not reach a stale transcript.
    curl_easy_setopt(m_curl.get(), CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(m_curl.get(), CURLOPT_DEBUGFUNCTION, nullptr);
    m_curl.reset();
  }
  m_multi.reset();
}

#undef PM_SETOPT

} // namespace

Result<std::unique_ptr<Transport>>
make_smtp_session(SessionOptions opts)
{
  if (opts.account.host.empty()) {
    return fail(Errc::config, fmt::format("account.{}.host is not set", opts.account.name));
  }
  return std::unique_ptr<Transport>(std::make_unique<SmtpSession>(std::move(opts)));
}

} // namespace peermail::transport
