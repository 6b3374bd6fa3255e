// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Choose and judge the keys for protecting one message (docs/DESIGN.md §4):
// every recipient, the sender's own key (policy.encrypt_to_self), the
// archive key (policy.archive_key) and the signing key. Shared by `encrypt`
// and `sign`; the Keyring caches each judgement for the run.

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <vector>

namespace peermail {

struct ProtectKeys
{
  std::string signer_fingerprint;                  // empty when not signing
  std::vector<std::string> recipient_fingerprints; // unique, in order
  std::vector<std::string> warnings;               // expiring keys, …
};

// Return the KeyPolicy of `cfg`.
crypto::KeyPolicy key_policy(const config::Config& cfg);

// Judge the keys. `recipients` are the addresses to encrypt to (empty: sign
// only). Errors: Errc::no_key naming the address, the reason, the checklist
// item and the fix; keyring failures as the Keyring reports them.
Result<ProtectKeys> resolve_protect_keys(crypto::Keyring& keyring,
                                         const config::Config& cfg,
                                         const std::vector<std::string>& recipients,
                                         bool sign);

} // namespace peermail
