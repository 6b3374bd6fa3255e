// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/crypto/signature.hpp>

#include <doctest/doctest.h>
#include <gpgme.h>

using namespace peermail::crypto;

TEST_SUITE("peermail::crypto::signature")
{
  TEST_CASE("classify_status: error codes and summary bits")
  {
    CHECK(classify_status(GPG_ERR_NO_ERROR, GPGME_SIGSUM_VALID | GPGME_SIGSUM_GREEN)
          == SigStatus::good);
    CHECK(classify_status(GPG_ERR_NO_ERROR, 0) == SigStatus::good);
    CHECK(classify_status(GPG_ERR_BAD_SIGNATURE, 0) == SigStatus::bad);
    CHECK(classify_status(GPG_ERR_NO_ERROR, GPGME_SIGSUM_RED) == SigStatus::bad);
    CHECK(classify_status(GPG_ERR_NO_PUBKEY, GPGME_SIGSUM_KEY_MISSING) == SigStatus::no_key);
    CHECK(classify_status(GPG_ERR_KEY_EXPIRED, GPGME_SIGSUM_KEY_EXPIRED) == SigStatus::key_expired);
    CHECK(classify_status(GPG_ERR_NO_ERROR, GPGME_SIGSUM_KEY_EXPIRED) == SigStatus::key_expired);
    CHECK(classify_status(GPG_ERR_CERT_REVOKED, 0) == SigStatus::key_revoked);
    CHECK(classify_status(GPG_ERR_NO_ERROR, GPGME_SIGSUM_KEY_REVOKED) == SigStatus::key_revoked);
    CHECK(classify_status(GPG_ERR_SIG_EXPIRED, 0) == SigStatus::sig_expired);
    CHECK(classify_status(GPG_ERR_CERT_EXPIRED, 0) == SigStatus::key_expired);
    CHECK(classify_status(GPG_ERR_UNUSABLE_PUBKEY, 0) == SigStatus::error);
    CHECK(to_string(SigStatus::no_key) == "no-key");
  }

  TEST_CASE("signature_trusted: VALID, or GREEN with full/ultimate validity")
  {
    SignatureFacts s;
    s.status = SigStatus::good;
    s.summary = GPGME_SIGSUM_VALID | GPGME_SIGSUM_GREEN;
    s.validity = GPGME_VALIDITY_ULTIMATE;
    CHECK(signature_trusted(s));

    SUBCASE("a certificate judged untrusted (S/MIME: no anchor, key usage) is never trusted")
    {
      s.untrusted_reason = "no S/MIME trust anchor is configured ([smime] anchors)";
      CHECK_FALSE(signature_trusted(s));
    }

    SUBCASE("GREEN with full validity")
    {
      s.summary = GPGME_SIGSUM_GREEN;
      s.validity = GPGME_VALIDITY_FULL;
      CHECK(signature_trusted(s));
    }
    SUBCASE("GREEN with marginal validity")
    {
      s.summary = GPGME_SIGSUM_GREEN;
      s.validity = GPGME_VALIDITY_MARGINAL;
      CHECK_FALSE(signature_trusted(s));
    }
    SUBCASE("good math but unknown validity (summary 0)")
    {
      s.summary = 0;
      s.validity = GPGME_VALIDITY_UNKNOWN;
      CHECK_FALSE(signature_trusted(s));
    }
    SUBCASE("VALID but the key was revoked")
    {
      s.summary |= GPGME_SIGSUM_KEY_REVOKED;
      CHECK_FALSE(signature_trusted(s));
    }
    SUBCASE("wrong key usage")
    {
      s.wrong_key_usage = true;
      CHECK_FALSE(signature_trusted(s));
    }
    SUBCASE("not good")
    {
      s.status = SigStatus::key_expired;
      CHECK_FALSE(signature_trusted(s));
    }
  }

  TEST_CASE("micalg_for and hash_is_weak: SHA-256 or stronger")
  {
    CHECK(micalg_for(GPGME_MD_SHA256).value() == "pgp-sha256");
    CHECK(micalg_for(GPGME_MD_SHA384).value() == "pgp-sha384");
    CHECK(micalg_for(GPGME_MD_SHA512).value() == "pgp-sha512");
    CHECK_FALSE(micalg_for(GPGME_MD_SHA1).has_value());
    CHECK_FALSE(micalg_for(GPGME_MD_MD5).has_value());
    CHECK_FALSE(micalg_for(GPGME_MD_RMD160).has_value());
    CHECK(hash_is_weak(GPGME_MD_SHA1));
    CHECK(hash_is_weak(GPGME_MD_MD5));
    CHECK(hash_is_weak(0));
    CHECK_FALSE(hash_is_weak(GPGME_MD_SHA256));
    CHECK_FALSE(hash_is_weak(GPGME_MD_SHA512));
    CHECK(hash_name(GPGME_MD_SHA256) == "SHA256");
  }

  TEST_CASE("normalize_address")
  {
    CHECK(normalize_address("Ana Ruiz <Ana@Clinic.Example>") == "ana@clinic.example");
    CHECK(normalize_address(" sam@h.test ") == "sam@h.test");
  }
}
