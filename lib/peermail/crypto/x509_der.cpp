// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509_der.hpp"

#include <fmt/core.h>

namespace peermail::crypto {

std::string
der_of(X509* x)
{
  unsigned char* buf = nullptr;
  const int n = i2d_X509(x, &buf);
  if (n <= 0) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return out;
}

std::string
hex_upper(const unsigned char* p, unsigned n)
{
  std::string out;
  out.reserve(2U * n);
  for (unsigned i = 0; i < n; ++i) {
    out += fmt::format("{:02X}", p[i]);
  }
  return out;
}

} // namespace peermail::crypto
