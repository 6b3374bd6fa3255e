// SPDX-License-Identifier: GPL-3.0-or-later
#include "recipient_proof.hpp"

#include "context.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>

namespace peermail::crypto {

namespace {

// True if the key ID `id` names the (sub)key with fingerprint `fpr`: the low
// 64 bits of a v4 fingerprint, the high 64 bits of a v5 one, or the whole
// fingerprint (v6 packets name it).
bool
names(const std::string& fpr, const std::string& id)
{
  const std::string f = util::normalize_fingerprint(fpr);
  if (id.size() == f.size()) {
    return id == f;
  }
  if (id.size() != 16 || f.size() < 16) {
    return false;
  }
  return f.size() == 64 ? f.rfind(id, 0) == 0 : f.compare(f.size() - 16, 16, id) == 0;
}

// A write callback for the plaintext sink: stop at the first byte. The
// recipients (ENC_TO) are known before any plaintext flows, so the sender's
// own copy is never decrypted whole (nor a compression bomb inflated).
ssize_t
stop_at_plaintext(void* /*handle*/, const void* /*buffer*/, size_t /*size*/)
{
  errno = ECANCELED;
  return -1;
}

} // namespace

Result<std::vector<std::string>>
session_key_ids(const std::string& gnupg_home, std::string_view ciphertext)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, make_context(gnupg_home));
  // Never ask for a passphrase: the key IDs are known before any secret key
  // is tried, and a protected one is simply not used.
  if (auto e = gpgme_set_pinentry_mode(ctx.get(), GPGME_PINENTRY_MODE_CANCEL); e != 0) {
    return unexpected(from_gpgme(e, "gpgme_set_pinentry_mode"));
  }
  PEERMAIL_TRY_ASSIGN(auto cipher, make_data(ciphertext));
  gpgme_data_cbs cbs{};
  cbs.write = stop_at_plaintext;
  PEERMAIL_TRY_ASSIGN(Data sink, make_data(&cbs, nullptr));
  // Without a secret key this fails (no secret key); the recipients are in
  // the result all the same.
  const gpgme_error_t err = gpgme_op_decrypt(ctx.get(), cipher.get(), sink.get());
  std::vector<std::string> ids;
  if (gpgme_decrypt_result_t r = gpgme_op_decrypt_result(ctx.get()); r != nullptr) {
    for (gpgme_recipient_t p = r->recipients; p != nullptr; p = p->next) {
      if (p->keyid != nullptr) {
        ids.push_back(util::normalize_fingerprint(p->keyid));
      }
    }
  }
  if (ids.empty() && gpgme_err_code(err) == GPG_ERR_NO_DATA) {
    return fail(Errc::data, "the encrypted part holds no OpenPGP message");
  }
  if (ids.empty() && gpgme_err_code(err) == GPG_ERR_CANCELED) {
    return unexpected(from_gpgme(err, "listing the recipients of the message"));
  }
  return ids;
}

bool
is_hidden_key_id(std::string_view key_id)
{
  return !key_id.empty()
         && std::all_of(key_id.begin(), key_id.end(), [](char c) { return c == '0'; });
}

std::string
encrypted_to(const KeyFacts& key, const std::vector<std::string>& key_ids)
{
  if (key.revoked || key.expired || key.disabled || key.invalid) {
    return "";
  }
  for (const auto& sub : key.subkeys) {
    if (!sub.can_encrypt || sub.revoked || sub.expired || sub.disabled || sub.invalid) {
      continue;
    }
    for (const auto& id : key_ids) {
      if (names(sub.fingerprint, util::normalize_fingerprint(id))) {
        return sub.fingerprint;
      }
    }
  }
  return "";
}

ProofVerdict
prove_encrypted_to(const KeyFacts& key,
                   const std::string& address,
                   const std::vector<std::string>& key_ids)
{
  ProofVerdict v;
  v.subkey_fingerprint = encrypted_to(key, key_ids);
  if (!v.subkey_fingerprint.empty()) {
    v.ok = true;
    return v;
  }
  const bool hidden = std::any_of(
    key_ids.begin(), key_ids.end(), [](const std::string& id) { return is_hidden_key_id(id); });
  if (key_ids.empty()) {
    v.reason = "the message is not public-key encrypted to anyone, so not to its key";
    v.fix = fmt::format("encrypt it to <{}>: peermail encrypt MESSAGE", address);
  } else if (hidden) {
    v.reason = fmt::format(
      "the message has hidden recipients (key IDs left out, --throw-keyids), so it cannot be "
      "proven that it is encrypted to key {}",
      key.fingerprint);
    v.fix =
      "encrypt it without --hide-recipients (and without gpg --throw-keyids or "
      "--hidden-recipient)";
  } else {
    v.reason = fmt::format("the message is not encrypted to its key {}", key.fingerprint);
    v.fix = fmt::format("encrypt it to <{}>'s key: peermail encrypt MESSAGE", address);
  }
  return v;
}

} // namespace peermail::crypto
