// SPDX-License-Identifier: GPL-3.0-or-later
#include "smime_judgements.hpp"

#include <peermail/crypto/cms.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <cctype>
#include <optional>
#include <utility>

namespace peermail::protect {

namespace {

// A certificate as pinned, in one spelling (gpgsm's: upper-case hex).
std::string
normalized(const std::string& cert)
{
  std::string out;
  for (const char c : cert) {
    if (c != ':' && c != ' ') {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// Everything a judgement depends on, one field a line (no field holds a
// newline: paths and addresses from the config, hex, numbers).
std::string
key_of(const SmimeScope& scope,
       CertPurpose purpose,
       const std::string& cert,
       const std::string& address,
       const crypto::KeyPolicy& policy)
{
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
                     scope.gnupg_home,
                     scope.anchors,
                     scope.revocation_offline ? "offline" : "online",
                     purpose == CertPurpose::signer ? "signer" : "recipient",
                     normalized(cert),
                     util::to_lower(address),
                     policy.min_rsa_bits,
                     policy.expiry_warning_days,
                     policy.now);
}

class JudgedOnce final : public SmimeProtector
{
public:
  JudgedOnce(std::shared_ptr<SmimeJudgements> judgements, SmimeScope scope, SmimeFactory make)
    : m_judgements(std::move(judgements)),
      m_scope(std::move(scope)),
      m_make(std::move(make))
  {
  }

  JudgedOnce(std::shared_ptr<SmimeJudgements> judgements,
             SmimeScope scope,
             std::unique_ptr<SmimeProtector> opened)
    : m_judgements(std::move(judgements)),
      m_scope(std::move(scope)),
      m_inner(std::move(opened))
  {
  }

  Result<crypto::KeyJudgement>
  judge_recipient(const std::string& pinned,
                  const std::string& address,
                  const crypto::KeyPolicy& policy) override
  {
    return judged(CertPurpose::recipient, pinned, address, policy);
  }

  Result<crypto::KeyJudgement>
  judge_signer(const std::string& fingerprint,
               const std::string& address,
               const crypto::KeyPolicy& policy) override
  {
    return judged(CertPurpose::signer, fingerprint, address, policy);
  }

  Result<ProtectResult>
  protect(std::string_view message, const ProtectOptions& opts) override
  {
    PEERMAIL_TRY_ASSIGN(auto* inner, opened());
    return inner->protect(message, opts);
  }

private:
  Result<crypto::KeyJudgement>
  judged(CertPurpose purpose,
         const std::string& cert,
         const std::string& address,
         const crypto::KeyPolicy& policy)
  {
    const auto fresh = [&]() -> Result<crypto::KeyJudgement> {
      PEERMAIL_TRY_ASSIGN(auto* inner, opened());
      return purpose == CertPurpose::signer ? inner->judge_signer(cert, address, policy)
                                            : inner->judge_recipient(cert, address, policy);
    };
    if (!m_judgements) {
      return fresh();
    }
    return m_judgements->judge(m_scope, purpose, cert, address, policy, fresh);
  }

  // The protector, opened on first need; an error opening it stays.
  Result<SmimeProtector*>
  opened()
  {
    if (!m_inner && !m_open_error) {
      auto made = m_make ? m_make()
                         : Result<std::unique_ptr<SmimeProtector>>(
                           unexpected(Error(Errc::internal, "no S/MIME service")));
      if (made) {
        m_inner = std::move(*made);
      } else {
        m_open_error = made.error();
      }
    }
    if (m_open_error) {
      return unexpected(*m_open_error);
    }
    return m_inner.get();
  }

  std::shared_ptr<SmimeJudgements> m_judgements;
  SmimeScope m_scope;
  SmimeFactory m_make;
  std::unique_ptr<SmimeProtector> m_inner;
  std::optional<Error> m_open_error;
};

} // namespace

SmimeScope
SmimeScope::of(const config::Config& cfg, const std::string& gnupg_home)
{
  return SmimeScope{crypto::cms_home(gnupg_home), cfg.smime.anchors, cfg.smime.revocation_offline};
}

Result<crypto::KeyJudgement>
SmimeJudgements::judge(const SmimeScope& scope,
                       CertPurpose purpose,
                       const std::string& cert,
                       const std::string& address,
                       const crypto::KeyPolicy& policy,
                       const Judge& judge)
{
  const std::string key = key_of(scope, purpose, cert, address, policy);
  {
    std::lock_guard<std::mutex> lock(m_mu);
    if (auto it = m_kept.find(key); it != m_kept.end()) {
      return it->second;
    }
  }
  // Judged outside the lock (gpgsm is slow); two threads asking at once
  // both judge, and the first answer is kept.
  auto j = judge();
  if (!j) {
    return j; // an engine failure: asked again next time
  }
  std::lock_guard<std::mutex> lock(m_mu);
  ++m_made;
  m_kept.emplace(key, *j);
  return j;
}

std::size_t
SmimeJudgements::made() const
{
  std::lock_guard<std::mutex> lock(m_mu);
  return m_made;
}

std::unique_ptr<SmimeProtector>
judge_once(std::shared_ptr<SmimeJudgements> judgements,
           const config::Config& cfg,
           const std::string& gnupg_home,
           SmimeFactory make)
{
  return std::make_unique<JudgedOnce>(
    std::move(judgements), SmimeScope::of(cfg, gnupg_home), std::move(make));
}

std::unique_ptr<SmimeProtector>
judge_once(std::shared_ptr<SmimeJudgements> judgements,
           const config::Config& cfg,
           const std::string& gnupg_home,
           std::unique_ptr<SmimeProtector> opened)
{
  return std::make_unique<JudgedOnce>(
    std::move(judgements), SmimeScope::of(cfg, gnupg_home), std::move(opened));
}

} // namespace peermail::protect
