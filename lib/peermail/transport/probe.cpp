// SPDX-License-Identifier: GPL-3.0-or-later
// The live probe: a tiny SMTP command/response exchange (EHLO, STARTTLS,
// MAIL without AUTH, AUTH, RSET, QUIT; never DATA) over OpenSSL 3, so that
// every property of the session can be measured (CHECKLIST.md §8).
#include "probe.hpp"

#include "curl_errors.hpp"
#include "helo.hpp"
#include "ocsp.hpp"
#include "tls_info.hpp"
#include "tls_offer.hpp"
#include "tls_policy.hpp"
#include "transcript.hpp"

#include <peermail/util/fd.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/handle.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>

namespace peermail::transport {

namespace {

using SslPtr = util::Handle<SSL, SSL_free>;
using CtxPtr = util::Handle<SSL_CTX, SSL_CTX_free>;

std::string
openssl_error()
{
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) {
    return "connection closed during the handshake";
  }
  std::array<char, 256> buf{};
  ERR_error_string_n(e, buf.data(), buf.size());
  return buf.data();
}

// Bounds on what a server can make the probe hold or wait for (LIMITS.md):
// one reply line, one whole (multi-line) reply, and one connection from
// connect to QUIT, as a multiple of the account's timeout_s (which bounds
// each single wait).
constexpr std::size_t k_max_line_bytes = 4096;   // RFC 5321 §4.5.3.1.5 asks 512
constexpr std::size_t k_max_reply_bytes = 65536; // EHLO replies are < 1 KiB
constexpr std::size_t k_max_reply_lines = 256;
constexpr int k_session_timeouts = 4; // connection deadline: 4 × timeout_s

using Clock = std::chrono::steady_clock;

struct Reply
{
  int code = 0;
  std::vector<std::string> lines; // without the "NNN-" prefix
  std::string last;               // the last line, sanitised
};

// One SMTP connection: plain socket, later wrapped in TLS.
class Conn
{
public:
  explicit Conn(std::vector<std::string>* transcript)
    : m_transcript(transcript)
  {
  }
  // m_ssl (declared after m_fd) is freed before the socket is closed.
  ~Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Result<void>
  connect(const std::string& host, int port, int timeout_s)
  {
    m_timeout_ms = timeout_s * 1000;
    m_session_s = k_session_timeouts * timeout_s;
    m_deadline = Clock::now() + std::chrono::seconds(m_session_s);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
      return fail(Errc::temp, fmt::format("cannot resolve {}: {}", host, gai_strerror(rc)));
    }
    std::string last_error = "no address";
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      util::Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
      if (!fd) {
        continue;
      }
      const int flags = fcntl(fd.get(), F_GETFL);
      fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
      int rc = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd.get(), POLLOUT, 0};
        rc = ::poll(&p, 1, timeout_s * 1000) == 1 ? 0 : -1;
        int err = rc == 0 ? 0 : ETIMEDOUT;
        socklen_t len = sizeof(err);
        if (rc == 0) {
          getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        }
        errno = err;
        rc = err == 0 ? 0 : -1;
      }
      if (rc == 0) {
        // Non-blocking from here on: every wait goes through wait_for(), so
        // that no server can hold the probe past its deadline.
        m_fd = std::move(fd);
        freeaddrinfo(res);
        return {};
      }
      last_error = std::strerror(errno);
    }
    freeaddrinfo(res);
    return fail(Errc::temp, fmt::format("cannot connect to {}:{}: {}", host, port, last_error));
  }

  // Wrap the socket in TLS and handshake. Verification is evaluated by the
  // caller (SSL_get_verify_result), so that a bad certificate can be reported.
  Result<void>
  start_tls(SSL_CTX* ctx, const std::string& host)
  {
    m_ssl.reset(SSL_new(ctx));
    if (!m_ssl) {
      return fail(Errc::internal, "OpenSSL: cannot create a session");
    }
    SSL_set_fd(m_ssl.get(), m_fd.get());
    in_addr a4{};
    in6_addr a6{};
    const bool is_ip =
      inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
    if (!is_ip) {
      SSL_set_tlsext_host_name(m_ssl.get(), host.c_str()); // SNI
    }
    // TLS-06: ask for a stapled OCSP response (status_request, RFC 6066 §8).
    SSL_set_tlsext_status_type(m_ssl.get(), TLSEXT_STATUSTYPE_ocsp);
    ERR_clear_error();
    for (;;) {
      const int rc = SSL_connect(m_ssl.get());
      if (rc == 1) {
        break;
      }
      const int err = SSL_get_error(m_ssl.get(), rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        PEERMAIL_TRY(wait_for(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT));
        continue;
      }
      return fail(Errc::unavailable, openssl_error());
    }
    m_tls = true;
    return {};
  }

  SSL*
  ssl() const
  {
    return m_ssl.get();
  }

  // Whether a wait ran out (timeout_s, or the connection's deadline): the
  // probe stops at the first timeout.
  bool
  timed_out() const
  {
    return m_timed_out;
  }

  Result<void>
  send_line(const std::string& line)
  {
    if (m_transcript != nullptr) {
      m_transcript->push_back("> " + m_filter.outgoing(line)); // AUTH redacted
    }
    const std::string data = line + "\r\n";
    std::size_t off = 0;
    while (off < data.size()) {
      short want = 0;
      long n = 0;
      if (m_tls) {
        n = SSL_write(m_ssl.get(), data.data() + off, static_cast<int>(data.size() - off));
        want = n > 0 ? 0 : ssl_want(static_cast<int>(n));
      } else {
        n = ::send(m_fd.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
        want = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? POLLOUT : 0;
      }
      if (n <= 0 && want != 0) {
        PEERMAIL_TRY(wait_for(want));
        continue;
      }
      if (n <= 0) {
        return fail(Errc::temp, "the connection was lost while sending");
      }
      off += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<Reply>
  read_reply()
  {
    Reply r;
    std::size_t bytes = 0;
    for (;;) {
      PEERMAIL_TRY_ASSIGN(auto line, read_line());
      bytes += line.size() + 2;
      if (bytes > k_max_reply_bytes || r.lines.size() >= k_max_reply_lines) {
        return fail(Errc::protocol,
                    fmt::format("the server's reply is longer than {} lines or {} KiB; the probe "
                                "stopped reading it",
                                k_max_reply_lines,
                                k_max_reply_bytes / 1024));
      }
      if (m_transcript != nullptr) {
        m_transcript->push_back("< " + m_filter.incoming(line));
      }
      const int code = reply_code(line);
      if (code == 0) {
        return fail(Errc::protocol, fmt::format("malformed SMTP reply: {}", sanitize(line)));
      }
      r.code = code;
      r.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
      if (is_last_reply_line(line)) {
        r.last = sanitize(line);
        return r;
      }
    }
  }

  // Return true if the server sends something within `ms` milliseconds.
  bool
  readable_within(int ms)
  {
    pollfd p{m_fd.get(), POLLIN, 0};
    return !m_buf.empty() || ::poll(&p, 1, ms) == 1;
  }

  // Return true if bytes are waiting that the server sent unasked.
  bool
  has_pending_bytes()
  {
    if (!m_buf.empty()) {
      return true;
    }
    char c = 0;
    pollfd p{m_fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) != 1) {
      return false;
    }
    return ::recv(m_fd.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }

private:
  // What an SSL_read/SSL_write that returned `rc` waits for (0: an error).
  short
  ssl_want(int rc) const
  {
    const int err = SSL_get_error(m_ssl.get(), rc);
    return err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
  }

  // Wait until the socket is ready for `events`, at most timeout_s and never
  // past the connection's deadline. Errors: temp.
  Result<void>
  wait_for(short events)
  {
    for (;;) {
      const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(m_deadline - Clock::now()).count();
      if (left <= 0) {
        m_timed_out = true;
        return fail(Errc::temp,
                    fmt::format("the server did not finish the exchange within {} s (4 × "
                                "timeout_s); the probe gave up on it",
                                m_session_s));
      }
      pollfd p{m_fd.get(), events, 0};
      const int pr = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, m_timeout_ms)));
      if (pr < 0 && errno == EINTR) {
        continue;
      }
      if (pr == 0 && left > m_timeout_ms) {
        m_timed_out = true;
        const int s = m_timeout_ms / 1000;
        return fail(
          Errc::temp,
          received_any()
            ? fmt::format("the server stopped answering (nothing within {} s, timeout_s)", s)
            : fmt::format("the server accepted the connection but sent nothing within "
                          "{} s (timeout_s)",
                          s));
      }
      if (pr != 0) {
        return {};
      }
    }
  }

  bool
  received_any() const
  {
    return m_received
           || (m_ssl && SSL_get_rbio(m_ssl.get()) != nullptr
               && BIO_number_read(SSL_get_rbio(m_ssl.get())) > 0);
  }

  Result<std::string>
  read_line()
  {
    for (;;) {
      const auto nl = m_buf.find('\n');
      if (nl != std::string::npos) {
        std::string line = m_buf.substr(0, nl);
        m_buf.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        return line;
      }
      if (m_buf.size() > k_max_line_bytes) {
        return fail(Errc::protocol,
                    fmt::format("SMTP reply line longer than {} bytes", k_max_line_bytes));
      }
      std::array<char, 1024> chunk{};
      short want = 0;
      long n = 0;
      if (m_tls) {
        n = SSL_read(m_ssl.get(), chunk.data(), static_cast<int>(chunk.size()));
        want = n > 0 ? 0 : ssl_want(static_cast<int>(n));
      } else {
        n = ::recv(m_fd.get(), chunk.data(), chunk.size(), 0);
        want = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? POLLIN : 0;
      }
      if (n <= 0 && want != 0) {
        PEERMAIL_TRY(wait_for(want));
        continue;
      }
      if (n <= 0) {
        return fail(Errc::temp, "the server closed the connection");
      }
      m_received = true;
      m_buf.append(chunk.data(), static_cast<std::size_t>(n));
    }
  }

  util::Fd m_fd;
  int m_timeout_ms = 30000;
  int m_session_s = 120;
  Clock::time_point m_deadline = Clock::now();
  SslPtr m_ssl;
  bool m_tls = false;
  bool m_timed_out = false;
  bool m_received = false; // a byte came in plain text
  std::string m_buf;
  std::vector<std::string>* m_transcript;
  TranscriptFilter m_filter;
};

Result<CtxPtr>
new_ctx()
{
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return fail(Errc::internal, "OpenSSL: cannot create a context");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr); // judged, not enforced
  return ctx;
}

// The policy a send enforces (tls_policy.hpp), except that TLS 1.2 is
// accepted so that a server below min_tls = "1.3" can be measured and then
// judged (TLS-02) instead of failing the handshake unexplained.
Result<CtxPtr>
make_probe_ctx(const config::Account& a)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, new_ctx());
  TlsPolicy p = tls_policy(a);
  p.min_version = 12;
  PEERMAIL_TRY(apply_tls_policy(ctx.get(), p, false));
  return ctx;
}

std::vector<std::string>
split_words(const std::string& s)
{
  std::vector<std::string> out;
  for (const auto& w : util::split(s, ' ')) {
    if (!w.empty()) {
      std::string u = w;
      for (auto& c : u) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      out.push_back(u);
    }
  }
  return out;
}

struct Caps
{
  bool starttls = false;
  bool requiretls = false;
  std::vector<std::string> auth;
  std::optional<std::uint64_t> size; // EHLO SIZE limit (RFC 1870)
};

Caps
parse_caps(const Reply& r)
{
  Caps c;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {
    const auto words = split_words(r.lines[i]);
    if (words.empty()) {
      continue;
    }
    if (auto limit = ehlo_size_limit(r.lines[i])) {
      c.size = limit;
    }
    if (words[0] == "STARTTLS") {
      c.starttls = true;
    } else if (words[0] == "REQUIRETLS") {
      c.requiretls = true;
    } else if (words[0] == "AUTH") {
      c.auth.assign(words.begin() + 1, words.end());
    }
  }
  return c;
}

// The EHLO line of send (helo.hpp).
std::string
ehlo_line(const config::Account& a)
{
  return "EHLO " + helo_name(a).name;
}

void
say(const ProbeProgress& progress, const std::string& step)
{
  if (progress) {
    progress(step);
  }
}

// Connect and bring the session to TLS (EHLO/STARTTLS for STARTTLS mode).
// Fills the pre-TLS fields of `rep` when `rep` is given.

Result<void>
reach_tls(Conn& c,
          const config::Account& a,
          SSL_CTX* ctx,
          ProbeReport* rep,
          const ProbeProgress& progress = {})
{
  say(progress, "connecting");
  PEERMAIL_TRY(c.connect(a.host, a.port, std::max(1, a.timeout_s)));
  say(progress, "waiting for the server");
  if (a.tls == config::TlsMode::starttls) {
    // No greeting yet: an implicit-TLS port waits for our ClientHello.
    if (!c.readable_within(k_mode_sniff_s * 1000) && answers_tls_on_connect(a, k_mode_sniff_s)) {
      return unexpected(tls_mode_mismatch(a));
    }
    PEERMAIL_TRY_ASSIGN(auto greeting, c.read_reply());
    if (greeting.code != 220) {
      return fail(Errc::unavailable, fmt::format("the server greeted with {}", greeting.last));
    }
    say(progress, "EHLO");
    PEERMAIL_TRY(c.send_line(ehlo_line(a)));
    PEERMAIL_TRY_ASSIGN(auto ehlo, c.read_reply());
    const Caps caps = parse_caps(ehlo);
    if (rep != nullptr) {
      rep->starttls_offered = caps.starttls;
      rep->auth_before_tls = caps.auth;
    }
    if (!caps.starttls) {
      (void)c.send_line("QUIT");
      return fail(Errc::unavailable, "the server does not offer STARTTLS");
    }
    PEERMAIL_TRY(c.send_line("STARTTLS"));
    PEERMAIL_TRY_ASSIGN(auto st, c.read_reply());
    if (rep != nullptr) {
      rep->starttls_code = st.code;
      rep->starttls_reply = st.last;
    }
    if (st.code != 220) {
      (void)c.send_line("QUIT");
      return fail(Errc::unavailable, fmt::format("the server answered STARTTLS with {}", st.last));
    }
    // RFC 3207 §5: nothing may follow the 220 before the handshake.
    if (c.has_pending_bytes()) {
      if (rep != nullptr) {
        rep->starttls_injection = true;
      }
      return fail(Errc::protocol, "the server sent data after its 220 to STARTTLS (injection)");
    }
  }
  say(progress, "TLS handshake");
  auto tls = c.start_tls(ctx, a.host);
  if (!tls && a.tls == config::TlsMode::implicit && plaintext_answer(tls.error().message)) {
    return unexpected(tls_mode_mismatch(a, tls.error().message)); // "220 " before TLS
  }
  return tls;
}

// TLS-06: whether the leaf names where its revocation status can be asked.
void
measure_revocation_info(X509* leaf, ProbeReport& rep)
{
  auto* crl = static_cast<STACK_OF(DIST_POINT)*>(
    X509_get_ext_d2i(leaf, NID_crl_distribution_points, nullptr, nullptr));
  rep.cert_crl_distribution_point = crl != nullptr && sk_DIST_POINT_num(crl) > 0;
  sk_DIST_POINT_pop_free(crl, DIST_POINT_free);
  STACK_OF(OPENSSL_STRING)* ocsp = X509_get1_ocsp(leaf);
  rep.cert_ocsp_uri = ocsp != nullptr && sk_OPENSSL_STRING_num(ocsp) > 0;
  X509_email_free(ocsp);
}

void
measure_tls(SSL* ssl, const config::Account& a, ProbeReport& rep)
{
  const TlsInfo info = tls_info_from_ssl(ssl);
  rep.tls_version = info.version;
  rep.cipher = info.cipher;
  rep.peer_cert_sha256 = info.peer_cert_sha256;
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl); c != nullptr) {
    rep.cipher_bits = SSL_CIPHER_get_bits(c, nullptr);
  }
  if (const int nid = SSL_get_negotiated_group(ssl); nid != 0) {
    const char* name = SSL_group_to_name(ssl, nid);
    rep.group = name != nullptr ? name : OBJ_nid2sn(nid);
  }
  // The rules a send enforces (tls_policy.hpp), judged here, never redone.
  const TlsPolicy policy = tls_policy(a);
  const TlsJudgement j = judge_tls(ssl, policy);
  rep.min_tls = policy.min_version;
  rep.chain_valid = j.chain_ok;
  rep.chain_error = j.chain_error;
  rep.hostname_match = j.host_ok;
  rep.pin_configured = !policy.pin_sha256.empty();
  rep.pin_match = j.pin_ok;
  rep.spki_sha256 = j.spki_sha256;
  rep.policy_ok = j.all_ok();
  const long vr = SSL_get_verify_result(ssl);
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    return;
  }
  int days = 0;
  int secs = 0;
  if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(leaf)) == 1) {
    rep.days_to_expiry = days - (secs < 0 ? 1 : 0);
  }
  if (EVP_PKEY* key = X509_get0_pubkey(leaf); key != nullptr) {
    const int id = EVP_PKEY_get_base_id(key);
    rep.key_type = id == EVP_PKEY_RSA       ? "RSA"
                   : id == EVP_PKEY_EC      ? "EC"
                   : id == EVP_PKEY_ED25519 ? "ED25519"
                   : id == EVP_PKEY_ED448   ? "ED448"
                                            : OBJ_nid2sn(id);
    rep.key_bits = EVP_PKEY_get_bits(key);
  }
  rep.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(leaf));
  measure_revocation_info(leaf, rep);

  // TLS-06: the stapled OCSP response, judged against the verified chain.
  const unsigned char* staple = nullptr;
  const long staple_len = SSL_get_tlsext_status_ocsp_resp(ssl, &staple);
  STACK_OF(X509)* chain = vr == X509_V_OK ? SSL_get0_verified_chain(ssl) : nullptr;
  if (chain == nullptr) {
    chain = SSL_get_peer_cert_chain(ssl);
  }
  rep.ocsp = judge_ocsp(staple != nullptr && staple_len > 0
                          ? std::string_view(reinterpret_cast<const char*>(staple),
                                             static_cast<std::size_t>(staple_len))
                          : std::string_view(),
                        chain,
                        SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)));
}

// TLS-08: what the server negotiated. Renegotiation indication and EMS exist
// only up to TLS 1.2; TLS 1.3 has neither, nor compression.
void
measure_hygiene(SSL* ssl, ProbeReport& rep)
{
  rep.secure_renegotiation = SSL_get_secure_renegotiation_support(ssl) == 1;
  rep.extended_master_secret = SSL_get_extms_support(ssl) == 1;
  rep.compression = SSL_get_current_compression(ssl) != nullptr;
  rep.sni_sent = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) != nullptr;
  rep.tls_library = OpenSSL_version(OPENSSL_VERSION);
}

std::string
b64(std::string_view s)
{
  return util::base64_encode(s);
}

// AUTH with the configured credentials (RFC 4954), inside verified TLS only.
Result<void>
try_login(Conn& c,
          const config::Credentials& cr,
          const std::vector<std::string>& mechs,
          ProbeReport& rep)
{
  const auto has = [&](const char* m) {
    return std::find(mechs.begin(), mechs.end(), m) != mechs.end();
  };
  Reply r;
  if (!cr.oauth2_token.empty()) {
    if (!has("XOAUTH2")) {
      rep.login = LoginResult::failed;
      rep.login_reply = "the server does not offer XOAUTH2";
      return {};
    }
    const std::string blob =
      "user=" + cr.username + "\x01" + "auth=Bearer " + cr.oauth2_token + "\x01\x01";
    PEERMAIL_TRY(c.send_line("AUTH XOAUTH2 " + b64(blob)));
    PEERMAIL_TRY_ASSIGN(r, c.read_reply());
    if (r.code == 334) {
      PEERMAIL_TRY(c.send_line(""));
      PEERMAIL_TRY_ASSIGN(r, c.read_reply());
    }
  } else if (has("PLAIN")) {
    const std::string blob =
      std::string(1, '\0') + cr.username + std::string(1, '\0') + cr.password;
    PEERMAIL_TRY(c.send_line("AUTH PLAIN " + b64(blob)));
    PEERMAIL_TRY_ASSIGN(r, c.read_reply());
  } else if (has("LOGIN")) {
    PEERMAIL_TRY(c.send_line("AUTH LOGIN"));
    PEERMAIL_TRY_ASSIGN(r, c.read_reply());
    if (r.code == 334) {
      PEERMAIL_TRY(c.send_line(b64(cr.username)));
      PEERMAIL_TRY_ASSIGN(r, c.read_reply());
    }
    if (r.code == 334) {
      PEERMAIL_TRY(c.send_line(b64(cr.password)));
      PEERMAIL_TRY_ASSIGN(r, c.read_reply());
    }
  } else {
    rep.login = LoginResult::failed;
    rep.login_reply = "the server offers no PLAIN, LOGIN or XOAUTH2 after TLS";
    return {};
  }
  rep.login_reply = r.last;
  rep.login = r.code == 235   ? LoginResult::ok
              : r.code == 535 ? LoginResult::denied
                              : LoginResult::failed;
  return {};
}

// TLS-02, TLS-03: what the server offers (tls_offer.hpp). Each handshake:
// connect, STARTTLS dialogue, handshake, close; never AUTH, never MAIL.
void
measure_offer(const config::Account& a, ProbeReport& rep, const ProbeProgress& progress)
{
  int n = 0;
  const Handshake handshake =
    [&a, &n, &progress](SSL_CTX* ctx, const std::function<void(SSL*)>& seen) -> Result<void> {
    say(progress, fmt::format("which TLS versions and suites are offered (handshake {})", ++n));
    Conn c(nullptr);
    PEERMAIL_TRY(reach_tls(c, a, ctx, nullptr));
    seen(c.ssl());
    return {};
  };
  OfferLimits limits;
  limits.max_time = std::chrono::seconds(k_session_timeouts * std::max(1, a.timeout_s));
  rep.offer = enumerate_offer(handshake, limits);
  const auto legacy = [&](int v) {
    switch (version_offer(rep.offer, v)) {
    case VersionOffer::offered:
      return LegacyTls::accepted;
    case VersionOffer::not_offered:
      return LegacyTls::refused;
    default:
      return LegacyTls::not_testable;
    }
  };
  rep.tls1_0 = legacy(10);
  rep.tls1_1 = legacy(11);
}

// A server that offers only versions a send refuses: its certificate and
// handshake measured in the newest version it offers, for measuring only
// (TLS-02 names the versions; TLS-04..08 judge the certificate itself).
void
measure_legacy_session(const config::Account& a, ProbeReport& rep)
{
  const int newest = version_offer(rep.offer, 11) == VersionOffer::offered ? 11 : 10;
  auto ctx = make_probe_ctx(a);
  if (!ctx || !open_for_measuring(ctx->get(), newest)) {
    return;
  }
  Conn c(nullptr);
  if (reach_tls(c, a, ctx->get(), nullptr)) {
    measure_tls(c.ssl(), a, rep);
    measure_hygiene(c.ssl(), rep);
    rep.measured_on_legacy = true;
  }
}

} // namespace

std::optional<std::uint64_t>
size_limit(const config::Account& a)
{
  auto ctx = make_probe_ctx(a);
  if (!ctx) {
    return std::nullopt;
  }
  Conn c(nullptr);
  if (!reach_tls(c, a, ctx->get(), nullptr) || !judge_tls(c.ssl(), tls_policy(a)).all_ok()) {
    return std::nullopt; // the send itself says why
  }
  auto ehlo = [&]() -> Result<Caps> {
    if (a.tls == config::TlsMode::implicit) {
      PEERMAIL_TRY_ASSIGN(auto greeting, c.read_reply());
      if (greeting.code != 220) {
        return fail(Errc::unavailable, "no greeting");
      }
    }
    PEERMAIL_TRY(c.send_line(ehlo_line(a)));
    PEERMAIL_TRY_ASSIGN(auto reply, c.read_reply());
    (void)c.send_line("QUIT");
    (void)c.read_reply();
    return parse_caps(reply);
  }();
  return ehlo ? ehlo->size : std::nullopt;
}

bool
answers_tls_on_connect(const config::Account& a, int wait_s)
{
  auto ctx = new_ctx();
  if (!ctx) {
    return false;
  }
  Conn c(nullptr);
  return c.connect(a.host, a.port, wait_s) && c.start_tls(ctx->get(), a.host);
}

Result<ProbeReport>
probe(const config::Account& a,
      const std::optional<config::Credentials>& credentials,
      const ProbeOptions& options)
{
  ProbeReport rep;
  rep.host = a.host;
  rep.port = a.port;
  rep.mode = a.tls;
  PEERMAIL_TRY_ASSIGN(auto ctx, make_probe_ctx(a));
  Conn c(&rep.transcript);
  const ProbeProgress& progress = options.progress;
  auto reached = reach_tls(c, a, ctx.get(), &rep, progress);
  bool timed_out = false;
  if (!reached) {
    if (c.timed_out() && rep.transcript.empty()) {
      // Nothing said at all: one timeout, and the probe stops there.
      Error e = reached.error();
      e.message += "; the probe stopped there";
      e.fix = "check host and port, and that a mail submission server answers there";
      return unexpected(std::move(e));
    }
    timed_out = c.timed_out();
    if (reached.error().code == Errc::temp && rep.starttls_code == 0 && !rep.starttls_offered
        && c.ssl() == nullptr && rep.transcript.empty()) {
      return unexpected(reached.error()); // could not connect at all
    }
    rep.tls_error = reached.error().message;
    rep.mode_mismatch = reached.error().check_id == "TLS-01" && !reached.error().fix.empty();
    rep.tls_fix = reached.error().fix;
  } else {
    rep.tls_ok = true;
    measure_tls(c.ssl(), a, rep);
    measure_hygiene(c.ssl(), rep);
    auto rest = [&]() -> Result<void> {
      if (a.tls == config::TlsMode::implicit) {
        PEERMAIL_TRY_ASSIGN(auto greeting, c.read_reply());
        if (greeting.code != 220) {
          return fail(Errc::unavailable, fmt::format("the server greeted with {}", greeting.last));
        }
      }
      // RFC 3207 §4.2: everything learned before TLS is discarded.
      say(progress, "EHLO inside TLS");
      PEERMAIL_TRY(c.send_line(ehlo_line(a)));
      PEERMAIL_TRY_ASSIGN(auto ehlo, c.read_reply());
      const Caps caps = parse_caps(ehlo);
      rep.auth_mechanisms = caps.auth;
      rep.requiretls = caps.requiretls;
      // AUTH-01: the server should refuse mail without authentication.
      say(progress, "MAIL without login");
      PEERMAIL_TRY(c.send_line("MAIL FROM:<probe@peermail.invalid>"));
      PEERMAIL_TRY_ASSIGN(auto mail, c.read_reply());
      rep.mail_without_auth_code = mail.code;
      if (mail.code >= 200 && mail.code < 300) {
        // Many servers (Postfix) refuse at RCPT: carry it there, never to DATA.
        PEERMAIL_TRY(c.send_line(fmt::format(
          "RCPT TO:<{}>", options.rcpt.empty() ? "postmaster@" + a.host : options.rcpt)));
        PEERMAIL_TRY_ASSIGN(auto rcpt, c.read_reply());
        rep.rcpt_without_auth_code = rcpt.code;
      }
      PEERMAIL_TRY(c.send_line("RSET"));
      PEERMAIL_TRY_ASSIGN(auto rset, c.read_reply());
      (void)rset;
      if (!options.login) {
        rep.login_reply = "not tried (--no-login)";
      } else if (credentials && !credentials->username.empty()) {
        // Only where a send would authenticate: every rule of the policy passed.
        if (rep.policy_ok) {
          say(progress, "login");
          PEERMAIL_TRY(try_login(c, *credentials, caps.auth, rep));
        } else {
          rep.login_reply =
            "not tried: the TLS session fails the account's policy (TLS-02, "
            "TLS-04 or TLS-05)";
        }
      }
      PEERMAIL_TRY(c.send_line("QUIT"));
      (void)c.read_reply();
      return {};
    }();
    if (!rest) {
      rep.tls_error = rest.error().message;
      timed_out = c.timed_out();
    }
  }
  // The first timeout ends the probe: a server that stopped answering is
  // not asked again for every version and suite.
  if (!timed_out && !rep.mode_mismatch && !rep.starttls_injection
      && (rep.tls_ok || a.tls == config::TlsMode::implicit || rep.starttls_code == 220)) {
    measure_offer(a, rep, progress);
  }
  const bool modern = version_offer(rep.offer, 12) == VersionOffer::offered
                      || version_offer(rep.offer, 13) == VersionOffer::offered;
  if (!timed_out && !rep.tls_ok && rep.tls_version.empty() && !modern
      && (version_offer(rep.offer, 10) == VersionOffer::offered
          || version_offer(rep.offer, 11) == VersionOffer::offered)) {
    measure_legacy_session(a, rep);
  }
  return rep;
}

} // namespace peermail::transport
