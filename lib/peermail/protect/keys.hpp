// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The key plan (docs/DESIGN.md §4): every key a message is protected with —
// the signing key (identity.signing_key), each recipient's key ([[peer]]
// pin or full validity, either is enough), the sender's own key (policy.encrypt_to_self)
// and the archive key (policy.archive_key) — judged by one set of rules for
// `encrypt`, `sign`, `send`, `sendmail`, `batch` and `check`. The Keyring
// caches each judgement for the run.

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace peermail::protect {

// Return the KeyPolicy of `cfg` ([policy] min_rsa_bits, expiry_warning_days),
// judged at `now` (0: the current time).
crypto::KeyPolicy key_policy(const config::Config& cfg, std::int64_t now = 0);

// Judge the key of recipient `address`: the [[peer]] pin of `cfg` if it has
// one, else a key with full validity for exactly that address. Errors:
// keyring failures only; an unusable key is a judgement.
Result<crypto::KeyJudgement> judge_recipient(crypto::Keyring& keyring,
                                             const config::Config& cfg,
                                             const std::string& address,
                                             const crypto::KeyPolicy& policy);

// The identity's keys, judged (not yet refused). Unset: not needed.
struct KeyPlan
{
  std::optional<crypto::KeyJudgement> signer;  // identity.signing_key, when signing
  std::optional<crypto::KeyJudgement> self;    // policy.encrypt_to_self, when encrypting
  std::optional<crypto::KeyJudgement> archive; // policy.archive_key, when encrypting
};

// Judge the signing key (when `sign`), the own key and the archive key (when
// `encrypt` and configured). The archive key is judged like a pinned
// recipient: present, usable, strong (KEY-01), not expired (KEY-02) or
// revoked (KEY-03); policy.archive_key is its pin (E2E-04: pinned and
// certified, docs/DESIGN.md §4); its reason and fix name
// policy.archive_key. Errors: keyring failures only.
Result<KeyPlan> judge_key_plan(crypto::Keyring& keyring,
                               const config::Config& cfg,
                               bool sign,
                               bool encrypt,
                               const crypto::KeyPolicy& policy);

// The usable keys of a plan.
struct IdentityKeys
{
  std::string signer_fpr;              // the signing key (full fingerprint); "" when not signing
  std::vector<std::string> extra_fprs; // encrypt-to-self, archive
  std::vector<std::string> warnings;   // expiring keys, …
};

// Refuse `plan` when any of its keys is unusable: Errc::no_key (exit 67)
// naming the setting, the reason, the checklist item and the fix.
Result<IdentityKeys> require_key_plan(const KeyPlan& plan, const config::Config& cfg);

struct ProtectKeys
{
  std::string signer_fingerprint;                  // empty when not signing
  std::vector<std::string> recipient_fingerprints; // unique, in order
  std::vector<std::string> warnings;               // expiring keys, …
};

// Judge the keys. `recipients` are the addresses to encrypt to (empty: sign
// only). Errors: Errc::no_key naming the address, the reason, the checklist
// item and the fix; keyring failures as the Keyring reports them.
Result<ProtectKeys> resolve_protect_keys(crypto::Keyring& keyring,
                                         const config::Config& cfg,
                                         const std::vector<std::string>& recipients,
                                         bool sign);

} // namespace peermail::protect
