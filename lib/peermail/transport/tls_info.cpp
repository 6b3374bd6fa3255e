// SPDX-License-Identifier: GPL-3.0-or-later
#include "tls_info.hpp"

#include <peermail/util/fs.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace peermail::transport {

TlsInfo
tls_info_from_ssl(const void* ssl_ptr)
{
  TlsInfo info;
  const auto* ssl = static_cast<const SSL*>(ssl_ptr);
  if (ssl == nullptr) {
    return info;
  }
  info.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl); c != nullptr) {
    const char* name = SSL_CIPHER_standard_name(c);
    info.cipher = name != nullptr ? name : SSL_CIPHER_get_name(c);
  }
  if (X509* cert = SSL_get0_peer_certificate(ssl); cert != nullptr) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    if (len > 0 && der != nullptr) {
      info.peer_cert_sha256 = util::sha256_hex(
        std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
    }
    OPENSSL_free(der);
  }
  return info;
}

int
tls_version_number(std::string_view version)
{
  if (version == "TLSv1.3") {
    return 13;
  }
  if (version == "TLSv1.2") {
    return 12;
  }
  if (version == "TLSv1.1") {
    return 11;
  }
  if (version == "TLSv1" || version == "TLSv1.0") {
    return 10;
  }
  return 0;
}

} // namespace peermail::transport
