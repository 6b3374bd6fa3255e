// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine.hpp"

#include "key_judge.hpp"
#include "loopback.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>

#include <cerrno>
#include <string_view>

namespace peermail::crypto {

namespace {

// The signers and the armor flag are per operation; reset them afterwards.
class OpScope
{
public:
  OpScope(gpgme_ctx_t ctx, bool armor)
    : m_ctx(ctx)
  {
    gpgme_set_armor(ctx, armor ? 1 : 0);
    gpgme_signers_clear(ctx);
  }
  ~OpScope()
  {
    gpgme_signers_clear(m_ctx);
    gpgme_set_armor(m_ctx, 0);
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

private:
  gpgme_ctx_t m_ctx;
};

std::string
short_fpr(const char* fpr)
{
  return fpr != nullptr ? std::string(fpr) : std::string("(unknown)");
}

// The reason GnuPG gave for refusing the signer, or 0.
gpgme_error_t
invalid_signer_reason(gpgme_ctx_t ctx)
{
  gpgme_sign_result_t r = gpgme_op_sign_result(ctx);
  return r != nullptr && r->invalid_signers != nullptr ? r->invalid_signers->reason : 0;
}

Result<int>
check_sign_result(gpgme_ctx_t ctx, gpgme_key_t signer)
{
  gpgme_sign_result_t res = gpgme_op_sign_result(ctx);
  if (res == nullptr) {
    return fail(Errc::crypto, "GnuPG returned no signing result");
  }
  if (res->invalid_signers != nullptr) {
    return fail(Errc::no_key,
                fmt::format("GnuPG refused signing key {}: {}",
                            short_fpr(res->invalid_signers->fpr),
                            gpgme_strerror(res->invalid_signers->reason)),
                "SIG-01",
                "check the key with `peermail keys check` (expired, revoked or no secret key?)");
  }
  if (res->signatures == nullptr || res->signatures->next != nullptr) {
    return fail(Errc::crypto, "GnuPG did not make exactly one signature");
  }
  bool ours = false;
  for (gpgme_subkey_t sk = signer->subkeys; sk != nullptr && res->signatures->fpr != nullptr;
       sk = sk->next) {
    ours = ours || (sk->fpr != nullptr && std::string_view(sk->fpr) == res->signatures->fpr);
  }
  if (!ours) {
    return fail(Errc::crypto,
                fmt::format("GnuPG signed with {}, not with the configured key",
                            short_fpr(res->signatures->fpr)));
  }
  const int algo = res->signatures->hash_algo;
  if (!micalg_for(algo)) {
    return fail(Errc::crypto,
                fmt::format("GnuPG signed with {}, weaker than SHA-256", hash_name(algo)),
                "SIG-02",
                "set `personal-digest-preferences SHA512 SHA384 SHA256` in gpg.conf");
  }
  return algo;
}

} // namespace

Engine::Engine(Ctx ctx)
  : m_ctx(std::move(ctx))
{
}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>>
Engine::create(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(Ctx ctx, make_context(gnupg_home));
  return std::unique_ptr<Engine>(new Engine(std::move(ctx)));
}

Result<void>
Engine::use_passphrase(std::shared_ptr<const Secret> secret, const std::string& setting)
{
  m_loopback = std::make_unique<LoopbackState>();
  m_loopback->secret = std::move(secret);
  m_loopback->setting = setting;
  return use_loopback(m_ctx.get(), m_loopback.get());
}

std::optional<Error>
Engine::passphrase_error(gpgme_error_t err, gpgme_error_t signer_reason)
{
  if (err == 0) {
    return std::nullopt;
  }
  if (m_loopback) {
    const Error other(Errc::crypto, "");
    for (auto e : {err, signer_reason}) {
      if (e == 0) {
        continue;
      }
      Error mapped = loopback_error(*m_loopback, e, other);
      if (mapped.code != Errc::crypto) {
        return mapped;
      }
    }
    return std::nullopt;
  }
  for (auto e : {err, signer_reason}) {
    switch (gpgme_err_code(e)) {
    case GPG_ERR_NO_PIN_ENTRY:
    case GPG_ERR_PIN_ENTRY:
    case GPG_ERR_ENOTTY:
      return Error(Errc::auth,
                   "GnuPG could not ask for the signing key's passphrase: no pinentry can "
                   "reach a terminal or display",
                   "KEY-05",
                   "set identity.passphrase_command to a command that prints it, or cache it "
                   "in gpg-agent with gpg-preset-passphrase (see peermail-sendmail(1), "
                   "UNATTENDED USE)");
    default:
      break;
    }
  }
  return std::nullopt;
}

Result<gpgme_key_t>
Engine::key(const std::string& fpr, bool secret)
{
  auto& cache = secret ? m_secret : m_public;
  if (auto it = cache.find(fpr); it != cache.end()) {
    return it->second.get();
  }
  gpgme_key_t raw = nullptr;
  if (auto e = gpgme_get_key(m_ctx.get(), fpr.c_str(), &raw, secret ? 1 : 0); e != 0) {
    if (gpgme_err_code(e) == GPG_ERR_EOF) {
      return fail(Errc::no_key,
                  fmt::format("no {} key {} in the keyring", secret ? "secret" : "public", fpr),
                  secret ? "SIG-01" : "E2E-04",
                  "import the key, then run `peermail keys check`");
    }
    return unexpected(from_gpgme(e, fmt::format("looking up key {}", fpr)));
  }
  Key k(raw);
  auto* p = k.get();
  cache.emplace(fpr, std::move(k));
  return p;
}

Result<std::size_t>
Engine::prefetch_public(const std::vector<std::string>& fprs)
{
  std::vector<const char*> patterns;
  for (const auto& f : fprs) {
    if (!f.empty() && m_public.count(f) == 0) {
      patterns.push_back(f.c_str());
    }
  }
  if (patterns.empty()) {
    return std::size_t{0};
  }
  patterns.push_back(nullptr);
  gpgme_ctx_t ctx = m_ctx.get();
  if (auto e = gpgme_op_keylist_ext_start(ctx, patterns.data(), 0, 0); e != 0) {
    return unexpected(from_gpgme(e, "listing keys"));
  }
  std::size_t found = 0;
  gpgme_error_t err = 0;
  for (;;) {
    gpgme_key_t raw = nullptr;
    err = gpgme_op_keylist_next(ctx, &raw);
    if (err != 0) {
      break;
    }
    Key k(raw);
    if (raw->fpr != nullptr && m_public.count(raw->fpr) == 0) {
      m_public.emplace(raw->fpr, std::move(k));
      ++found;
    }
  }
  gpgme_op_keylist_end(ctx);
  if (gpgme_err_code(err) != GPG_ERR_EOF) {
    return unexpected(from_gpgme(err, "listing keys"));
  }
  return found;
}

Result<SignOutput>
Engine::sign_detached(std::string_view data, const std::string& signer_fpr)
{
  gpgme_ctx_t ctx = m_ctx.get();
  OpScope scope(ctx, true);
  PEERMAIL_TRY_ASSIGN(gpgme_key_t signer, key(signer_fpr, true));
  if (auto e = gpgme_signers_add(ctx, signer); e != 0) {
    return unexpected(from_gpgme(e, "adding the signer"));
  }
  PEERMAIL_TRY_ASSIGN(Data in, make_data(data));
  PEERMAIL_TRY_ASSIGN(Data out, make_data());
  const auto err = gpgme_op_sign(ctx, in.get(), out.get(), GPGME_SIG_MODE_DETACH);
  if (auto pe = passphrase_error(err, invalid_signer_reason(ctx))) {
    return unexpected(std::move(*pe));
  }
  if (gpgme_sign_result_t r = gpgme_op_sign_result(ctx);
      err != 0 && (r == nullptr || r->invalid_signers == nullptr)) {
    return unexpected(from_gpgme_op(err, "signing"));
  }
  PEERMAIL_TRY_ASSIGN(int algo, check_sign_result(ctx, signer));
  return SignOutput{take_data(out.get()), algo, signer_fpr};
}

Result<int>
Engine::encrypt_data(gpgme_data_t in,
                     gpgme_data_t out,
                     const std::vector<std::string>& recipient_fprs,
                     const std::string& signer_fpr,
                     bool hide_recipients)
{
  if (recipient_fprs.empty()) {
    return fail(Errc::no_key, "no recipients to encrypt to", "E2E-01");
  }
  gpgme_ctx_t ctx = m_ctx.get();
  OpScope scope(ctx, true);
  std::vector<gpgme_key_t> keys;
  for (const auto& fpr : recipient_fprs) {
    PEERMAIL_TRY_ASSIGN(gpgme_key_t k, key(fpr, false));
    keys.push_back(k);
  }
  keys.push_back(nullptr);
  gpgme_key_t signer = nullptr;
  if (!signer_fpr.empty()) {
    PEERMAIL_TRY_ASSIGN(signer, key(signer_fpr, true));
    if (auto e = gpgme_signers_add(ctx, signer); e != 0) {
      return unexpected(from_gpgme(e, "adding the signer"));
    }
  }
  // E2E-04: GnuPG encrypts only to keys of full validity (certified).
  // GnuPG's "always trust" override is never set: callers pass keys judged by the
  // one rule (protect::resolve_protect_keys), and GnuPG checks validity again.
  // NO_ENCRYPT_TO: an encrypt-to or hidden-encrypt-to in gpg.conf must not
  // add a recipient that was never judged and the audit would not name.
  unsigned flag_bits = GPGME_ENCRYPT_NO_ENCRYPT_TO;
  if (hide_recipients) {
    flag_bits |= GPGME_ENCRYPT_THROW_KEYIDS;
  }
  const auto flags = static_cast<gpgme_encrypt_flags_t>(flag_bits);
  const auto err = signer_fpr.empty() ? gpgme_op_encrypt(ctx, keys.data(), flags, in, out)
                                      : gpgme_op_encrypt_sign(ctx, keys.data(), flags, in, out);
  if (auto pe = passphrase_error(err, signer_fpr.empty() ? 0 : invalid_signer_reason(ctx))) {
    return unexpected(std::move(*pe));
  }
  gpgme_encrypt_result_t er = gpgme_op_encrypt_result(ctx);
  if (er != nullptr && er->invalid_recipients != nullptr) {
    return fail(
      Errc::no_key,
      fmt::format("GnuPG refused recipient key {}: {}",
                  short_fpr(er->invalid_recipients->fpr),
                  gpgme_strerror(er->invalid_recipients->reason)),
      "E2E-04",
      "check the key with `peermail keys check ADDR`; it must be valid (full or ultimate)");
  }
  int algo = 0;
  if (!signer_fpr.empty()) {
    gpgme_sign_result_t sr = gpgme_op_sign_result(ctx);
    if (err != 0 && (sr == nullptr || sr->invalid_signers == nullptr)) {
      return unexpected(from_gpgme_op(err, "signing and encrypting"));
    }
    PEERMAIL_TRY_ASSIGN(algo, check_sign_result(ctx, signer));
  }
  if (err != 0) {
    return unexpected(from_gpgme_op(err, "encrypting"));
  }
  if (er == nullptr) {
    return fail(Errc::crypto, "GnuPG returned no encryption result");
  }
  return algo;
}

Result<SignOutput>
Engine::encrypt(std::string_view data,
                const std::vector<std::string>& recipient_fprs,
                const std::string& signer_fpr,
                bool hide_recipients)
{
  PEERMAIL_TRY_ASSIGN(Data in, make_data(data));
  PEERMAIL_TRY_ASSIGN(Data out, make_data());
  PEERMAIL_TRY_ASSIGN(
    int algo, encrypt_data(in.get(), out.get(), recipient_fprs, signer_fpr, hide_recipients));
  return SignOutput{take_data(out.get()), algo, signer_fpr};
}

namespace {

// gpgme_data callbacks over Engine::ReadFn / WriteFn; never throw.
struct StreamCbs
{
  const Engine::ReadFn* read;
  const Engine::WriteFn* write;
};

ssize_t
stream_read_cb(void* handle, void* buffer, size_t size)
{
  try {
    auto* s = static_cast<StreamCbs*>(handle);
    const auto n = (*s->read)(static_cast<char*>(buffer), size);
    if (n < 0) {
      errno = EIO;
      return -1;
    }
    return static_cast<ssize_t>(n);
  } catch (...) {
    errno = EIO;
    return -1;
  }
}

ssize_t
stream_write_cb(void* handle, const void* buffer, size_t size)
{
  try {
    auto* s = static_cast<StreamCbs*>(handle);
    if (!(*s->write)(std::string_view(static_cast<const char*>(buffer), size))) {
      errno = EIO;
      return -1;
    }
    return static_cast<ssize_t>(size);
  } catch (...) {
    errno = EIO;
    return -1;
  }
}

} // namespace

Result<SignOutput>
Engine::encrypt_stream(const ReadFn& read,
                       const WriteFn& write,
                       const std::vector<std::string>& recipient_fprs,
                       const std::string& signer_fpr,
                       bool hide_recipients)
{
  StreamCbs handle{&read, &write};
  gpgme_data_cbs in_cbs{};
  in_cbs.read = stream_read_cb;
  gpgme_data_cbs out_cbs{};
  out_cbs.write = stream_write_cb;
  PEERMAIL_TRY_ASSIGN(Data in, make_data(&in_cbs, &handle));
  PEERMAIL_TRY_ASSIGN(Data out, make_data(&out_cbs, &handle));
  PEERMAIL_TRY_ASSIGN(
    int algo, encrypt_data(in.get(), out.get(), recipient_fprs, signer_fpr, hide_recipients));
  return SignOutput{std::string(), algo, signer_fpr};
}

std::vector<SignatureFacts>
Engine::collect_signatures()
{
  std::vector<SignatureFacts> out;
  gpgme_verify_result_t vr = gpgme_op_verify_result(m_ctx.get());
  if (vr == nullptr) {
    return out;
  }
  for (gpgme_signature_t s = vr->signatures; s != nullptr; s = s->next) {
    out.push_back(signature_facts(s));
  }
  // Look the keys up only now: a key listing resets the verify result.
  for (auto& f : out) {
    if (f.fingerprint.empty()) {
      continue;
    }
    auto k = key(f.fingerprint, false);
    if (!k) {
      continue;
    }
    const KeyFacts facts = to_facts(*k);
    for (const auto& u : facts.uids) {
      f.uids.push_back({u.uid, u.address, u.validity, u.revoked, u.invalid});
    }
    // The key that made the signature must be as strong as a key peermail
    // would sign with (KEY-01's floor: below 112-bit security is weak).
    KeyPolicy floor;
    floor.min_rsa_bits = 2048;
    const std::string sig_fpr = util::normalize_fingerprint(f.fingerprint);
    for (const auto& sub : facts.subkeys) {
      const bool signer =
        sub.fingerprint == sig_fpr
        || (sig_fpr.size() == 16 && sub.fingerprint.size() >= 16
            && sub.fingerprint.compare(sub.fingerprint.size() - 16, 16, sig_fpr) == 0);
      if (!signer) {
        continue;
      }
      if (auto st = judge_strength(sub, floor); st.verdict == Strength::Verdict::weak) {
        f.weak_key = st.reason;
      }
    }
  }
  return out;
}

Result<DecryptOutput>
Engine::decrypt(std::string_view ciphertext, std::size_t max_plaintext)
{
  gpgme_ctx_t ctx = m_ctx.get();
  OpScope scope(ctx, false);
  PEERMAIL_TRY_ASSIGN(Data in, make_data(ciphertext));
  BoundedSink sink;
  sink.limit = max_plaintext;
  PEERMAIL_TRY_ASSIGN(Data out, make_bounded_data(sink));
  const auto err = gpgme_op_decrypt_verify(ctx, in.get(), out.get());
  DecryptOutput d;
  gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(ctx);
  const bool nomdc = dr != nullptr && dr->legacy_cipher_nomdc != 0;
  if (err != 0 || sink.overflow) {
    const auto code = gpgme_err_code(err);
    // The first recipient error that is not "no secret key" is why the
    // reader's own key could not be used (a wrong passphrase, no pinentry).
    gpg_err_code_t key_error = GPG_ERR_NO_ERROR;
    bool no_seckey = code == GPG_ERR_NO_SECKEY;
    if (dr != nullptr && dr->recipients != nullptr) {
      no_seckey = true;
      for (auto r = dr->recipients; r != nullptr; r = r->next) {
        const auto rc = gpgme_err_code(r->status);
        if (rc != GPG_ERR_NO_SECKEY) {
          no_seckey = false;
          key_error = key_error != GPG_ERR_NO_ERROR ? key_error : rc;
        }
      }
    }
    // DECRYPTION_INFO names the cipher once the session key is known and
    // decryption has begun (GPGME says "?.?" when gpg never got there).
    const bool began =
      dr != nullptr && dr->symkey_algo != nullptr && std::string_view(dr->symkey_algo) != "?.?";
    const bool credentials = is_credential_problem(code) || is_credential_problem(key_error);
    const auto reason =
      key_error != GPG_ERR_NO_ERROR ? gpgme_strerror(gpgme_error(key_error)) : gpgme_strerror(err);
    if (sink.overflow) {
      d.too_large = true;
      d.failure = fmt::format("the decrypted content is larger than {} MiB (limit)",
                              max_plaintext / (1024 * 1024));
      d.fix = "raise the limit with `verify --max-plaintext BYTES` if you expect such a message";
    } else if (nomdc) {
      d.integrity_failure = true;
      d.failure = "the message is not integrity protected (no MDC)";
    } else if (began && !credentials) {
      // gpg can die mid-stream on damaged data ("zlib inflate problem"),
      // which GPGME reports as no data or even as cancelled.
      d.integrity_failure = true;
      d.failure = fmt::format("the encrypted data is damaged: {}", gpgme_strerror(err));
    } else if (credentials) {
      d.failure = fmt::format("your secret key could not be used: {}", reason);
      d.fix =
        "unlock the key (a terminal needs `export GPG_TTY=$(tty)`); for unattended use "
        "see peermail-verify(1), UNATTENDED KEYS";
    } else if (no_seckey) {
      d.failure = "no secret key for any recipient of the message";
      d.fix = "decrypt it where your secret key is, or import it with `gpg --import`";
    } else if (code == GPG_ERR_NO_DATA || code == GPG_ERR_INV_DATA) {
      d.failure = fmt::format("not OpenPGP encrypted data: {}", gpgme_strerror(err));
    } else if (!began) {
      d.failure = fmt::format("decryption failed: {}", gpgme_strerror(err));
    } else {
      d.integrity_failure = true;
      d.failure = fmt::format("decryption failed: {}", gpgme_strerror(err));
    }
    return d; // the sink is released unread: no plaintext leaves this function
  }
  d.decrypted = true;
  if (nomdc) {
    d.integrity_failure = true;
    d.failure = "the message is not integrity protected (no MDC)";
    return d;
  }
  d.integrity_protected = true;
  d.signatures = collect_signatures();
  d.plaintext = std::move(sink.bytes);
  return d;
}

Result<std::vector<SignatureFacts>>
Engine::verify_detached(std::string_view data, std::string_view signature)
{
  gpgme_ctx_t ctx = m_ctx.get();
  OpScope scope(ctx, false);
  PEERMAIL_TRY_ASSIGN(Data sig, make_data(signature));
  PEERMAIL_TRY_ASSIGN(Data text, make_data(data));
  if (auto e = gpgme_op_verify(ctx, sig.get(), text.get(), nullptr); e != 0) {
    const auto code = gpgme_err_code(e);
    if (code == GPG_ERR_NO_DATA || code == GPG_ERR_BAD_DATA || code == GPG_ERR_INV_DATA) {
      // A signature part that cannot be read is a damaged signature, not none.
      SignatureFacts damaged;
      damaged.status = SigStatus::bad;
      return std::vector<SignatureFacts>{damaged};
    }
    return unexpected(from_gpgme(e, "verifying"));
  }
  auto sigs = collect_signatures();
  if (sigs.empty()) {
    SignatureFacts damaged;
    damaged.status = SigStatus::bad;
    sigs.push_back(damaged);
  }
  return sigs;
}

Result<std::vector<SignatureFacts>>
Engine::verify_cleartext(std::string_view block, std::string* plain)
{
  gpgme_ctx_t ctx = m_ctx.get();
  OpScope scope(ctx, false);
  PEERMAIL_TRY_ASSIGN(Data sig, make_data(block));
  PEERMAIL_TRY_ASSIGN(Data out, make_data());
  if (auto e = gpgme_op_verify(ctx, sig.get(), nullptr, out.get()); e != 0) {
    const auto code = gpgme_err_code(e);
    if (code == GPG_ERR_NO_DATA || code == GPG_ERR_BAD_DATA || code == GPG_ERR_INV_DATA) {
      return std::vector<SignatureFacts>{};
    }
    return unexpected(from_gpgme(e, "verifying"));
  }
  if (plain != nullptr) {
    *plain = take_data(out.get());
  }
  return collect_signatures();
}

} // namespace peermail::crypto
