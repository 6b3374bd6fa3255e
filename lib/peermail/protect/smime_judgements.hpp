// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One run's judgements of S/MIME certificates (crypto/cert_judge.cpp), so
// that `send`, `sendmail` and `batch` judge each certificate once: their
// preflight (protect::judge_smime_identity, each recipient) and the offline
// checklist (check::gather_smime) ask the same questions, and one judgement
// costs a gpgsm and several questions to it (the certificate, each link of
// its chain, its validation with revocation online and then offline).
//
// A judgement is kept under everything it depends on: the GnuPG home,
// [smime] anchors and revocation, the purpose (recipient or own signing),
// the certificate as pinned, the address it must bind and the key policy.
// A refusal is kept as a refusal (never turned into a pass); an engine
// failure (a Result error) is not kept, so it is asked again.

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/protect/smime.hpp>
#include <peermail/util/result.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace peermail::protect {

// What a certificate is judged for.
enum class CertPurpose { recipient, signer };

// Where a certificate is judged: the GnuPG home and cfg's [smime] settings.
struct SmimeScope
{
  std::string gnupg_home; // as gpgsm resolves it (crypto::cms_home)
  std::string anchors;
  bool revocation_offline = false;

  static SmimeScope of(const config::Config& cfg, const std::string& gnupg_home);
};

class SmimeJudgements
{
public:
  using Judge = std::function<Result<crypto::KeyJudgement>()>;

  // The judgement of `cert` for `purpose` as `address` in `scope`: the
  // kept one, else `judge()`'s (kept unless it is an error). Thread-safe.
  Result<crypto::KeyJudgement> judge(const SmimeScope& scope,
                                     CertPurpose purpose,
                                     const std::string& cert,
                                     const std::string& address,
                                     const crypto::KeyPolicy& policy,
                                     const Judge& judge);

  // How many judgements were made (not served from what was kept).
  std::size_t made() const;

private:
  mutable std::mutex m_mu;
  std::map<std::string, crypto::KeyJudgement> m_kept;
  std::size_t m_made = 0;
};

// A protector that judges through `judgements` and opens the protector
// `make` makes only when it must (a judgement not kept, or protect()); an
// error opening it is kept and returned for every later call.
using SmimeFactory = std::function<Result<std::unique_ptr<SmimeProtector>>()>;
std::unique_ptr<SmimeProtector> judge_once(std::shared_ptr<SmimeJudgements> judgements,
                                           const config::Config& cfg,
                                           const std::string& gnupg_home,
                                           SmimeFactory make);

// As above around the open protector `opened`.
std::unique_ptr<SmimeProtector> judge_once(std::shared_ptr<SmimeJudgements> judgements,
                                           const config::Config& cfg,
                                           const std::string& gnupg_home,
                                           std::unique_ptr<SmimeProtector> opened);

} // namespace peermail::protect
