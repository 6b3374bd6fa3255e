// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/crypto/key_judge.hpp>

#include <doctest/doctest.h>

using namespace peermail::crypto;

namespace {

constexpr std::int64_t k_now = 1767225600; // 2026-01-01T00:00:00Z
constexpr std::int64_t k_day = 86400;

SubkeyFacts
sub(std::string fpr, std::string algo, unsigned len, bool sign, bool enc, std::int64_t expires)
{
  SubkeyFacts s;
  s.fingerprint = std::move(fpr);
  s.algo = std::move(algo);
  s.length = len;
  s.can_sign = sign;
  s.can_encrypt = enc;
  s.can_certify = sign;
  s.created = k_now - 100 * k_day;
  s.expires = expires;
  return s;
}

// An ed25519 primary + cv25519 encryption subkey, expiring in a year, with a
// user ID for sam@hospital.test of validity `validity`.
KeyFacts
good_key(int validity = k_validity_full, std::string fpr = "AAAA")
{
  KeyFacts k;
  k.fingerprint = fpr;
  k.subkeys.push_back(sub(fpr, "ed25519", 255, true, false, k_now + 365 * k_day));
  k.subkeys.push_back(sub(fpr + "E", "cv25519", 255, false, true, k_now + 365 * k_day));
  k.subkeys[0].curve = "ed25519";
  k.subkeys[1].curve = "cv25519";
  UidFacts u;
  u.uid = "Sam Lee <sam@hospital.test>";
  u.address = "sam@hospital.test";
  u.validity = validity;
  k.uids.push_back(u);
  return k;
}

KeyPolicy
policy()
{
  KeyPolicy p;
  p.now = k_now;
  return p;
}

} // namespace

TEST_SUITE("peermail::crypto::key_judge")
{
  TEST_CASE("judge_recipient_key: full validity is ready")
  {
    auto j = judge_recipient_key(good_key(), "sam@hospital.test", false, policy());
    CHECK(j.ok());
    CHECK(j.subkey_fingerprint == "AAAAE");
    CHECK(j.warnings.empty());
  }

  TEST_CASE("judge_recipient_key: marginal validity is refused (E2E-04)")
  {
    auto j =
      judge_recipient_key(good_key(k_validity_marginal), "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::validity);
    CHECK(j.check_id == "E2E-04");
    CHECK(j.reason
          == "the key AAAA for <sam@hospital.test> is not certified (marginal validity; full or "
             "ultimate is required)");
    CHECK(j.fix
          == "verify the fingerprint with sam@hospital.test out of band, then certify it "
             "(peermail keys certify AAAA); to accept only this key for the address, also pin it "
             "(peermail keys pin sam@hospital.test AAAA)");
  }

  TEST_CASE("judge_recipient_key: a pin does not replace the certification (E2E-04)")
  {
    // One rule (docs/DESIGN.md §4): full or ultimate validity, pinned or not;
    // GnuPG encrypts to nothing else and "always trust" is never used.
    for (int v : {k_validity_unknown, k_validity_never, k_validity_marginal}) {
      auto j = judge_recipient_key(good_key(v), "sam@hospital.test", true, policy());
      CHECK(j.problem == KeyProblem::validity);
      CHECK(j.reason.rfind("the pinned key AAAA for <sam@hospital.test> is not certified", 0) == 0);
    }
    auto j = judge_recipient_key(good_key(k_validity_full), "sam@hospital.test", true, policy());
    CHECK(j.ok());
    CHECK(j.subkey_fingerprint == "AAAAE");
  }

  TEST_CASE("judge_recipient_key: the fix names the one-command way (E2E-04)")
  {
    auto j =
      judge_recipient_key(good_key(k_validity_unknown), "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::validity);
    CHECK(j.fix
          == "verify the fingerprint with sam@hospital.test out of band, then certify it "
             "(peermail keys certify AAAA); to accept only this key for the address, also pin it "
             "(peermail keys pin sam@hospital.test AAAA)");
  }

  TEST_CASE("judge_recipient_key: expired key (KEY-02)")
  {
    auto k = good_key();
    k.expired = true;
    k.subkeys[0].expires = k_now - 10 * k_day;
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::expired);
    CHECK(j.check_id == "KEY-02");
    CHECK(j.reason == "key AAAA expired on 2025-12-22");
    CHECK(j.fix
          == "ask sam@hospital.test for an updated key, then run `peermail keys import FILE`");
  }

  TEST_CASE("judge_recipient_key: expired encryption subkey only")
  {
    auto k = good_key();
    k.subkeys[1].expired = true;
    k.subkeys[1].expires = k_now - k_day;
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::expired);
    CHECK(j.reason == "the encryption subkey AAAAE of key AAAA expired on 2025-12-31");
  }

  TEST_CASE("judge_recipient_key: revoked key (KEY-03)")
  {
    auto k = good_key();
    k.revoked = true;
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::revoked);
    CHECK(j.check_id == "KEY-03");
    CHECK(j.reason == "key AAAA is revoked");
  }

  TEST_CASE("judge_recipient_key: revoked user ID")
  {
    auto k = good_key();
    k.uids[0].revoked = true;
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::revoked);
    CHECK(j.reason == "the user ID <sam@hospital.test> of key AAAA is revoked");
  }

  TEST_CASE("judge_recipient_key: no encryption subkey")
  {
    auto k = good_key();
    k.subkeys.pop_back();
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::no_usable_subkey);
    CHECK(j.check_id == "E2E-01");
    CHECK(j.reason == "key AAAA has no usable encryption subkey");
  }

  TEST_CASE("judge_recipient_key: RSA strength against policy (KEY-01)")
  {
    auto k = good_key();
    k.subkeys[0] = sub("AAAA", "rsa2048", 2048, true, false, k_now + 365 * k_day);
    k.subkeys[1] = sub("AAAAE", "rsa2048", 2048, false, true, k_now + 365 * k_day);
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.problem == KeyProblem::weak);
    CHECK(j.check_id == "KEY-01");
    CHECK(j.reason == "key AAAA: rsa2048 is below the policy minimum of 3072 bits "
                      "(policy.min_rsa_bits)");

    auto p = policy();
    p.min_rsa_bits = 2048;
    j = judge_recipient_key(k, "sam@hospital.test", false, p);
    CHECK(j.ok());
    CHECK(j.warnings.empty()); // expires before 2031

    k.subkeys[1].length = 1024;
    k.subkeys[1].algo = "rsa1024";
    j = judge_recipient_key(k, "sam@hospital.test", false, p);
    CHECK(j.problem == KeyProblem::weak);
    CHECK(j.reason == "key AAAA: rsa1024 gives less than 112-bit security (at least 2048 bits, "
                      "policy 2048 bits)");
  }

  TEST_CASE("judge_strength: 112-bit keys used after 2030 warn")
  {
    KeyPolicy p = policy();
    p.min_rsa_bits = 2048;
    auto st = judge_strength(sub("X", "rsa2048", 2048, true, false, 0), p);
    CHECK(st.verdict == Strength::Verdict::warn);
    CHECK(st.reason == "rsa2048 gives only 112-bit security and must not be used after 2030");
    CHECK(judge_strength(sub("X", "rsa4096", 4096, true, false, 0), p).verdict
          == Strength::Verdict::ok);
    auto ecc = sub("X", "nistp384", 384, true, false, 0);
    ecc.curve = "nistp384";
    CHECK(judge_strength(ecc, p).verdict == Strength::Verdict::ok);
    auto small = sub("X", "nistp192", 192, true, false, 0);
    small.curve = "nistp192";
    CHECK(judge_strength(small, p).verdict == Strength::Verdict::weak);
    CHECK(judge_strength(sub("X", "dsa1024", 1024, true, false, 0), p).verdict
          == Strength::Verdict::weak);
  }

  TEST_CASE("judge_recipient_key: lifetime warnings")
  {
    auto k = good_key();
    k.subkeys[1].expires = k_now + 10 * k_day;
    auto j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    CHECK(j.ok());
    REQUIRE(j.warnings.size() == 1);
    CHECK(j.warnings[0] == "key AAAA expires on 2026-01-11 (in 10 days) [KEY-02]");

    k = good_key();
    k.subkeys[0].expires = 0;
    k.subkeys[1].expires = 0;
    j = judge_recipient_key(k, "sam@hospital.test", false, policy());
    REQUIRE(j.warnings.size() == 1);
    CHECK(j.warnings[0] == "key AAAA never expires; keys need a finite cryptoperiod [KEY-02]");
  }

  TEST_CASE("choose_recipient_key: missing, pin mismatch, newest valid")
  {
    auto j = choose_recipient_key({}, "sam@hospital.test", std::nullopt, policy());
    CHECK(j.problem == KeyProblem::missing);
    CHECK(j.check_id == "E2E-01");
    CHECK(j.reason == "no key for <sam@hospital.test> in the keyring");

    j = choose_recipient_key({good_key()}, "sam@hospital.test", std::string("BBBB"), policy());
    CHECK(j.problem == KeyProblem::pin_mismatch);
    CHECK(j.check_id == "E2E-04");
    CHECK(j.reason
          == "the [[peer]] entry pins BBBB for <sam@hospital.test>, but the keyring has AAAA");

    j = choose_recipient_key({}, "sam@hospital.test", std::string("bb bb"), policy());
    CHECK(j.problem == KeyProblem::missing);
    CHECK(j.reason == "the pinned key BBBB for <sam@hospital.test> is not in the keyring");

    auto old_key = good_key(k_validity_full, "OLD1");
    auto new_key = good_key(k_validity_full, "NEW1");
    new_key.subkeys[0].created = k_now - k_day;
    auto marginal = good_key(k_validity_marginal, "NEW2");
    marginal.subkeys[0].created = k_now;
    j = choose_recipient_key(
      {old_key, marginal, new_key}, "sam@hospital.test", std::nullopt, policy());
    CHECK(j.ok());
    REQUIRE(j.key);
    CHECK(j.key->fingerprint == "NEW1");

    // The pin wins even over a newer valid key.
    j =
      choose_recipient_key({old_key, new_key}, "sam@hospital.test", std::string("OLD1"), policy());
    CHECK(j.ok());
    CHECK(j.key->fingerprint == "OLD1");
  }

  TEST_CASE("choose_recipient_key: pinned key without the address")
  {
    auto k = good_key();
    k.uids[0].address = "other@hospital.test";
    auto j = choose_recipient_key({k}, "sam@hospital.test", std::string("AAAA"), policy());
    CHECK(j.problem == KeyProblem::uid_mismatch);
    CHECK(j.reason == "pinned key AAAA has no user ID for <sam@hospital.test>");
  }

  TEST_CASE("judge_signer_key: SIG-01")
  {
    auto k = good_key(k_validity_ultimate);
    k.has_secret = true;
    k.subkeys[0].secret = true;
    k.subkeys[1].secret = true;
    auto j = judge_signer_key(&k, "aaaa", "sam@hospital.test", policy());
    CHECK(j.ok());
    CHECK(j.subkey_fingerprint == "AAAA");

    j = judge_signer_key(nullptr, "AAAA", "sam@hospital.test", policy());
    CHECK(j.problem == KeyProblem::missing);
    CHECK(j.check_id == "SIG-01");
    CHECK(j.reason == "signing key AAAA is not in the keyring");

    j = judge_signer_key(&k, "AAAA", "ana@clinic.test", policy());
    CHECK(j.problem == KeyProblem::uid_mismatch);
    CHECK(j.reason == "signing key AAAA has no user ID for the sender <ana@clinic.test>");

    auto pub = k;
    pub.has_secret = false;
    j = judge_signer_key(&pub, "AAAA", "sam@hospital.test", policy());
    CHECK(j.problem == KeyProblem::no_secret);
    CHECK(j.reason == "the secret part of signing key AAAA is not in the keyring");

    auto stub = k;
    stub.subkeys[0].secret = false;
    j = judge_signer_key(&stub, "AAAA", "sam@hospital.test", policy());
    CHECK(j.problem == KeyProblem::no_usable_subkey);
    CHECK(j.reason == "key AAAA has no usable signing subkey");

    j = judge_signer_key(nullptr, "", "sam@hospital.test", policy());
    CHECK(j.reason == "identity.signing_key is not set");
  }

  TEST_CASE("separates_usages: KEY-04")
  {
    CHECK(separates_usages(good_key()));
    auto k = good_key();
    k.subkeys.pop_back();
    k.subkeys[0].can_encrypt = true;
    CHECK_FALSE(separates_usages(k));
  }
}
