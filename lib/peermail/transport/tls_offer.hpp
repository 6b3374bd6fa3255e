// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What a server offers, not only what one handshake negotiates (TLS-02,
// TLS-03; CHECKLIST.md §8): the protocol versions TLS 1.0–1.3 and, per
// version, every cipher suite the local OpenSSL can offer and the server
// accepts. Measuring only: the judging is policy/probe_findings.cpp.
//
// Each enumeration handshake is one connection — connect, the STARTTLS
// dialogue where the account uses STARTTLS, handshake, close — done by the
// caller's `Handshake` function. Never AUTH, never MAIL. Enumeration contexts
// offer everything (ALL:COMPLEMENTOFALL, @SECLEVEL=0, legacy versions) and are
// used for nothing else.

#include <peermail/util/result.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

// OpenSSL types, so that this header does not pull in <openssl/ssl.h>.
struct ssl_ctx_st;
struct ssl_st;

namespace peermail::transport {

// One cipher suite the server accepted, as plain facts.
struct OfferedSuite
{
  int version = 0;          // 10, 11, 12, 13
  std::string name;         // IANA / RFC name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  std::string openssl_name; // "ECDHE-RSA-AES128-GCM-SHA256"
  std::string kx;           // "ECDHE", "DHE", "RSA", "any" (TLS 1.3), or OpenSSL's name
  bool anonymous = false;   // no authentication (aNULL)
  bool null_cipher = false; // no encryption (eNULL)
  std::string cipher;       // OpenSSL's short name: "AES-128-GCM", "DES-EDE3-CBC", "RC4"
  bool aead = false;
  std::string mac; // "SHA1", "SHA256", "AEAD"
  int bits = 0;    // symmetric strength
};

enum class VersionOffer { offered, not_offered, not_testable, not_measured };

struct TlsOffer
{
  bool measured = false; // false: no enumeration was run
  // Indexed 0..3 for TLS 1.0, 1.1, 1.2, 1.3.
  VersionOffer versions[4] = {VersionOffer::not_measured,
                              VersionOffer::not_measured,
                              VersionOffer::not_measured,
                              VersionOffer::not_measured};
  std::vector<OfferedSuite> suites; // in the order found, per version
  // Suite families the local OpenSSL cannot offer, so cannot measure
  // ("RC4", "3DES", "EXPORT", ...): a server offering them is not seen.
  std::vector<std::string> untestable;
  int connections = 0;
  // Why the enumeration stopped before it was complete (bound reached, the
  // server stopped answering); empty when complete.
  std::string incomplete;
};

// Return the VersionOffer of `version` (10..13) in `o`.
VersionOffer version_offer(const TlsOffer& o, int version);

// One measuring connection: connect, reach TLS with `ctx` (STARTTLS dialogue
// when the account uses it), call `seen` with the established session,
// close. An error means the handshake (or the dialogue before it) failed.
using Handshake =
  std::function<Result<void>(ssl_ctx_st* ctx, const std::function<void(ssl_st*)>& seen)>;

struct OfferLimits
{
  int max_connections = 120;
  std::chrono::seconds max_time{120};
};

// Enumerate versions and suites through `handshake`, within `limits`.
TlsOffer enumerate_offer(const Handshake& handshake, const OfferLimits& limits);

// Turn `ctx` into a context for measuring only: exactly `version` (10..13),
// security level 0, every suite the local OpenSSL has (ALL:COMPLEMENTOFALL).
// Never for a session that carries credentials or mail. Also used for the
// certificate of a server that offers only versions a send refuses (TLS-02).
// Errors: unavailable when the local OpenSSL cannot offer `version`.
Result<void> open_for_measuring(ssl_ctx_st* ctx, int version);

} // namespace peermail::transport
