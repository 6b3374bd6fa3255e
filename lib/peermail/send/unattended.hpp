// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How the signing key's passphrase reaches GnuPG, decided before anything
// is sent (docs/DESIGN.md §4, KEY-05): identity.passphrase_command (run
// once, its output kept in memory only and zeroed after the run, fed to the
// loopback pinentry), else whatever gpg-agent has cached or its pinentry can
// ask. A key that needs a passphrase nobody can type (no terminal, no
// display, not cached, no command) is refused up front with 77.

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/crypto/passphrase.hpp>
#include <peermail/util/result.hpp>

#include <memory>
#include <string>

namespace peermail::send {

struct Services;

// Whether a pinentry could reach the user: a terminal or a display. The CLI
// decides (the library reads no environment).
enum class Prompt { possible, impossible };

// The setting named in errors.
inline constexpr const char* k_passphrase_setting = "identity.passphrase_command";

// Return the passphrase to sign with (null: let gpg-agent handle it) for the
// signing key `signer`: the output of identity.passphrase_command when set
// (Errc::auth naming it when it fails, hangs past the account's timeout_s or
// prints nothing); else null, unless gpg-agent says the key is protected and
// not cached and `prompt` is impossible: then Errc::auth (77, KEY-05) with a
// fix naming passphrase_command and gpg-preset-passphrase.
Result<std::shared_ptr<const crypto::Secret>> signing_passphrase(const config::Config& cfg,
                                                                 const std::string& gnupg_home,
                                                                 const crypto::KeyFacts& signer,
                                                                 Prompt prompt);

// As signing_passphrase() for the configured signing key, looked up in
// `gnupg_home` (for callers without a key plan, e.g. batch). A key that is
// not there is left to the key plan to refuse (returns null).
Result<std::shared_ptr<const crypto::Secret>>
identity_passphrase(const config::Config& cfg, const std::string& gnupg_home, Prompt prompt);

// Make every protector `services` creates sign with `secret` (no-op when
// null).
void use_passphrase(Services& services, std::shared_ptr<const crypto::Secret> secret);

} // namespace peermail::send
