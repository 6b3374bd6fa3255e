// SPDX-License-Identifier: GPL-3.0-or-later
#include "protect.hpp"

#include <peermail/crypto/engine.hpp>
#include <peermail/mime/pgp_mime.hpp>
#include <peermail/util/fs.hpp>

namespace peermail {

namespace {

class GpgProtector final : public Protector
{
public:
  explicit GpgProtector(std::unique_ptr<crypto::Engine> engine) : m_engine(std::move(engine))
  {
  }

  Result<ProtectResult>
  protect(std::string_view message, const ProtectOptions& opts) override
  {
    if (!opts.sign && !opts.encrypt) {
      return fail(Errc::usage, "nothing to do: neither signing nor encrypting");
    }
    if (opts.sign && opts.signer_fingerprint.empty()) {
      return fail(Errc::no_key, "no signing key configured", "SIG-01",
                  "set identity.signing_key to your key's full fingerprint");
    }
    const auto subject = opts.encrypt && opts.protect_subject ? mime::SubjectProtection::placeholder
                                                             : mime::SubjectProtection::keep;
    PEERMAIL_TRY_ASSIGN(mime::Prepared prepared, mime::prepare(message, subject));
    ProtectResult out;
    out.message_id = prepared.message_id;
    out.content_sha256 = util::sha256_hex(prepared.inner);
    if (opts.encrypt) {
      // RFC 3156 §6.2: one OpenPGP message, signed then encrypted, over the
      // whole inner entity (what stock gpg and Thunderbird verify).
      PEERMAIL_TRY_ASSIGN(auto enc, m_engine->encrypt(prepared.inner, opts.recipient_fingerprints,
                                                      opts.sign ? opts.signer_fingerprint : std::string()));
      if (opts.sign) {
        out.hash_algo = crypto::hash_name(enc.hash_algo);
      }
      out.message = mime::assemble_encrypted(prepared, enc.data);
      return out;
    }
    PEERMAIL_TRY_ASSIGN(auto sig, m_engine->sign_detached(prepared.inner, opts.signer_fingerprint));
    auto micalg = crypto::micalg_for(sig.hash_algo);
    if (!micalg) {
      return fail(Errc::crypto, "the signature hash is weaker than SHA-256", "SIG-02");
    }
    out.hash_algo = crypto::hash_name(sig.hash_algo);
    out.message = mime::assemble_signed(prepared, sig.data, *micalg);
    return out;
  }

  Result<void>
  prefetch_keys(const std::vector<std::string>& fingerprints) override
  {
    PEERMAIL_TRY(m_engine->prefetch_public(fingerprints));
    return {};
  }

private:
  std::unique_ptr<crypto::Engine> m_engine;
};

} // namespace

Result<std::unique_ptr<Protector>>
Protector::create(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto engine, crypto::Engine::create(gnupg_home));
  return std::unique_ptr<Protector>(new GpgProtector(std::move(engine)));
}

} // namespace peermail
