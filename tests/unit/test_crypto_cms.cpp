// SPDX-License-Identifier: GPL-3.0-or-later
// The certificate judgements of S/MIME verification (RFC 8550), over the
// certificates in tests/fixtures/smime (see its README.md).
#include <peermail/crypto/cms.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using namespace peermail::crypto;

namespace {

std::string
fixture(const std::string& name)
{
  auto r = util::read_file(std::string(PEERMAIL_SOURCE_DIR) + "/tests/fixtures/smime/" + name);
  REQUIRE(r.has_value());
  return *r;
}

CertFacts
facts_of(const std::string& name)
{
  auto certs = parse_anchor_bundle(fixture(name));
  REQUIRE(certs.has_value());
  REQUIRE(certs->size() == 1);
  auto f = cert_facts(certs->front().der);
  REQUIRE(f.has_value());
  return *f;
}

} // namespace

TEST_SUITE("peermail::crypto::cms")
{
  TEST_CASE("parse_anchor_bundle: roots, other certificates, and junk")
  {
    auto one = parse_anchor_bundle(fixture("ca.pem"));
    REQUIRE(one.has_value());
    REQUIRE(one->size() == 1);
    CHECK(one->front().root);
    CHECK(one->front().fingerprint.size() == 40);
    CHECK(one->front().fingerprint.find_first_not_of("0123456789ABCDEF") == std::string::npos);

    auto two = parse_anchor_bundle(fixture("ca.pem") + fixture("san.pem"));
    REQUIRE(two.has_value());
    REQUIRE(two->size() == 2);
    CHECK((*two)[0].root);
    CHECK_FALSE((*two)[1].root); // a leaf is never an anchor

    CHECK_FALSE(parse_anchor_bundle("").has_value());
    CHECK_FALSE(parse_anchor_bundle("not a certificate\n").has_value());
    // A line cut out of the middle: the DER inside no longer parses.
    auto pem = fixture("ca.pem");
    const auto cut = pem.find('\n', pem.size() / 2);
    REQUIRE(cut != std::string::npos);
    pem.erase(cut + 1, pem.find('\n', cut + 1) - cut);
    CHECK_FALSE(parse_anchor_bundle(pem).has_value());
  }

  TEST_CASE("cert_addresses: subjectAltName first, the subject's emailAddress only without one")
  {
    const auto san = facts_of("san.pem");
    CHECK(san.subject_emails == std::vector<std::string>{"subject@clinic.test"});
    CHECK(cert_addresses(san)
          == std::vector<std::string>{"ana@clinic.test", "ana.ruiz@clinic.test"});
    const auto legacy = facts_of("legacy.pem");
    CHECK(legacy.san_emails.empty());
    CHECK(cert_addresses(legacy) == std::vector<std::string>{"subject@clinic.test"});
  }

  TEST_CASE("cert_facts: key usage, extKeyUsage emailProtection, strength")
  {
    CHECK(facts_of("san.pem").usage_problem.empty());
    CHECK(facts_of("legacy.pem").usage_problem.empty()); // no extensions: any use (RFC 8550)
    CHECK(facts_of("server-eku.pem").usage_problem.find("emailProtection") != std::string::npos);
    CHECK(facts_of("keyenc-only.pem").usage_problem.find("keyUsage") != std::string::npos);
    CHECK(facts_of("san.pem").weak_key.empty());
    CHECK(facts_of("weak.pem").weak_key.find("1024") != std::string::npos);
    CHECK_FALSE(cert_facts("garbage").has_value());
  }

  TEST_CASE("identify_cms: by content, never by a header")
  {
    CHECK(identify_cms("") == CmsKind::other);
    CHECK(identify_cms("hello world") == CmsKind::other);
    auto der = parse_anchor_bundle(fixture("ca.pem"));
    REQUIRE(der.has_value());
    CHECK(identify_cms(der->front().der) == CmsKind::other); // a certificate is no message
  }

  TEST_CASE("cert_facts: may mail be encrypted to it (keyEncipherment, emailProtection)")
  {
    CHECK(facts_of("keyenc-only.pem").encrypt_usage_problem.empty());
    CHECK(facts_of("legacy.pem").encrypt_usage_problem.empty()); // no extensions: any use
    CHECK(facts_of("san.pem").encrypt_usage_problem
          == "the certificate's keyUsage allows neither keyEncipherment nor keyAgreement");
    CHECK(facts_of("server-eku.pem").encrypt_usage_problem
          == "the certificate's extKeyUsage does not include emailProtection");
  }

  TEST_CASE("cert_facts: validity period and SHA-256 fingerprint")
  {
    const auto f = facts_of("san.pem");
    CHECK(f.not_before > 1600000000); // made in 2026
    CHECK(f.not_after > f.not_before);
    CHECK(f.sha256.size() == 64);
    CHECK(f.sha256.find_first_not_of("0123456789ABCDEF") == std::string::npos);
    CHECK(f.sha256 != facts_of("legacy.pem").sha256);
  }
}
