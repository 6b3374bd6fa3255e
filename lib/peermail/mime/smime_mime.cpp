// SPDX-License-Identifier: GPL-3.0-or-later
#include "smime_mime.hpp"

#include <peermail/util/fs.hpp>

#include <fmt/core.h>

namespace peermail::mime {

std::string
base64_lines(std::string_view der)
{
  const std::string b64 = util::base64_encode(der);
  std::string out;
  out.reserve(b64.size() + b64.size() / 38 + 2);
  for (std::size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string
smime_signed_entity(std::string_view inner, std::string_view signature_der, std::string_view micalg)
{
  const std::string sig = base64_lines(signature_der);
  std::string avoid(inner);
  avoid += sig;
  std::string b = new_boundary();
  while (avoid.find(b) != std::string::npos) {
    b = new_boundary();
  }
  std::string out = fmt::format(
    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
    " micalg={}; boundary=\"{}\"\r\n\r\n",
    micalg,
    b);
  out += "This is a cryptographically signed message in MIME format.\r\n\r\n";
  // The first part is exactly the signed entity; the CRLF before the
  // boundary belongs to the delimiter.
  out += fmt::format("--{}\r\n", b);
  out += inner;
  out += fmt::format("\r\n--{}\r\n", b);
  out +=
    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
    "Content-Description: S/MIME Cryptographic Signature\r\n\r\n";
  out += sig;
  out += fmt::format("\r\n--{}--\r\n", b);
  return out;
}

std::string
assemble_smime_enveloped(const Prepared& p, std::string_view der)
{
  std::string out = p.outer_headers;
  out +=
    "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n"
    " name=\"smime.p7m\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
    "Content-Description: S/MIME Encrypted Message\r\n\r\n";
  out += base64_lines(der);
  return out;
}

} // namespace peermail::mime
