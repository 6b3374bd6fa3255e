// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A fake protect::SmimeProtector (gpgsm) for the unit tests of S/MIME peers
// in send and batch (issue 17): records what it judged and protected;
// refuses the certificates it is told to. With `encrypted_only` it stands for
// the gpgsm of `send --message` with an already encrypted message: it judges
// recipients but fails any signing or protecting, so a test sees if the
// pipeline ever tries to protect such a message again.

#include "fake_services.hpp"

#include <peermail/protect/smime.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace peermail::test {

inline constexpr const char* k_own_cert = "AAAA00000000000000000000000000000000CE57";
inline constexpr const char* k_kim_cert = "BBBB00000000000000000000000000000000CE57";
inline constexpr const char* k_bob_cert = "CCCC00000000000000000000000000000000CE57";

struct SmimeRecorder
{
  std::mutex mu; // batch workers protect in their own threads
  std::vector<protect::ProtectOptions> protected_with;
  std::vector<std::string> judged; // "address=pin"
  std::vector<std::string> judged_signers;
  std::set<std::string> refuse; // addresses whose certificate is refused
  bool refuse_signer = false;   // identity.smime_cert is refused
  int made = 0;                 // SmimeProtectors made
  bool encrypted_only = false;  // judge_signer and protect fail (Errc::internal)
};

class FakeSmime : public protect::SmimeProtector
{
public:
  explicit FakeSmime(SmimeRecorder& r)
    : m_r(r)
  {
  }
  Result<crypto::KeyJudgement>
  judge_recipient(const std::string& pinned,
                  const std::string& address,
                  const crypto::KeyPolicy&) override
  {
    std::lock_guard<std::mutex> lock(m_r.mu);
    m_r.judged.push_back(address + "=" + pinned);
    crypto::KeyJudgement j;
    j.address = address;
    crypto::KeyFacts k;
    k.fingerprint = pinned;
    j.key = k;
    if (m_r.refuse.count(address) != 0) {
      j.problem = crypto::KeyProblem::expired;
      j.check_id = "KEY-02";
      j.reason = "certificate " + pinned + " expired on 2021-01-01";
      j.fix = "ask for their current certificate";
    }
    return j;
  }
  Result<crypto::KeyJudgement>
  judge_signer(const std::string& fingerprint,
               const std::string& address,
               const crypto::KeyPolicy&) override
  {
    std::lock_guard<std::mutex> lock(m_r.mu);
    if (m_r.encrypted_only) {
      return fail(Errc::internal, "an encrypted message is not signed here");
    }
    m_r.judged_signers.push_back(fingerprint);
    crypto::KeyJudgement j;
    j.address = address;
    crypto::KeyFacts k;
    k.fingerprint = fingerprint;
    j.key = k;
    if (m_r.refuse_signer) {
      j.problem = crypto::KeyProblem::expired;
      j.check_id = "KEY-02";
      j.reason = "certificate " + fingerprint + " expired on 2021-01-01";
      j.fix = "renew your certificate";
    }
    return j;
  }
  Result<protect::ProtectResult>
  protect(std::string_view, const protect::ProtectOptions& opts) override
  {
    std::lock_guard<std::mutex> lock(m_r.mu);
    if (m_r.encrypted_only) {
      return fail(Errc::internal, "an encrypted message is never protected again");
    }
    m_r.protected_with.push_back(opts);
    protect::ProtectResult p;
    p.message = "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nAAAA\r\n";
    p.hash_algo = "SHA256";
    p.content_sha256 = "11ee";
    return p;
  }

private:
  SmimeRecorder& m_r;
};

// `s` with make_smime making FakeSmimes that record into `srec`.
inline Services
with_fake_smime(Services s, SmimeRecorder& srec)
{
  s.make_smime = [&srec](const config::Config&,
                         const std::string&) -> Result<std::unique_ptr<protect::SmimeProtector>> {
    {
      std::lock_guard<std::mutex> lock(srec.mu);
      ++srec.made;
    }
    return std::unique_ptr<protect::SmimeProtector>(std::make_unique<FakeSmime>(srec));
  };
  return s;
}

// make_config() with the own certificate and Kim and Bob as S/MIME peers.
inline config::Config
smime_config()
{
  config::Config cfg = make_config();
  cfg.identity.smime_cert = k_own_cert;
  cfg.peers.push_back({"kim@lab.test", k_kim_cert, config::PeerProtocol::smime});
  cfg.peers.push_back({"bob@lab.test", k_bob_cert, config::PeerProtocol::smime});
  return cfg;
}

} // namespace peermail::test
