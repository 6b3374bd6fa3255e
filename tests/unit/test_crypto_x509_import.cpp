// SPDX-License-Identifier: GPL-3.0-or-later
// What `keys import` takes a file for (by content, never by name), and what
// it reads from PEM, DER and PKCS #12 (tests/fixtures/smime/README.md).
#include <peermail/crypto/x509_import.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using namespace peermail::crypto;

namespace {

std::string
fixture(const std::string& name)
{
  auto r = util::read_file(std::string(PEERMAIL_SOURCE_DIR) + "/tests/fixtures/" + name);
  REQUIRE(r.has_value());
  return *r;
}

} // namespace

TEST_SUITE("peermail::crypto::x509_import")
{
  TEST_CASE("detect_key_file: by content")
  {
    CHECK(detect_key_file(fixture("smime/import-chain.p12")).kind == KeyFileKind::pkcs12);
    CHECK(detect_key_file(fixture("smime/import-sam.der")).kind == KeyFileKind::der_certificate);
    CHECK(detect_key_file(fixture("smime/import-chain.pem")).kind == KeyFileKind::pem_certificates);
    CHECK(detect_key_file(fixture("smime/san.pem")).kind == KeyFileKind::pem_certificates);
    CHECK(detect_key_file("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n").kind
          == KeyFileKind::openpgp);
    CHECK(detect_key_file(std::string("\x99\x01\x0d\x04", 4)).kind == KeyFileKind::openpgp);

    auto empty = detect_key_file("");
    CHECK(empty.kind == KeyFileKind::unknown);
    CHECK(empty.looked_like == "an empty file");
    auto text = detect_key_file("Dear Sam,\nhere is my key\n");
    CHECK(text.kind == KeyFileKind::unknown);
    CHECK(text.looked_like == "text without OpenPGP armor or a PEM CERTIFICATE block");
    auto other = detect_key_file("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
    CHECK(other.kind == KeyFileKind::unknown);
    CHECK(other.looked_like == "a PEM block of another kind (-----BEGIN PRIVATE KEY-----)");
    // A DER certificate with a byte more, or cut short, is neither.
    auto der = fixture("smime/import-sam.der");
    CHECK(detect_key_file(der + "x").kind == KeyFileKind::unknown);
    auto cut = detect_key_file(der.substr(0, der.size() - 1));
    CHECK(cut.kind == KeyFileKind::unknown);
    CHECK(cut.looked_like == "DER (ASN.1) data that is neither an X.509 certificate nor PKCS #12");
    CHECK(detect_key_file(std::string("\x01\x02\x03", 3)).looked_like
          == "binary data that is neither OpenPGP, a DER X.509 certificate nor PKCS #12");
  }

  TEST_CASE("pem_certificates: every block, garbage between them ignored")
  {
    auto certs = pem_certificates(fixture("smime/import-chain.pem"));
    REQUIRE(certs.has_value());
    REQUIRE(certs->size() == 2);
    CHECK((*certs)[0] == fixture("smime/import-sam.der"));
    auto pem = fixture("smime/import-chain.pem");
    pem.erase(pem.find('\n', 100) + 1, 10); // damage the first block
    auto bad = pem_certificates(pem);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::data);
  }

  TEST_CASE("describe_certificate: fingerprints, subject, addresses, dates")
  {
    auto s = describe_certificate(fixture("smime/import-sam.der"));
    REQUIRE(s.has_value());
    CHECK(s->sha1.size() == 40);
    CHECK(s->sha256.size() == 64);
    CHECK(s->subject == "CN=Sam Lee");
    CHECK(s->issuer == "CN=Import Test CA");
    CHECK(s->addresses == std::vector<std::string>{"sam@import.test"});
    CHECK(s->not_after.size() == 10);
    CHECK_FALSE(s->ca);
    CHECK_FALSE(s->expired);
    CHECK(s->usage_problem.empty());
    CHECK(s->weak_key.empty());
  }

  TEST_CASE("open_pkcs12: the passphrase, the chain, re-encoded for gpgsm")
  {
    const auto p12 = fixture("smime/import-chain.p12");
    auto wrong = open_pkcs12(p12, Secret("not-it"));
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == Errc::auth);

    auto ok = open_pkcs12(p12, Secret("import-test"));
    REQUIRE(ok.has_value());
    CHECK(ok->has_key);
    REQUIRE(ok->certs.size() == 2);
    CHECK(ok->certs[0] == fixture("smime/import-sam.der")); // the key's certificate first
    CHECK(detect_key_file(ok->for_gpgsm).kind == KeyFileKind::pkcs12);
    auto again = open_pkcs12(ok->for_gpgsm, Secret("import-test"));
    REQUIRE(again.has_value());
    CHECK(again->certs == ok->certs);
    CHECK_FALSE(open_pkcs12(ok->for_gpgsm, Secret("not-it")).has_value());
  }
}
