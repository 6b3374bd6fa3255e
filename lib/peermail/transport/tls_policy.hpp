// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one TLS policy for a connection to the submission server (internal to
// transport/). The libcurl session (smtp_session.cpp) enforces it before any
// byte of AUTH or DATA leaves; the probe (probe.cpp) measures the session and
// judges it with the same rules before it lets credentials cross.

#include <peermail/config/config.hpp>
#include <peermail/util/result.hpp>

#include <string>

namespace peermail::transport {

struct TlsPolicy
{
  std::string account;    // account name, for messages
  std::string host;       // DNS-ID or IP address the certificate must match
  int min_version = 12;   // 12: TLS 1.2, 13: TLS 1.3 (tls_version_number scale)
  std::string ca_file;    // trust anchors; empty: the system store
  std::string pin_sha256; // base64 SHA-256 of the server's SPKI; empty: no pin
};

// The policy `a` asks for.
TlsPolicy tls_policy(const config::Account& a);

// Apply the policy to an OpenSSL client context (an `SSL_CTX*`, not owned):
// minimum protocol version, no compression or renegotiation, trust anchors
// and, when `verify_host`, the host name rule as part of chain verification.
// Errors: config (ca_file unreadable), internal.
Result<void> apply_tls_policy(void* ssl_ctx, const TlsPolicy& p, bool verify_host);

// The same judgement over an established session (an `SSL*`, not owned).
struct TlsJudgement
{
  int version = 0;         // negotiated, tls_version_number scale
  bool version_ok = false; // version >= min_version
  bool chain_ok = false;   // the chain verified against the trust anchors
  std::string chain_error; // OpenSSL's verify error string
  bool host_ok = false;    // the leaf matches host (RFC 9525: DNS-ID only)
  bool pin_ok = false;     // no pin, or the leaf's SPKI hash equals it
  std::string spki_sha256; // base64 SHA-256 of the leaf's SPKI ("" without a leaf)

  // True only if every rule passed: the only state in which credentials or a
  // message may cross.
  bool
  all_ok() const
  {
    return version_ok && chain_ok && host_ok && pin_ok;
  }
};
TlsJudgement judge_tls(const void* ssl, const TlsPolicy& p);

// base64 SHA-256 of the DER SubjectPublicKeyInfo of `x509` (an `X509*`), the
// value pin_sha256 holds and libcurl's CURLOPT_PINNEDPUBLICKEY compares.
std::string spki_sha256_base64(const void* x509);

} // namespace peermail::transport
