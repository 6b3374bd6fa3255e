// SPDX-License-Identifier: GPL-3.0-or-later
#include "tls_policy.hpp"

#include "tls_info.hpp"
#include "transport.hpp"

#include <peermail/util/fs.hpp>

#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <array>

namespace peermail::transport {

namespace {

bool
is_ip(const std::string& host)
{
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// RFC 7817 §3 / RFC 9525: DNS-ID only; a wildcard only as the whole left-most
// label.
constexpr unsigned k_host_flags =
  X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;

} // namespace

TlsPolicy
tls_policy(const config::Account& a)
{
  TlsPolicy p;
  p.account = a.name;
  p.host = a.host;
  p.min_version = a.min_tls == config::TlsVersion::v1_3 ? 13 : 12;
  p.ca_file = a.ca_file;
  p.pin_sha256 = a.pin_sha256;
  return p;
}

Result<void>
apply_tls_policy(void* ssl_ctx, const TlsPolicy& p, bool verify_host)
{
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  if (SSL_CTX_set_min_proto_version(ctx, p.min_version >= 13 ? TLS1_3_VERSION : TLS1_2_VERSION)
      != 1) {
    return fail(Errc::internal, "OpenSSL: cannot set the minimum TLS version");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (!p.ca_file.empty()) {
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(ctx, p.ca_file.c_str(), nullptr) != 1) {
      std::array<char, 256> why{};
      ERR_error_string_n(ERR_peek_last_error(), why.data(), why.size());
      ERR_clear_error();
      return fail(Errc::config,
                  fmt::format("account.{}.ca_file = \"{}\" cannot be loaded as CA certificates "
                              "({})",
                              p.account,
                              p.ca_file,
                              why[0] != '\0' ? why.data() : "no certificate in it"),
                  "TLS-04",
                  "point ca_file at a readable PEM file holding the CA certificate(s), or "
                  "remove it to use the system trust store");
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return fail(Errc::config, "the system trust store cannot be read");
  }
  if (verify_host) {
    X509_VERIFY_PARAM* vp = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(vp, k_host_flags);
    const int ok = is_ip(p.host) ? X509_VERIFY_PARAM_set1_ip_asc(vp, p.host.c_str())
                                 : X509_VERIFY_PARAM_set1_host(vp, p.host.c_str(), p.host.size());
    if (ok != 1) {
      return fail(Errc::internal, "OpenSSL: cannot set the expected host name");
    }
  }
  return {};
}

std::string
spki_sha256_base64(const void* x509)
{
  auto* cert = static_cast<X509*>(const_cast<void*>(x509));
  if (cert == nullptr) {
    return {};
  }
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) {
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  std::string out;
  if (len > 0 && der != nullptr) {
    out = util::base64_encode(util::sha256_raw(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len))));
  }
  OPENSSL_free(der);
  return out;
}

TlsJudgement
judge_tls(const void* ssl_ptr, const TlsPolicy& p)
{
  TlsJudgement j;
  const auto* ssl = static_cast<const SSL*>(ssl_ptr);
  if (ssl == nullptr) {
    j.chain_error = "no TLS session";
    return j;
  }
  j.version = tls_version_number(SSL_get_version(ssl));
  j.version_ok = j.version >= p.min_version;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    j.chain_error = "no certificate";
    return j;
  }
  const long vr = SSL_get_verify_result(ssl);
  j.chain_ok = vr == X509_V_OK;
  j.chain_error = X509_verify_cert_error_string(vr);
  j.host_ok = is_ip(p.host)
                ? X509_check_ip_asc(leaf, p.host.c_str(), 0) == 1
                : X509_check_host(leaf, p.host.c_str(), p.host.size(), k_host_flags, nullptr) == 1;
  j.spki_sha256 = spki_sha256_base64(leaf);
  j.pin_ok = p.pin_sha256.empty() || (!j.spki_sha256.empty() && j.spki_sha256 == p.pin_sha256);
  return j;
}

} // namespace peermail::transport

namespace peermail::transport {

Result<void>
check_tls_files(const config::Account& account)
{
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return fail(Errc::internal, "OpenSSL: cannot create a context");
  }
  auto r = apply_tls_policy(ctx, tls_policy(account), true);
  SSL_CTX_free(ctx);
  return r;
}

} // namespace peermail::transport
