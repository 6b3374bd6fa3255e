// SPDX-License-Identifier: GPL-3.0-or-later
#include "unattended.hpp"

#include "pipeline.hpp"

#include <peermail/protect/keys.hpp>

#include <fmt/core.h>

#include <chrono>

namespace peermail::send {

Result<std::shared_ptr<const crypto::Secret>>
signing_passphrase(const config::Config& cfg,
                   const std::string& gnupg_home,
                   const crypto::KeyFacts& signer,
                   Prompt prompt)
{
  if (!cfg.identity.passphrase_command.empty()) {
    const std::chrono::milliseconds timeout = std::chrono::seconds(cfg.account().timeout_s);
    return crypto::read_passphrase(cfg.identity.passphrase_command, k_passphrase_setting, timeout);
  }
  if (prompt == Prompt::possible) {
    return std::shared_ptr<const crypto::Secret>();
  }
  const auto st =
    crypto::agent_key_state(gnupg_home, signer, crypto::AgentStart::yes, crypto::KeyParts::signing);
  if (st.protected_ && !st.cached) {
    return fail(Errc::auth,
                fmt::format("the signing key {} needs a passphrase and there is no terminal to "
                            "ask for it (cron, a service); nothing was sent",
                            signer.fingerprint),
                "KEY-05",
                crypto::no_terminal_fix(signer));
  }
  return std::shared_ptr<const crypto::Secret>();
}

Result<std::shared_ptr<const crypto::Secret>>
identity_passphrase(const config::Config& cfg, const std::string& gnupg_home, Prompt prompt)
{
  if (cfg.identity.signing_key.empty()) {
    return std::shared_ptr<const crypto::Secret>();
  }
  PEERMAIL_TRY_ASSIGN(auto keyring, crypto::Keyring::open(gnupg_home));
  PEERMAIL_TRY_ASSIGN(auto j,
                      keyring->judge_signer(
                        cfg.identity.signing_key, cfg.identity.address, protect::key_policy(cfg)));
  if (!j.ok() || !j.key) {
    return std::shared_ptr<const crypto::Secret>();
  }
  return signing_passphrase(cfg, gnupg_home, *j.key, prompt);
}

void
use_passphrase(Services& services, std::shared_ptr<const crypto::Secret> secret)
{
  if (!secret) {
    return;
  }
  auto inner = services.make_protector;
  services.make_protector =
    [inner, secret](const std::string& home) -> Result<std::unique_ptr<protect::Protector>> {
    PEERMAIL_TRY_ASSIGN(auto p, inner(home));
    PEERMAIL_TRY(p->use_passphrase(secret, k_passphrase_setting));
    return p;
  };
}

} // namespace peermail::send
