// SPDX-License-Identifier: GPL-3.0-or-later
// Writing S/MIME (RFC 8551) through gpgsm: a detached SHA-256 signature and
// AES-256 enveloped-data. Certificates are judged before (cert_judge.cpp);
// gpgsm checks each chain again and is never told to trust blindly.
#include "cms.hpp"
#include "context.hpp"
#include "x509_context.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>

#include <map>
#include <sstream>

namespace peermail::crypto {

namespace {

// gpgsm.conf names the cipher by OID or by these names (gpgsm(1)).
bool
is_aes256(std::string_view value)
{
  const std::string v = util::to_lower(std::string(value));
  return v == "aes256" || v == "2.16.840.1.101.3.4.1.42";
}

std::string
trim(std::string_view s)
{
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

} // namespace

Result<void>
CmsEngine::require_aes256()
{
  const std::string path = m_home + "/gpgsm.conf";
  std::string current;
  if (auto r = util::read_file(path, 1 << 20)) {
    current = std::move(*r);
  }
  // gpgsm takes the last cipher-algo line it reads: every one must name
  // AES-256, not only the first.
  std::istringstream in(current);
  std::string line;
  bool aes256 = false;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    // Options that make gpgsm accept what the certificate judgement relies
    // on it to refuse (an expired or revoked chain) are refused for sending.
    for (const char* weak : {"disable-crl-checks",
                             "disable-trusted-cert-crl-check",
                             "faked-system-time",
                             "debug-ignore-expiration",
                             "ignore-cert-extension",
                             "disable-policy-checks",
                             "debug-no-chain-validation"}) {
      const std::string_view w(weak);
      if (t.rfind(w, 0) == 0
          && (t.size() == w.size() || t[w.size()] == ' ' || t[w.size()] == '\t')) {
        return fail(Errc::config,
                    fmt::format("{} sets {}: gpgsm would then accept certificates the "
                                "S/MIME judgement must refuse (KEY-03)",
                                path,
                                weak),
                    "KEY-03",
                    "remove that line from gpgsm.conf ([smime] revocation = \"offline\" is the "
                    "stated way to work without revocation data)");
      }
    }
    if (t.rfind("cipher-algo", 0) != 0) {
      continue;
    }
    const std::string value = trim(std::string_view(t).substr(11));
    if (is_aes256(value)) {
      aes256 = true;
      continue;
    }
    return fail(Errc::config,
                fmt::format("{} sets cipher-algo {}: S/MIME content must be encrypted with "
                            "AES-256 (E2E-02)",
                            path,
                            value),
                "E2E-02",
                "change that line to `cipher-algo AES256` or remove it");
  }
  if (aes256) {
    return {};
  }
  if (!current.empty() && current.back() != '\n') {
    current += '\n';
  }
  current += "# S/MIME content encryption (added by peermail)\ncipher-algo AES256\n";
  PEERMAIL_TRY(util::write_file_atomic(path, current, 0600));
  return {};
}

Result<SignOutput>
CmsEngine::sign_detached(std::string_view data, const std::string& signer)
{
  gpgme_ctx_t ctx = m_ctx.get();
  // Looked up once per engine (a batch worker signs every message with the
  // same certificate), in its own gpgsm; gpgsm checks the certificate again
  // when it signs.
  if (!m_signer_key || m_signer_fpr != signer) {
    m_signer_key = lookup(signer, true);
    if (!m_signer_key) {
      return fail(Errc::no_key,
                  fmt::format("identity.smime_cert: certificate {} with its secret key is not in "
                              "the gpgsm keybox",
                              signer),
                  "SIG-01",
                  "import your certificate and key (peermail keys import FILE.p12)");
    }
    m_signer_fpr = signer;
  }
  gpgme_signers_clear(ctx);
  if (auto e = gpgme_signers_add(ctx, m_signer_key.get()); e != 0) {
    return unexpected(from_gpgme(e, "choosing the S/MIME signing certificate"));
  }
  PEERMAIL_TRY_ASSIGN(Data in, make_data(data));
  PEERMAIL_TRY_ASSIGN(Data out, make_data());
  gpgme_set_offline(ctx, m_offline ? 1 : 0);
  const auto e = gpgme_op_sign(ctx, in.get(), out.get(), GPGME_SIG_MODE_DETACH);
  gpgme_set_offline(ctx, 0);
  gpgme_signers_clear(ctx);
  if (e != 0) {
    return unexpected(from_gpgme_op(e, "signing with identity.smime_cert"));
  }
  gpgme_sign_result_t sr = gpgme_op_sign_result(ctx);
  if (sr == nullptr || sr->signatures == nullptr || sr->invalid_signers != nullptr) {
    return fail(Errc::no_key,
                fmt::format("gpgsm could not sign with certificate {}", signer),
                "SIG-01",
                "check the certificate with `gpgsm --list-secret-keys`");
  }
  if (sr->signatures->hash_algo != GPGME_MD_SHA256 && sr->signatures->hash_algo != GPGME_MD_SHA384
      && sr->signatures->hash_algo != GPGME_MD_SHA512) {
    return fail(Errc::crypto, "the S/MIME signature hash is weaker than SHA-256", "SIG-02");
  }
  SignOutput so;
  // gpgsm picks the hash from the certificate (its signature algorithm, a
  // P-384 curve) or digest-algo: micalg and the audit name the one used.
  so.hash_algo = sr->signatures->hash_algo;
  so.signer_fingerprint = signer;
  so.data = take_data(out.get());
  return so;
}

Result<std::string>
CmsEngine::encrypt(std::string_view data, const std::vector<std::string>& recipients)
{
  if (recipients.empty()) {
    return fail(Errc::internal, "S/MIME encryption to no recipient");
  }
  PEERMAIL_TRY(require_aes256()); // refuses a cipher-algo line added since
  // A gpgsm of its own for each encryption: gpgsm 2.2 in server mode runs
  // out of secure memory after a few encryptions ("gcrypt: Cannot allocate
  // memory", and every later operation of that gpgsm fails), so batch and
  // Bcc copies must not share one. Two gpgsm starts per message (GPGME
  // asks a new context's gpgsm for its version, then starts the server).
  PEERMAIL_TRY_ASSIGN(Ctx fresh, cms_context(m_home));
  gpgme_set_armor(fresh.get(), 0);
  gpgme_ctx_t ctx = fresh.get();
  // Each recipient is listed validated in this context, in the mode the
  // judgement used ([smime] revocation): gpgsm's encryption in the same
  // process builds on that validation (a fresh gpgsm asked to encrypt
  // offline still fetched CRLs from an unreachable distribution point).
  // All of them in one listing (one gpgsm, not one per recipient); only
  // the certificates asked for are used, each exactly once.
  gpgme_set_offline(ctx, m_offline ? 1 : 0);
  gpgme_set_keylist_mode(ctx, GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_VALIDATE);
  std::map<std::string, Key> listed; // lower-case fingerprint -> certificate
  {
    std::vector<const char*> patterns;
    for (const auto& fpr : recipients) {
      patterns.push_back(fpr.c_str());
    }
    patterns.push_back(nullptr);
    if (gpgme_op_keylist_ext_start(ctx, patterns.data(), 0, 0) == 0) {
      gpgme_key_t raw = nullptr;
      while (gpgme_op_keylist_next(ctx, &raw) == 0 && raw != nullptr) {
        Key k(raw);
        if (k->fpr != nullptr) {
          listed.emplace(util::to_lower(k->fpr), std::move(k));
        }
      }
      gpgme_op_keylist_end(ctx);
    }
  }
  std::vector<Key> keys;
  std::vector<gpgme_key_t> raw_keys;
  for (const auto& fpr : recipients) {
    const auto it = listed.find(util::to_lower(fpr));
    if (it == listed.end() || !it->second) {
      if (it != listed.end()) {
        continue; // named twice: encrypted to once
      }
      return fail(Errc::no_key,
                  fmt::format("certificate {} is not in the gpgsm keybox", fpr),
                  "E2E-01",
                  "import it (peermail keys import FILE)");
    }
    raw_keys.push_back(it->second.get());
    keys.push_back(std::move(it->second));
  }
  raw_keys.push_back(nullptr);
  PEERMAIL_TRY_ASSIGN(Data in, make_data(data));
  PEERMAIL_TRY_ASSIGN(Data out, make_data());
  gpgme_set_offline(ctx, m_offline ? 1 : 0);
  // No GPGME_ENCRYPT_ALWAYS_TRUST: gpgsm validates every recipient's chain.
  // NO_ENCRYPT_TO: an `encrypt-to` in gpgsm.conf must not add a recipient
  // that was never judged and that the audit record would not name.
  const auto e =
    gpgme_op_encrypt(ctx, raw_keys.data(), GPGME_ENCRYPT_NO_ENCRYPT_TO, in.get(), out.get());
  gpgme_set_offline(ctx, 0);
  if (e != 0) {
    gpgme_encrypt_result_t er = gpgme_op_encrypt_result(ctx);
    if (er != nullptr && er->invalid_recipients != nullptr) {
      const auto* ir = er->invalid_recipients;
      return fail(Errc::no_key,
                  fmt::format("gpgsm refused certificate {}: {}",
                              ir->fpr != nullptr ? ir->fpr : "?",
                              gpgme_strerror(ir->reason)),
                  "E2E-04",
                  "check the certificate's chain and revocation with `gpgsm --list-keys "
                  "--with-validation FPR`");
    }
    return unexpected(from_gpgme_op(e, "encrypting S/MIME enveloped data"));
  }
  return take_data(out.get());
}

} // namespace peermail::crypto
