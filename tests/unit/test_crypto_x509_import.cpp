// SPDX-License-Identifier: GPL-3.0-or-later
// What `keys import` takes a file for (by content, never by name), and what
// it reads from PEM, DER and PKCS #12 (tests/fixtures/smime/README.md).
#include <peermail/crypto/x509_import.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

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
    REQUIRE(again->certs.size() == 1); // the chain is imported on its own
    CHECK(again->certs[0] == ok->certs[0]);
    CHECK_FALSE(open_pkcs12(ok->for_gpgsm, Secret("not-it")).has_value());
  }

  // gpgsm 2.2's PKCS #12 reader rejects about one file in fifty for its
  // salts (and some certificates it meets encrypted): the certificates, which
  // are public, go unencrypted, and each encoding has fresh salts so that a
  // second try is a new file.
  TEST_CASE("open_pkcs12: for gpgsm, certificates in clear and fresh salts each time")
  {
    const auto p12 = fixture("smime/import-chain.p12");
    auto one = open_pkcs12(p12, Secret("import-test"));
    auto two = open_pkcs12(p12, Secret("import-test"));
    REQUIRE(one.has_value());
    REQUIRE(two.has_value());
    CHECK(one->for_gpgsm != two->for_gpgsm);

    const auto* p = reinterpret_cast<const unsigned char*>(one->for_gpgsm.data());
    PKCS12* parsed = d2i_PKCS12(nullptr, &p, static_cast<long>(one->for_gpgsm.size()));
    REQUIRE(parsed != nullptr);
    STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(parsed);
    REQUIRE(safes != nullptr);
    int encrypted = 0;
    int shrouded = 0;
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
      PKCS7* safe = sk_PKCS7_value(safes, i);
      if (PKCS7_type_is_encrypted(safe)) {
        ++encrypted;
        continue;
      }
      STACK_OF(PKCS12_SAFEBAG)* bags = PKCS12_unpack_p7data(safe);
      REQUIRE(bags != nullptr);
      for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags); ++j) {
        shrouded +=
          PKCS12_SAFEBAG_get_nid(sk_PKCS12_SAFEBAG_value(bags, j)) == NID_pkcs8ShroudedKeyBag;
      }
      sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(parsed);
    CHECK(encrypted == 0);
    CHECK(shrouded == 1); // the key stays encrypted under the passphrase
  }
}

namespace {

PKCS12*
parse_p12(const std::string& der)
{
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return d2i_PKCS12(nullptr, &p, static_cast<long>(der.size()));
}

std::string
der_of_p12(PKCS12* p12)
{
  unsigned char* buf = nullptr;
  const int n = i2d_PKCS12(p12, &buf);
  REQUIRE(n > 0);
  std::string out(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return out;
}

// The fixture's key and its certificate, freed at the end of the scope.
struct FixtureKey
{
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  FixtureKey()
  {
    PKCS12* in = parse_p12(fixture("smime/import-chain.p12"));
    REQUIRE(in != nullptr);
    const int ok = PKCS12_parse(in, "import-test", &key, &cert, nullptr);
    PKCS12_free(in);
    REQUIRE(ok == 1);
  }
  ~FixtureKey()
  {
    EVP_PKEY_free(key);
    X509_free(cert);
  }
  FixtureKey(const FixtureKey&) = delete;
  FixtureKey& operator=(const FixtureKey&) = delete;
};

// The fixture's key and certificate packed again with `key_iter`,
// `cert_iter` and `mac_iter` iterations (passphrase "import-test").
std::string
repacked(int key_iter, int cert_iter, int mac_iter)
{
  const FixtureKey fx;
  EVP_PKEY* key = fx.key;
  X509* cert = fx.cert;
  const int pbe = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
  // PKCS12_create takes one count for key and certificates: built by hand.
  STACK_OF(PKCS12_SAFEBAG)* bags = sk_PKCS12_SAFEBAG_new_null();
  REQUIRE(PKCS12_add_cert(&bags, cert) != nullptr);
  STACK_OF(PKCS7)* safes = sk_PKCS7_new_null();
  REQUIRE(PKCS12_add_safe(&safes, bags, pbe, cert_iter, "import-test") == 1);
  sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
  bags = sk_PKCS12_SAFEBAG_new_null();
  REQUIRE(PKCS12_add_key(&bags, key, 0, key_iter, pbe, "import-test") != nullptr);
  REQUIRE(PKCS12_add_safe(&safes, bags, -1, 0, nullptr) == 1);
  sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
  PKCS12* out = PKCS12_add_safes(safes, 0);
  sk_PKCS7_pop_free(safes, PKCS7_free);
  REQUIRE(out != nullptr);
  REQUIRE(PKCS12_set_mac(out, "import-test", -1, nullptr, 0, mac_iter, EVP_sha1()) == 1);
  std::string der = der_of_p12(out);
  PKCS12_free(out);
  return der;
}

} // namespace

TEST_SUITE("peermail::crypto::x509_import")
{
  // A hostile .p12 names billions of iterations: refused before the work.
  TEST_CASE("open_pkcs12: a MAC asking for 2^31-1 iterations is refused before it runs")
  {
    PKCS12* p12 = parse_p12(fixture("smime/import-chain.p12"));
    REQUIRE(p12 != nullptr);
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
    REQUIRE(iter != nullptr);
    REQUIRE(ASN1_INTEGER_set_int64(const_cast<ASN1_INTEGER*>(iter), 2147483647) == 1);
    const std::string hostile = der_of_p12(p12);
    PKCS12_free(p12);

    auto r = open_pkcs12(hostile, Secret("import-test"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::data);
    CHECK(r.error().message.find("integrity check asks for 2147483647") != std::string::npos);
  }

  TEST_CASE("open_pkcs12: each key derivation is held to the cap: MAC, contents, key")
  {
    CHECK(open_pkcs12(repacked(100, 100, 100), Secret("import-test"), 100).has_value());
    const auto over = [](const std::string& der) {
      auto r = open_pkcs12(der, Secret("import-test"), 100);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Errc::data);
      return r.error().message;
    };
    CHECK(over(repacked(100, 100, 101)).find("integrity check asks for 101 ") != std::string::npos);
    CHECK(over(repacked(100, 101, 100)).find("encrypted contents asks for 101 ")
          != std::string::npos);
    CHECK(over(repacked(101, 100, 100)).find("key asks for 101 ") != std::string::npos);
    // A wrong passphrase is still the passphrase's refusal (77), not a cost.
    auto wrong = open_pkcs12(repacked(100, 100, 100), Secret("not-it"), 100);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == Errc::auth);
  }
}

TEST_SUITE("peermail::crypto::x509_import")
{
  // The attack review's findings: a key of another kind decoded at any cost,
  // copies of a safe multiplying the work, a key without its certificate.
  TEST_CASE("open_pkcs12: only RSA, named-curve EC and EdDSA keys are decoded")
  {
    EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    REQUIRE(x25519 != nullptr);
    const FixtureKey fx;
    EVP_PKEY* key = fx.key;
    X509* cert = fx.cert;
    for (const int key_nid : {NID_pbe_WithSHA1And3_Key_TripleDES_CBC, -1}) {
      CAPTURE(key_nid);
      PKCS12* p12 =
        PKCS12_create("import-test", nullptr, x25519, nullptr, nullptr, key_nid, -1, 100, 100, 0);
      REQUIRE(p12 != nullptr);
      auto r = open_pkcs12(der_of_p12(p12), Secret("import-test"));
      PKCS12_free(p12);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message.find("holds a X25519 key; peermail imports RSA, EC on a named curve")
            != std::string::npos);
    }
    // The key without its own certificate, beside another one: refused
    // before gpgsm could store the key alone.
    STACK_OF(X509)* other = sk_X509_new_null();
    REQUIRE(other != nullptr);
    X509_up_ref(cert);
    sk_X509_push(other, cert);
    PKCS12* mismatch =
      PKCS12_create("import-test", nullptr, key, nullptr, other, -1, -1, 100, 100, 0);
    REQUIRE(mismatch != nullptr);
    EVP_PKEY* stranger = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    REQUIRE(stranger != nullptr);
    PKCS12* wrong_key =
      PKCS12_create("import-test", nullptr, stranger, nullptr, other, -1, -1, 100, 100, 0);
    REQUIRE(wrong_key != nullptr);
    auto r = open_pkcs12(der_of_p12(wrong_key), Secret("import-test"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::data);
    CHECK(r.error().message.find("key belongs to none of its certificates") != std::string::npos);
    CHECK(open_pkcs12(der_of_p12(mismatch), Secret("import-test")).has_value());
    PKCS12_free(wrong_key);
    PKCS12_free(mismatch);
    EVP_PKEY_free(stranger);
    sk_X509_pop_free(other, X509_free);
    EVP_PKEY_free(x25519);
  }

  TEST_CASE("open_pkcs12: copies of an encrypted safe do not multiply the work")
  {
    const FixtureKey fx;
    EVP_PKEY* key = fx.key;
    X509* cert = fx.cert;
    const int pbe = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
    const auto with_safes = [&](int copies) {
      STACK_OF(PKCS7)* safes = sk_PKCS7_new_null();
      for (int i = 0; i < copies; ++i) {
        STACK_OF(PKCS12_SAFEBAG)* bags = sk_PKCS12_SAFEBAG_new_null();
        REQUIRE(PKCS12_add_cert(&bags, cert) != nullptr);
        REQUIRE(PKCS12_add_safe(&safes, bags, pbe, 1, "import-test") == 1);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
      }
      STACK_OF(PKCS12_SAFEBAG)* bags = sk_PKCS12_SAFEBAG_new_null();
      REQUIRE(PKCS12_add_key(&bags, key, 0, 1, pbe, "import-test") != nullptr);
      REQUIRE(PKCS12_add_safe(&safes, bags, -1, 0, nullptr) == 1);
      sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
      PKCS12* out = PKCS12_add_safes(safes, 0);
      sk_PKCS7_pop_free(safes, PKCS7_free);
      REQUIRE(out != nullptr);
      REQUIRE(PKCS12_set_mac(out, "import-test", -1, nullptr, 0, 1, EVP_sha1()) == 1);
      std::string der = der_of_p12(out);
      PKCS12_free(out);
      return der;
    };
    // MAC + 6 safes + key = 8 derivations: taken; MAC + 8 safes + key: not.
    CHECK(open_pkcs12(with_safes(6), Secret("import-test")).has_value());
    auto r = open_pkcs12(with_safes(8), Secret("import-test"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::data);
    CHECK(r.error().message.find("more key derivation than a key and its certificates need")
          != std::string::npos);
  }
}
