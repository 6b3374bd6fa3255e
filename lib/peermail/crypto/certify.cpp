// SPDX-License-Identifier: GPL-3.0-or-later
#include "certify.hpp"

#include "context.hpp"
#include "loopback.hpp"

#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>

namespace peermail::crypto {

namespace {

Result<Key>
get_key(gpgme_ctx_t ctx, const std::string& fpr, bool secret)
{
  gpgme_key_t raw = nullptr;
  if (auto e = gpgme_get_key(ctx, fpr.c_str(), &raw, secret ? 1 : 0); e != 0) {
    if (gpgme_err_code(e) == GPG_ERR_EOF) {
      return fail(Errc::no_key,
                  secret ? fmt::format("your signing key {} (identity.signing_key) has no secret "
                                       "part in the keyring",
                                       fpr)
                         : fmt::format("no key {} in the keyring", fpr),
                  secret ? "SIG-01" : "E2E-01",
                  secret ? "set identity.signing_key to your own key"
                         : "import it first: peermail keys import FILE");
    }
    return unexpected(from_gpgme(e, fmt::format("looking up key {}", fpr)));
  }
  return Key(raw);
}

} // namespace

Result<void>
certify_locally(const std::string& gnupg_home,
                const std::string& fingerprint,
                const std::string& signer_fingerprint,
                std::shared_ptr<const Secret> passphrase)
{
  PEERMAIL_TRY_ASSIGN(const std::string fpr, util::full_fingerprint(fingerprint));
  PEERMAIL_TRY_ASSIGN(Ctx ctx, make_context(gnupg_home));
  LoopbackState loopback;
  loopback.secret = std::move(passphrase);
  loopback.setting = "identity.passphrase_command";
  if (loopback.secret) {
    PEERMAIL_TRY(use_loopback(ctx.get(), &loopback));
  }
  PEERMAIL_TRY_ASSIGN(Key target, get_key(ctx.get(), fpr, false));
  PEERMAIL_TRY_ASSIGN(Key signer,
                      get_key(ctx.get(), util::normalize_fingerprint(signer_fingerprint), true));
  if (auto e = gpgme_signers_add(ctx.get(), signer.get()); e != 0) {
    return unexpected(from_gpgme(e, "adding the certifying key"));
  }
  const auto flags = GPGME_KEYSIGN_LOCAL | GPGME_KEYSIGN_NOEXPIRE;
  const auto err = gpgme_op_keysign(ctx.get(), target.get(), nullptr, 0, flags);
  gpgme_signers_clear(ctx.get());
  if (err == 0 || gpgme_err_code(err) == GPG_ERR_EOF) {
    return {};
  }
  Error e = from_gpgme(err, fmt::format("certifying {}", fpr));
  if (loopback.secret) {
    Error m = loopback_error(loopback, err, e);
    return unexpected(std::move(m));
  }
  return unexpected(std::move(e));
}

} // namespace peermail::crypto
