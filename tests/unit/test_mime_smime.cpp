// SPDX-License-Identifier: GPL-3.0-or-later
// S/MIME framing (mime/smime_mime.hpp): what OpenSSL and mail readers parse.
#include <peermail/mime/smime_mime.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using namespace peermail::mime;

TEST_SUITE("peermail::mime::smime")
{
  TEST_CASE("base64_lines: CRLF lines of at most 76 characters, nothing lost")
  {
    const std::string der(200, '\x81');
    const std::string b = base64_lines(der);
    std::string joined;
    std::size_t start = 0;
    while (start < b.size()) {
      const auto end = b.find("\r\n", start);
      REQUIRE(end != std::string::npos);
      CHECK(end - start <= 76);
      joined += b.substr(start, end - start);
      start = end + 2;
    }
    CHECK(joined == util::base64_encode(der));
    CHECK(base64_lines("").empty());
  }

  TEST_CASE("smime_signed_entity: the inner entity exactly as signed, then the signature")
  {
    const std::string inner = "Content-Type: text/plain; protected-headers=v1\r\n\r\nhello\r\n";
    const std::string e = smime_signed_entity(inner, "SIG", "sha-256");
    CHECK(e.rfind("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
                  " micalg=sha-256; boundary=\"",
                  0)
          == 0);
    const auto b0 = e.find("boundary=\"") + 10;
    const std::string boundary = e.substr(b0, e.find('"', b0) - b0);
    // RFC 8551 §3.5.3: the first part is the signed bytes; the CRLF before
    // the next delimiter belongs to the delimiter.
    CHECK(e.find("--" + boundary + "\r\n" + inner + "\r\n--" + boundary + "\r\n")
          != std::string::npos);
    CHECK(e.find("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n")
          != std::string::npos);
    CHECK(e.find("\r\n\r\nU0lH\r\n\r\n--" + boundary + "--\r\n") != std::string::npos);
  }

  TEST_CASE("assemble_smime_enveloped: outer headers, then application/pkcs7-mime")
  {
    Prepared p;
    p.outer_headers = "From: a@b.test\r\nSubject: [...]\r\nMIME-Version: 1.0\r\n";
    const std::string m = assemble_smime_enveloped(p, "DER");
    CHECK(m
          == "From: a@b.test\r\nSubject: [...]\r\nMIME-Version: 1.0\r\n"
             "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n"
             " name=\"smime.p7m\"\r\n"
             "Content-Transfer-Encoding: base64\r\n"
             "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
             "Content-Description: S/MIME Encrypted Message\r\n\r\n"
             "REVS\r\n");
  }
}
