// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// TLS-06: judge a stapled OCSP response (RFC 6960, RFC 6066 §8) for the
// server certificate. Pure: no network (no OCSP via AIA, no CRL fetch).

#include <string>
#include <string_view>

// OpenSSL types, declared so that this header does not pull in OpenSSL:
// X509_STORE and STACK_OF(X509).
struct x509_store_st;
struct stack_st_X509;

namespace peermail::transport {

// none: no response stapled; good/revoked/unknown: the responder's answer
// for the server certificate; invalid: a response that cannot be trusted
// (malformed, bad signature, not for this certificate, stale).
enum class OcspStatus { none, good, revoked, unknown, invalid };

std::string_view to_string(OcspStatus s);

struct OcspVerdict
{
  OcspStatus status = OcspStatus::none;
  std::string reason;      // why, for the finding's evidence
  std::string next_update; // "2026-01-31 12:00:00 UTC"; empty if absent or unknown
};

// Clock skew allowed on thisUpdate/nextUpdate (seconds).
constexpr long k_ocsp_skew_s = 300;

// Judge `der`, the stapled OCSP response (empty: none stapled), for the
// server certificate: the first certificate of `chain` (the verified peer
// chain, leaf first; not owned). The response signature is verified against
// `chain` and the trust store `store` (not owned); the issuer of the leaf is
// taken from `chain`, else from `store`.
OcspVerdict judge_ocsp(std::string_view der, stack_st_X509* chain, x509_store_st* store);

} // namespace peermail::transport
