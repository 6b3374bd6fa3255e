// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// `check --probe`: judge the live submission server without ever sending a
// message (CHECKLIST.md §8). Connect, EHLO, STARTTLS, EHLO, MAIL FROM without
// AUTH (expect 530), optional AUTH with the configured credentials, RSET,
// QUIT. DATA is never sent.

#include <peermail/config/config.hpp>
#include <peermail/transport/ocsp.hpp>
#include <peermail/transport/tls_offer.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace peermail::transport {

// Whether a legacy protocol version handshake was accepted by the server.
enum class LegacyTls { accepted, refused, not_testable };

enum class LoginResult { not_tried, ok, denied, failed };

struct ProbeReport
{
  std::string host;
  int port = 0;
  config::TlsMode mode = config::TlsMode::implicit;

  // Before TLS (STARTTLS mode only).
  bool starttls_offered = false;
  int starttls_code = 0;                    // reply to STARTTLS (0: not sent)
  std::string starttls_reply;               // sanitised
  bool starttls_injection = false;          // bytes pipelined after the 220
  std::vector<std::string> auth_before_tls; // AUTH mechanisms advertised in clear

  // The TLS session (min TLS 1.2, SNI, verification evaluated, not enforced).
  bool tls_ok = false;
  std::string tls_error; // why the handshake or the exchange failed
  // `tls =` does not match the port (curl_errors.hpp, tls_mode_mismatch):
  // tls_error says how, tls_fix what to set.
  bool mode_mismatch = false;
  std::string tls_fix;
  std::string tls_version; // "TLSv1.3"
  std::string cipher;      // IANA name
  int cipher_bits = 0;
  std::string group; // key exchange group, e.g. "x25519"
  bool chain_valid = false;
  std::string chain_error; // OpenSSL's verify error string
  bool hostname_match = false;
  int min_tls = 12; // min_tls of the account (12 or 13)
  bool pin_configured = false;
  bool pin_match = false;             // the leaf's SPKI matches pin_sha256 (true without a pin)
  std::string spki_sha256;            // base64, what pin_sha256 would be
  bool policy_ok = false;             // every rule a send enforces passed (tls_policy.hpp)
  std::optional<long> days_to_expiry; // negative: expired
  std::string key_type;               // "RSA", "EC", "ED25519"
  int key_bits = 0;
  std::string signature_algorithm; // "ecdsa-with-SHA256"
  std::string peer_cert_sha256;

  // TLS-06: the stapled OCSP response (status_request is always sent; no
  // OCSP or CRL is fetched over the network).
  OcspVerdict ocsp;
  // TLS-06: the revocation information the leaf certificate names.
  bool cert_crl_distribution_point = false; // CRL Distribution Points extension
  bool cert_ocsp_uri = false;               // an OCSP URI in Authority Information Access

  // The certificate and handshake fields above come from a measuring-only
  // handshake in an old version, because the server offers no version a send
  // accepts (TLS-02). No SMTP command was sent in that session.
  bool measured_on_legacy = false;

  // TLS-08: handshake hygiene as the server negotiated it.
  bool secure_renegotiation = false;   // RFC 5746 (TLS 1.2 and older)
  bool extended_master_secret = false; // RFC 7627 (TLS 1.2 and older)
  bool compression = false;            // TLS compression (CRIME)
  bool sni_sent = false;               // false for an IP address host
  std::string tls_library;             // "OpenSSL 3.0.19 27 Jan 2026"

  // Separate handshakes forcing TLS 1.0 and 1.1 (expected to fail); filled
  // from `offer`.
  LegacyTls tls1_0 = LegacyTls::not_testable;
  LegacyTls tls1_1 = LegacyTls::not_testable;

  // TLS-02, TLS-03: every version and suite the server offers (tls_offer.hpp).
  TlsOffer offer;

  // After TLS.
  std::vector<std::string> auth_mechanisms; // from the post-TLS EHLO
  bool requiretls = false;
  int mail_without_auth_code = 0; // reply to MAIL FROM without AUTH
  int rcpt_without_auth_code = 0; // reply to RCPT TO without AUTH (0: not sent)
  LoginResult login = LoginResult::not_tried;
  std::string login_reply; // sanitised, never the secret

  std::vector<std::string> transcript; // redacted dialogue
};

// How long a STARTTLS client waits for the greeting before it checks
// whether the port expects TLS on connect (implicit TLS) instead.
constexpr int k_mode_sniff_s = 2;

// Whether the server of `account` answers a TLS handshake on connect
// (implicit TLS) within `wait_s` seconds. One connection: connect,
// ClientHello, close; nothing else is sent.
bool answers_tls_on_connect(const config::Account& account, int wait_s);

// Called with each step of the probe as it begins ("TLS handshake"), for a
// progress line on a terminal; never with a secret.
using ProbeProgress = std::function<void(const std::string& step)>;

// The EHLO SIZE limit (RFC 1870) the server of `account` advertises inside
// a TLS session that passes every rule a send enforces: connect, (STARTTLS,)
// EHLO, QUIT; no AUTH, no MAIL. nullopt when it advertises none or cannot
// be asked (the send itself then reports why).
std::optional<std::uint64_t> size_limit(const config::Account& account);

struct ProbeOptions
{
  // Log in with the credentials (inside a TLS session that passed every rule
  // a send enforces). `check --probe --no-login` turns it off.
  bool login = true;
  // The recipient of the unauthenticated transaction (AUTH-01), carried to
  // RCPT, never to DATA: the identity's own address, so that a server open
  // to its local domain is noticed. Empty: postmaster@ the account's host.
  std::string rcpt;
  ProbeProgress progress; // may be empty
};

// Probe the server of `account`. Credentials are used only inside a TLS
// session that passed every rule a send enforces (tls_policy.hpp: version,
// chain, host name, pin). Errors only for local failures
// (no such host, cannot connect: temp); what the server does is in the report.
Result<ProbeReport> probe(const config::Account& account,
                          const std::optional<config::Credentials>& credentials,
                          const ProbeOptions& options = {});

} // namespace peermail::transport
