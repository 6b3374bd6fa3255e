// SPDX-License-Identifier: GPL-3.0-or-later
// Enumerating the versions and cipher suites a server offers: offer a list,
// record the server's choice, remove it, repeat (the way testssl.sh and
// sslscan do it with a full TLS stack), one connection per handshake.
#include "tls_offer.hpp"

#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace peermail::transport {

namespace {

// PSK and SRP suites need a shared secret the probe does not have; a server
// can never choose them, so they are not offered (as testssl.sh).
constexpr const char* k_all_suites = "ALL:COMPLEMENTOFALL:!PSK:!SRP";
constexpr const char* k_tls13_suites[] = {"TLS_AES_256_GCM_SHA384",
                                          "TLS_CHACHA20_POLY1305_SHA256",
                                          "TLS_AES_128_GCM_SHA256",
                                          "TLS_AES_128_CCM_SHA256",
                                          "TLS_AES_128_CCM_8_SHA256"};
constexpr int k_versions[] = {13, 12, 11, 10}; // most likely first

int
openssl_version(int v)
{
  switch (v) {
  case 10:
    return TLS1_VERSION;
  case 11:
    return TLS1_1_VERSION;
  case 12:
    return TLS1_2_VERSION;
  default:
    return TLS1_3_VERSION;
  }
}

std::string
sn(int nid)
{
  const char* s = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
  return s != nullptr ? s : "";
}

OfferedSuite
describe(const SSL_CIPHER* c, int version)
{
  OfferedSuite s;
  s.version = version;
  const char* std_name = SSL_CIPHER_standard_name(c);
  s.openssl_name = SSL_CIPHER_get_name(c);
  s.name = std_name != nullptr ? std_name : s.openssl_name;
  const int kx = SSL_CIPHER_get_kx_nid(c);
  s.kx = kx == NID_kx_rsa     ? "RSA"
         : kx == NID_kx_ecdhe ? "ECDHE"
         : kx == NID_kx_dhe   ? "DHE"
         : kx == NID_kx_any   ? "any"
                              : sn(kx);
  s.anonymous = SSL_CIPHER_get_auth_nid(c) == NID_auth_null;
  const int enc = SSL_CIPHER_get_cipher_nid(c);
  s.null_cipher = enc == NID_undef;
  s.cipher = s.null_cipher ? "NULL" : sn(enc);
  s.aead = SSL_CIPHER_is_aead(c) == 1;
  s.mac = s.aead ? "AEAD" : sn(SSL_CIPHER_get_digest_nid(c));
  s.bits = SSL_CIPHER_get_bits(c, nullptr);
  return s;
}

std::string
exclusions(const std::vector<std::string>& seen, const char* sep, const char* prefix)
{
  std::string out;
  for (const auto& n : seen) {
    out.append(sep).append(prefix).append(n);
  }
  return out;
}

struct CtxFree
{
  void
  operator()(SSL_CTX* c) const
  {
    SSL_CTX_free(c);
  }
};

// A measuring context for `version` offering every suite not in `seen`
// (OpenSSL names; IANA names for TLS 1.3). Null when nothing is left to offer.
std::unique_ptr<SSL_CTX, CtxFree>
offer_ctx(int version, const std::vector<std::string>& seen)
{
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx || !open_for_measuring(ctx.get(), version)) {
    return nullptr;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (version == 13) {
    std::string list;
    for (const char* s : k_tls13_suites) {
      if (std::find(seen.begin(), seen.end(), s) == seen.end()) {
        list.append(list.empty() ? "" : ":").append(s);
      }
    }
    if (list.empty() || SSL_CTX_set_ciphersuites(ctx.get(), list.c_str()) != 1) {
      return nullptr;
    }
  } else {
    const std::string list =
      fmt::format("{}{}:@SECLEVEL=0", k_all_suites, exclusions(seen, ":", "!"));
    if (SSL_CTX_set_cipher_list(ctx.get(), list.c_str()) != 1) {
      return nullptr; // every suite of this version already seen
    }
  }
  ERR_clear_error();
  return ctx;
}

// The suite families testssl.sh rates that the local OpenSSL may lack.
std::vector<std::string>
untestable_families()
{
  std::vector<std::string> out;
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  for (const char* family : {"RC4", "DES", "3DES", "IDEA", "SEED"}) {
    if (!ctx
        || SSL_CTX_set_cipher_list(ctx.get(), fmt::format("{}:@SECLEVEL=0", family).c_str()) != 1) {
      out.emplace_back(family);
    }
  }
  out.emplace_back("EXPORT"); // removed from OpenSSL 1.1.0
  ERR_clear_error();
  return out;
}

bool
local_cannot(const Error& e)
{
  return e.message.find("no protocols available") != std::string::npos
         || e.message.find("no ciphers available") != std::string::npos;
}

} // namespace

Result<void>
open_for_measuring(SSL_CTX* ctx, int version)
{
  SSL_CTX_set_security_level(ctx, 0);
  const int v = openssl_version(version);
  if (SSL_CTX_set_min_proto_version(ctx, v) != 1 || SSL_CTX_set_max_proto_version(ctx, v) != 1
      || SSL_CTX_set_cipher_list(ctx, fmt::format("{}:@SECLEVEL=0", k_all_suites).c_str()) != 1) {
    ERR_clear_error();
    return fail(Errc::unavailable,
                fmt::format("the local OpenSSL cannot offer TLS 1.{}", version - 10));
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return {};
}

VersionOffer
version_offer(const TlsOffer& o, int version)
{
  return version >= 10 && version <= 13 ? o.versions[version - 10] : VersionOffer::not_measured;
}

TlsOffer
enumerate_offer(const Handshake& handshake, const OfferLimits& limits)
{
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + limits.max_time;
  TlsOffer o;
  o.measured = true;
  o.untestable = untestable_families();
  for (const int version : k_versions) {
    std::vector<std::string> seen;
    VersionOffer& verdict = o.versions[version - 10];
    for (;;) {
      if (o.connections >= limits.max_connections || Clock::now() >= deadline) {
        o.incomplete = fmt::format(
          "stopped after {} connections ({} at most, {} s at most); versions and suites not "
          "reached are not measured",
          o.connections,
          limits.max_connections,
          limits.max_time.count());
        return o;
      }
      auto ctx = offer_ctx(version, seen);
      if (!ctx) {
        if (seen.empty()) {
          verdict = VersionOffer::not_testable;
        }
        break; // nothing left to offer: every suite of this version measured
      }
      ++o.connections;
      std::optional<OfferedSuite> chosen;
      auto r = handshake(ctx.get(), [&](SSL* ssl) {
        if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl); c != nullptr) {
          chosen = describe(c, version);
        }
      });
      if (!r) {
        if (seen.empty()) {
          verdict =
            local_cannot(r.error()) ? VersionOffer::not_testable : VersionOffer::not_offered;
        }
        if (r.error().code == Errc::temp) {
          // The server stopped answering or refused the connection: what
          // was not reached is not measured, rather than "not offered".
          if (seen.empty()) {
            verdict = VersionOffer::not_measured;
          }
          o.incomplete =
            fmt::format("stopped after {} connections: {}", o.connections, r.error().message);
          return o;
        }
        break;
      }
      verdict = VersionOffer::offered;
      if (!chosen) {
        break;
      }
      const std::string key = version == 13 ? chosen->name : chosen->openssl_name;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        break; // chosen although not offered: stop rather than loop
      }
      seen.push_back(key);
      o.suites.push_back(std::move(*chosen));
    }
  }
  return o;
}

} // namespace peermail::transport
