// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// `check --probe`: judge the live submission server without ever sending a
// message (CHECKLIST.md §8). Connect, EHLO, STARTTLS, EHLO, MAIL FROM without
// AUTH (expect 530), optional AUTH with the configured credentials, RSET,
// QUIT. DATA is never sent.

#include <peermail/config/config.hpp>
#include <peermail/transport/ocsp.hpp>
#include <peermail/util/result.hpp>

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
  std::string tls_error;   // why the handshake or the exchange failed
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

  // TLS-08: handshake hygiene as the server negotiated it.
  bool secure_renegotiation = false;   // RFC 5746 (TLS 1.2 and older)
  bool extended_master_secret = false; // RFC 7627 (TLS 1.2 and older)
  bool compression = false;            // TLS compression (CRIME)
  bool sni_sent = false;               // false for an IP address host
  std::string tls_library;             // "OpenSSL 3.0.19 27 Jan 2026"

  // Separate handshakes forcing TLS 1.0 and 1.1 (expected to fail).
  LegacyTls tls1_0 = LegacyTls::not_testable;
  LegacyTls tls1_1 = LegacyTls::not_testable;

  // After TLS.
  std::vector<std::string> auth_mechanisms; // from the post-TLS EHLO
  bool requiretls = false;
  int mail_without_auth_code = 0; // reply to MAIL FROM without AUTH
  LoginResult login = LoginResult::not_tried;
  std::string login_reply; // sanitised, never the secret

  std::vector<std::string> transcript; // redacted dialogue
};

// Probe the server of `account`. Credentials are used only inside a TLS
// session that passed every rule a send enforces (tls_policy.hpp: version,
// chain, host name, pin). Errors only for local failures
// (no such host, cannot connect: temp); what the server does is in the report.
Result<ProbeReport> probe(const config::Account& account,
                          const std::optional<config::Credentials>& credentials);

} // namespace peermail::transport
