// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/verify/verify.hpp>

#include <doctest/doctest.h>
#include <gpgme.h>

using namespace peermail;
using namespace peermail::verify;

namespace {

crypto::SignatureFacts
good_sig(const std::string& address = "ana@clinic.test")
{
  crypto::SignatureFacts s;
  s.fingerprint = "F00";
  s.status = crypto::SigStatus::good;
  s.summary = GPGME_SIGSUM_VALID | GPGME_SIGSUM_GREEN;
  s.validity = GPGME_VALIDITY_FULL;
  s.hash_algo = GPGME_MD_SHA256;
  s.uids.push_back({"Ana <" + address + ">", address, GPGME_VALIDITY_FULL, false, false});
  return s;
}

VerifyReport
valid_report()
{
  VerifyReport r;
  r.signatures = {good_sig()};
  r.from = {"ana@clinic.test"};
  r.from_matches_signer = true;
  r.fully_covered = true;
  return r;
}

} // namespace

TEST_SUITE("peermail::verify")
{
  TEST_CASE("decide: valid only when every rule holds")
  {
    CHECK(decide(valid_report()) == Verdict::valid);
  }

  TEST_CASE("decide: each failure and the precedence between them")
  {
    VerifyReport r = valid_report();
    SUBCASE("malformed beats everything")
    {
      r.malformed = true;
      r.signatures.clear();
      CHECK(decide(r) == Verdict::malformed);
    }
    SUBCASE("encrypted but not decrypted")
    {
      r.encrypted = true;
      CHECK(decide(r) == Verdict::decrypt_failed);
    }
    SUBCASE("decrypted without integrity protection")
    {
      r.encrypted = true;
      r.decrypted = true;
      CHECK(decide(r) == Verdict::integrity_failure);
    }
    SUBCASE("integrity failure reported by decryption")
    {
      r.encrypted = true;
      r.integrity_failure = true;
      CHECK(decide(r) == Verdict::integrity_failure);
    }
    SUBCASE("zero signatures")
    {
      r.signatures.clear();
      r.fully_covered = false;
      CHECK(decide(r) == Verdict::unsigned_);
    }
    SUBCASE("one bad signature among good ones")
    {
      auto bad = good_sig();
      bad.status = crypto::SigStatus::bad;
      r.signatures.push_back(bad);
      r.fully_covered = false;
      CHECK(decide(r) == Verdict::bad_signature);
    }
    SUBCASE("untrusted key before signer mismatch")
    {
      r.signatures[0].summary = 0;
      r.signatures[0].validity = GPGME_VALIDITY_UNKNOWN;
      r.from_matches_signer = false;
      CHECK(decide(r) == Verdict::untrusted_key);
    }
    SUBCASE("signer mismatch before partially signed")
    {
      r.from_matches_signer = false;
      r.fully_covered = false;
      CHECK(decide(r) == Verdict::signer_mismatch);
    }
    SUBCASE("partially signed")
    {
      r.fully_covered = false;
      CHECK(decide(r) == Verdict::partially_signed);
    }
    SUBCASE("SHA-1")
    {
      r.signatures[0].hash_algo = GPGME_MD_SHA1;
      CHECK(decide(r) == Verdict::weak_hash);
    }
    SUBCASE("MD5")
    {
      r.signatures[0].hash_algo = GPGME_MD_MD5;
      CHECK(decide(r) == Verdict::weak_hash);
    }
  }

  TEST_CASE("from_matches_signer: exactly one From, a valid user ID for it")
  {
    const std::vector<crypto::SignatureFacts> sigs = {good_sig()};
    CHECK(from_matches_signer({"ana@clinic.test"}, sigs));
    CHECK_FALSE(from_matches_signer({}, sigs));
    CHECK_FALSE(from_matches_signer({"eve@evil.test"}, sigs));
    CHECK_FALSE(from_matches_signer({"ana@clinic.test", "eve@evil.test"}, sigs));
    auto revoked = sigs;
    revoked[0].uids[0].revoked = true;
    CHECK_FALSE(from_matches_signer({"ana@clinic.test"}, revoked));
    auto unverified = sigs;
    unverified[0].uids[0].validity = GPGME_VALIDITY_MARGINAL;
    CHECK_FALSE(from_matches_signer({"ana@clinic.test"}, unverified));
    // A second signer without a user ID for From (Mallory's signature beside
    // Ana's old one) breaks the match: every signer must be the sender.
    auto mixed = sigs;
    mixed.push_back(good_sig("mallory@clinic.test"));
    CHECK_FALSE(from_matches_signer({"ana@clinic.test"}, mixed));
    CHECK_FALSE(from_matches_signer({"ana@clinic.test"}, {}));
  }

  TEST_CASE("a signing key below the KEY-01 floor is not trusted")
  {
    VerifyReport r = valid_report();
    r.signatures[0].weak_key = "rsa1024 is below the policy minimum of 2048 bits";
    CHECK_FALSE(crypto::signature_trusted(r.signatures[0]));
    CHECK(decide(r) == Verdict::untrusted_key);
  }

  TEST_CASE("S/MIME: the same verdict model")
  {
    VerifyReport r = valid_report();
    r.protocol = "S/MIME";
    SUBCASE(
      "a certificate outside the configured anchors is untrusted-key, even if gpgsm said VALID")
    {
      r.signatures[0].untrusted_reason =
        "the certificate does not chain to a configured trust anchor ([smime] anchors)";
      CHECK(decide(r) == Verdict::untrusted_key);
    }
    SUBCASE("two signers, both good, one of them the From: never valid")
    {
      r.signatures.push_back(good_sig("dave@example.com"));
      r.from_matches_signer = from_matches_signer(r.from, r.signatures);
      CHECK(decide(r) == Verdict::signer_mismatch);
    }
    SUBCASE("enveloped data without a signature inside: no integrity protection")
    {
      r.encrypted = true;
      r.decrypted = true;
      r.integrity_protected = false;
      r.signatures.clear();
      CHECK(decide(r) == Verdict::integrity_failure);
    }
    SUBCASE("SHA-1 is weak-hash")
    {
      r.signatures[0].hash_algo = GPGME_MD_SHA1;
      CHECK(decide(r) == Verdict::weak_hash);
    }
    SUBCASE("a Date far from the signed signing time is partially-signed")
    {
      r.fully_covered = false;
      CHECK(decide(r) == Verdict::partially_signed);
    }
  }

  TEST_CASE("to_string(Verdict)")
  {
    CHECK(to_string(Verdict::unsigned_) == "unsigned");
    CHECK(to_string(Verdict::partially_signed) == "partially-signed");
    CHECK(to_string(Verdict::integrity_failure) == "integrity-failure");
  }
}
