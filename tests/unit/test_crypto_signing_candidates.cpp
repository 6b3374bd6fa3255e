// SPDX-License-Identifier: GPL-3.0-or-later
// crypto::signing_candidates: what `peermail init` offers as signing keys.
#include <peermail/crypto/signing_candidates.hpp>

#include <doctest/doctest.h>

#include <map>

using namespace peermail;

namespace {

crypto::KeyFacts
key(const std::string& fpr, const std::string& address)
{
  crypto::KeyFacts k;
  k.fingerprint = fpr;
  k.has_secret = true;
  crypto::UidFacts u;
  u.uid = "Someone <" + address + ">";
  u.address = address;
  k.uids.push_back(u);
  return k;
}

// Secret keys as listed; judge_signer fails the fingerprints in `bad`.
class Keys : public crypto::Keyring
{
public:
  std::vector<crypto::KeyFacts> secret;
  std::map<std::string, std::string> bad; // fingerprint → reason
  bool list_fails = false;
  std::vector<std::string> judged;

  Result<crypto::KeyJudgement>
  judge_recipient(const std::string&,
                  const std::optional<std::string>&,
                  const crypto::KeyPolicy&) override
  {
    return fail(Errc::internal, "not used");
  }
  Result<crypto::KeyJudgement>
  judge_signer(const std::string& fpr,
               const std::string& address,
               const crypto::KeyPolicy&) override
  {
    judged.push_back(fpr);
    crypto::KeyJudgement j;
    j.address = address;
    for (const auto& k : secret) {
      if (k.fingerprint == fpr) {
        j.key = k;
      }
    }
    if (auto it = bad.find(fpr); it != bad.end()) {
      j.problem = crypto::KeyProblem::revoked;
      j.reason = it->second;
      j.check_id = "KEY-02";
    }
    return j;
  }
  Result<std::vector<crypto::KeyFacts>>
  list(bool is_secret) override
  {
    if (list_fails) {
      return fail(Errc::crypto, "listing secret keys: no agent");
    }
    REQUIRE(is_secret);
    return secret;
  }
  Result<std::vector<std::string>>
  import(const std::string&) override
  {
    return fail(Errc::internal, "not used");
  }
  const std::string&
  home() const override
  {
    return m_home;
  }

private:
  std::string m_home;
};

} // namespace

TEST_CASE("signing_candidates: only keys for the address, each judged as send judges it")
{
  Keys k;
  k.secret = {key("CCCC", "ana@clinic.test"),
              key("AAAA", "ana@clinic.test"),
              key("BBBB", "bob@clinic.test"),
              key("DDDD", "ana@clinic.test")};
  k.bad["AAAA"] = "key AAAA was revoked";
  auto c = crypto::signing_candidates(k, "Ana@Clinic.test", crypto::KeyPolicy{});
  REQUIRE(c);
  REQUIRE(c->size() == 3);
  // Usable first, by fingerprint; then the unusable one with its reason.
  CHECK((*c)[0].key->fingerprint == "CCCC");
  CHECK((*c)[0].ok());
  CHECK((*c)[1].key->fingerprint == "DDDD");
  CHECK((*c)[2].key->fingerprint == "AAAA");
  CHECK((*c)[2].reason == "key AAAA was revoked");
  CHECK(k.judged.size() == 3); // Bob's key is never judged for Ana
}

TEST_CASE("signing_candidates: none for an address without a secret key; list errors pass")
{
  Keys k;
  k.secret = {key("BBBB", "bob@clinic.test")};
  auto c = crypto::signing_candidates(k, "ana@clinic.test", crypto::KeyPolicy{});
  REQUIRE(c);
  CHECK(c->empty());
  k.list_fails = true;
  auto e = crypto::signing_candidates(k, "ana@clinic.test", crypto::KeyPolicy{});
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::crypto);
}

TEST_CASE("judgement_error: 67 with the judgement's reason, ID and fix")
{
  crypto::KeyJudgement j;
  j.problem = crypto::KeyProblem::missing;
  j.reason = "signing key X is not in the keyring";
  j.check_id = "SIG-01";
  j.fix = "import it";
  const Error e = crypto::judgement_error(j, "--signing-key");
  CHECK(e.code == Errc::no_key);
  CHECK(e.message == "--signing-key: signing key X is not in the keyring");
  CHECK(e.check_id == "SIG-01");
  CHECK(e.fix == "import it");
}
