// SPDX-License-Identifier: GPL-3.0-or-later
// `encrypt` and `sign` in S/MIME: judge the certificates as `send` does,
// then protect the one message (protect::SmimeProtector).
#include "keys.hpp"
#include "message.hpp"
#include "smime.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace peermail::protect {

namespace {

void
add_warnings(std::vector<std::string>& into,
             const std::string& who,
             const std::vector<std::string>& warnings)
{
  for (const auto& w : warnings) {
    into.push_back(fmt::format("{}: {}", who, w));
  }
}

} // namespace

Result<SmimeIdentity>
judge_smime_identity(SmimeProtector& smime,
                     const config::Config& cfg,
                     const crypto::KeyPolicy& policy,
                     bool sign,
                     bool encrypt)
{
  SmimeIdentity out;
  const std::string& cert = cfg.identity.smime_cert;
  if (sign) {
    PEERMAIL_TRY_ASSIGN(auto j, smime.judge_signer(cert, cfg.identity.address, policy));
    if (!j.ok() || !j.key) {
      return unexpected(crypto::judgement_error(j, "identity.smime_cert"));
    }
    add_warnings(out.warnings, "identity.smime_cert", j.warnings);
    out.signer_fpr = j.key->fingerprint;
  }
  if (encrypt && cfg.policy.encrypt_to_self) {
    // The own copy is encrypted to identity.smime_cert: it must be a
    // certificate that can encrypt, for identity.address (E2E-05).
    PEERMAIL_TRY_ASSIGN(auto j, smime.judge_recipient(cert, cfg.identity.address, policy));
    if (!j.ok() || !j.key) {
      Error e = crypto::judgement_error(j, "identity.smime_cert (policy.encrypt_to_self)");
      e.fix = fmt::format(
        "set identity.smime_cert to a certificate for {} that can sign and "
        "encrypt (keyUsage digitalSignature and keyEncipherment, "
        "emailProtection); {}",
        cfg.identity.address,
        config::k_smime_cert_fix);
      return unexpected(std::move(e));
    }
    out.extra_fprs.push_back(j.key->fingerprint);
  }
  if (encrypt && !cfg.policy.archive_key.empty()) {
    out.warnings.emplace_back(
      "policy.archive_key is an OpenPGP key: the S/MIME copy is not encrypted to it");
  }
  return out;
}

Result<MessageOutcome>
protect_smime_message(const config::Config& cfg,
                      const std::string& gnupg_home,
                      std::string_view message,
                      const std::vector<std::string>& recipients,
                      ProtectOptions po)
{
  if (po.encrypt && po.hide_recipients) {
    return unexpected(hidden_recipients_error());
  }
  if (po.sign) {
    PEERMAIL_TRY(require_from_identity(message, cfg.identity));
  }
  const bool to_self = po.encrypt && cfg.policy.encrypt_to_self;
  if ((po.sign || to_self) && cfg.identity.smime_cert.empty()) {
    return fail(Errc::config,
                fmt::format("identity.smime_cert is not set, so the S/MIME message cannot be {}; "
                            "nothing was written",
                            po.sign ? "signed"
                                    : "encrypted to your own certificate "
                                      "(policy.encrypt_to_self)"),
                po.sign ? "SIG-01" : "E2E-05",
                std::string(config::k_smime_cert_fix));
  }
  PEERMAIL_TRY_ASSIGN(auto smime, SmimeProtector::create(cfg, gnupg_home));
  const auto policy = key_policy(cfg);
  MessageOutcome out;
  po.recipient_fingerprints.clear();
  for (const auto& addr : recipients) {
    const config::Peer* peer = cfg.peer(addr);
    if (peer == nullptr || peer->protocol != config::PeerProtocol::smime) {
      return fail(Errc::internal, fmt::format("<{}> is not an S/MIME peer", addr));
    }
    PEERMAIL_TRY_ASSIGN(auto j, smime->judge_recipient(peer->fingerprint, addr, policy));
    const std::string who = fmt::format("recipient <{}>", addr);
    if (!j.ok() || !j.key) {
      return unexpected(crypto::judgement_error(j, who));
    }
    add_warnings(out.warnings, who, j.warnings);
    util::add_unique(po.recipient_fingerprints, j.key->fingerprint);
  }
  PEERMAIL_TRY_ASSIGN(auto own, judge_smime_identity(*smime, cfg, policy, po.sign, po.encrypt));
  po.signer_fingerprint = own.signer_fpr;
  for (const auto& f : own.extra_fprs) {
    util::add_unique(po.recipient_fingerprints, f);
  }
  out.warnings.insert(out.warnings.end(), own.warnings.begin(), own.warnings.end());
  PEERMAIL_TRY_ASSIGN(out.result, smime->protect(message, po));
  return out;
}

} // namespace peermail::protect
