// SPDX-License-Identifier: GPL-3.0-or-later
#include "smime.hpp"

#include <peermail/crypto/cms.hpp>
#include <peermail/crypto/signature.hpp>
#include <peermail/mime/smime_mime.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

namespace peermail::protect {

namespace {

class CmsProtector final : public SmimeProtector
{
public:
  explicit CmsProtector(std::unique_ptr<crypto::CmsEngine> engine)
    : m_engine(std::move(engine))
  {
  }

  Result<crypto::KeyJudgement>
  judge_recipient(const std::string& pinned,
                  const std::string& address,
                  const crypto::KeyPolicy& policy) override
  {
    return m_engine->judge_recipient_cert(pinned, address, policy);
  }

  Result<crypto::KeyJudgement>
  judge_signer(const std::string& fingerprint,
               const std::string& address,
               const crypto::KeyPolicy& policy) override
  {
    return m_engine->judge_signer_cert(fingerprint, address, policy);
  }

  Result<ProtectResult>
  protect(std::string_view message, const ProtectOptions& opts) override
  {
    if (!opts.sign && !opts.encrypt) {
      return fail(Errc::internal, "nothing to protect: neither signing nor encrypting");
    }
    if (opts.sign && opts.signer_fingerprint.empty()) {
      return fail(Errc::internal, "signing without a signer certificate");
    }
    const auto subject = opts.encrypt && opts.protect_subject ? mime::SubjectProtection::placeholder
                                                              : mime::SubjectProtection::keep;
    PEERMAIL_TRY_ASSIGN(mime::Prepared prepared, mime::prepare(message, subject));
    ProtectResult out;
    out.message_id = prepared.message_id;
    out.content_sha256 = util::sha256_hex(prepared.inner);
    std::string entity = prepared.inner;
    if (opts.sign) {
      PEERMAIL_TRY_ASSIGN(auto sig,
                          m_engine->sign_detached(prepared.inner, opts.signer_fingerprint));
      // RFC 8551 §3.5.3.2 names them "sha-256"...; RFC 3156 "pgp-sha256":
      // one table (crypto::micalg_for), written the S/MIME way here.
      const auto micalg = crypto::micalg_for(sig.hash_algo);
      if (!micalg || micalg->rfind("pgp-sha", 0) != 0) {
        return fail(Errc::crypto, "the S/MIME signature hash is weaker than SHA-256", "SIG-02");
      }
      const std::string smime_micalg = "sha-" + micalg->substr(7); // "pgp-sha256" -> "sha-256"
      entity = mime::smime_signed_entity(prepared.inner, sig.data, smime_micalg);
      out.hash_algo = crypto::hash_name(sig.hash_algo);
    }
    if (!opts.encrypt) {
      // Signed only (peermail sign --smime): the outer headers, then the
      // multipart/signed entity as the message's body.
      out.message = prepared.outer_headers;
      out.message += entity;
      return out;
    }
    if (opts.hide_recipients) {
      return unexpected(hidden_recipients_error());
    }
    PEERMAIL_TRY_ASSIGN(auto der, m_engine->encrypt(entity, opts.recipient_fingerprints));
    out.message = mime::assemble_smime_enveloped(prepared, der);
    return out;
  }

private:
  std::unique_ptr<crypto::CmsEngine> m_engine;
};

} // namespace

Result<std::unique_ptr<SmimeProtector>>
SmimeProtector::create(const config::Config& cfg, const std::string& gnupg_home, bool for_sending)
{
  PEERMAIL_TRY_ASSIGN(
    auto engine,
    crypto::open_cms(gnupg_home, cfg.smime.anchors, cfg.smime.revocation_offline, for_sending));
  return std::unique_ptr<SmimeProtector>(new CmsProtector(std::move(engine)));
}

bool
reads_smime(const config::Config& cfg, const std::string& address)
{
  const config::Peer* peer = cfg.peer(address);
  return peer != nullptr && peer->protocol == config::PeerProtocol::smime;
}

Error
hidden_recipients_error()
{
  return Error(Errc::usage,
               "S/MIME cannot hide its recipients: an enveloped message names every "
               "recipient's certificate (issuer and serial number), so a Bcc recipient would be "
               "revealed to the others; nothing was written",
               "E2E-05",
               "give each Bcc recipient a message of their own: peermail send does, or run "
               "peermail encrypt -r ADDR once per Bcc recipient");
}

Error
no_smime_cert_error(const std::vector<std::string>& addresses)
{
  return Error(Errc::config,
               fmt::format("{} read{} S/MIME ([[peer]] protocol = \"smime\") but "
                           "identity.smime_cert is not set, so the message cannot be signed for "
                           "them; nothing was sent",
                           fmt::join(addresses, ", "),
                           addresses.size() == 1 ? "s" : ""),
               "SIG-01",
               std::string(config::k_smime_cert_fix));
}

} // namespace peermail::protect
