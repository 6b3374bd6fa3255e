// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// GnuPG's loopback pinentry, fed from a crypto::Secret (internal to crypto/:
// it names GPGME types, which cli/ never sees).

#include <peermail/crypto/passphrase.hpp>
#include <peermail/util/result.hpp>

#include <gpgme.h>

#include <memory>
#include <string>

namespace peermail::crypto {

// Per-operation state of the loopback pinentry callback.
struct LoopbackState
{
  std::shared_ptr<const Secret> secret;
  std::string setting;   // "identity.passphrase_command"
  int asked = 0;         // times GnuPG asked
  bool rejected = false; // GnuPG said the passphrase was wrong
};

// Put `ctx` in loopback pinentry mode with a callback that answers from
// `state` (which must outlive every operation on `ctx`).
Result<void> use_loopback(gpgme_ctx_t ctx, LoopbackState* state);

// Return the error for a failed sign/encrypt operation on a context in
// loopback mode: a rejected passphrase or a refused loopback names the
// setting and the fix; anything else is `fallback`.
Error loopback_error(const LoopbackState& state, gpgme_error_t err, Error fallback);

} // namespace peermail::crypto
