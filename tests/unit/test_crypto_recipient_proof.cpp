// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/crypto/recipient_proof.hpp>

#include <doctest/doctest.h>

using namespace peermail::crypto;

namespace {

// Sam's key: a primary that certifies and signs, an encryption subkey, and
// an old, expired encryption subkey.
KeyFacts
sam_key()
{
  KeyFacts k;
  k.fingerprint = "1111111111111111111111111111111111111111";
  SubkeyFacts primary;
  primary.fingerprint = k.fingerprint;
  primary.can_sign = true;
  primary.can_certify = true;
  SubkeyFacts enc;
  enc.fingerprint = "2222222222222222222222229ABCDEF012345678";
  enc.can_encrypt = true;
  SubkeyFacts old;
  old.fingerprint = "33333333333333333333333333333333DEADBEEF";
  old.can_encrypt = true;
  old.expired = true;
  k.subkeys = {primary, enc, old};
  return k;
}

} // namespace

TEST_SUITE("peermail::crypto::recipient_proof")
{
  TEST_CASE("crypto::encrypted_to: only a usable encryption subkey proves it")
  {
    const auto k = sam_key();
    CHECK(encrypted_to(k, {"9ABCDEF012345678"}) == k.subkeys[1].fingerprint);
    CHECK(encrypted_to(k, {"9abcdef012345678"}) == k.subkeys[1].fingerprint);
    CHECK(encrypted_to(k, {"FFFFFFFFFFFFFFFF", "9ABCDEF012345678"}) == k.subkeys[1].fingerprint);
    // The signing-only primary, an expired subkey, another key: no.
    CHECK(encrypted_to(k, {"1111111111111111"}) == "");
    CHECK(encrypted_to(k, {"33333333DEADBEEF"}) == "");
    CHECK(encrypted_to(k, {"0123456789ABCDEF"}) == "");
    CHECK(encrypted_to(k, {}) == "");
    auto revoked = k;
    revoked.revoked = true;
    CHECK(encrypted_to(revoked, {"9ABCDEF012345678"}) == "");
  }

  TEST_CASE("crypto::prove_encrypted_to: the reasons name what is wrong and the fix")
  {
    const auto k = sam_key();
    auto ok = prove_encrypted_to(k, "sam@hospital.test", {"9ABCDEF012345678"});
    CHECK(ok.ok);
    CHECK(ok.subkey_fingerprint == k.subkeys[1].fingerprint);

    auto other = prove_encrypted_to(k, "sam@hospital.test", {"0123456789ABCDEF"});
    CHECK_FALSE(other.ok);
    CHECK(other.reason == "the message is not encrypted to its key " + k.fingerprint);

    auto hidden = prove_encrypted_to(k, "sam@hospital.test", {"0000000000000000"});
    CHECK_FALSE(hidden.ok);
    CHECK(hidden.reason.find("hidden recipients") != std::string::npos);
    CHECK(hidden.fix.find("without --hide-recipients") != std::string::npos);

    auto none = prove_encrypted_to(k, "sam@hospital.test", {});
    CHECK_FALSE(none.ok);
    CHECK(none.reason.find("not public-key encrypted") != std::string::npos);
  }

  TEST_CASE("crypto::is_hidden_key_id")
  {
    CHECK(is_hidden_key_id("0000000000000000"));
    CHECK_FALSE(is_hidden_key_id("0000000000000001"));
    CHECK_FALSE(is_hidden_key_id(""));
  }
}
