// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Proof from an OpenPGP ciphertext that a recipient can decrypt it (`send
// --message`, DESIGN.md §4): the key IDs of its public-key encrypted session
// key packets (RFC 4880 §5.1) against the encryption subkeys of the key that
// key judgement chose for the recipient. One home for the rule; the listing
// needs GnuPG, the decision is pure (unit-tested with hand-made facts).

#include <peermail/crypto/keyring.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {

// Return the key IDs (16 upper-case hex digits, "0000000000000000" for a
// hidden recipient, gpg --throw-keyids) of the public-key encrypted session
// key packets of the armored or binary `ciphertext`, as GnuPG in
// `gnupg_home` reports them. No secret key is needed; the plaintext, should a
// secret key in the home open it, is discarded unread. Errors: data when it
// is not an OpenPGP message; crypto for GnuPG failures.
Result<std::vector<std::string>> session_key_ids(const std::string& gnupg_home,
                                                 std::string_view ciphertext);

// Return true if `key_id` is the wildcard of a hidden recipient (all zeros).
bool is_hidden_key_id(std::string_view key_id);

// Return the fingerprint of the usable encryption (sub)key of `key` (can
// encrypt; not revoked, expired, disabled or invalid) whose key ID is among
// `key_ids`, or "" when the ciphertext names none of them.
std::string encrypted_to(const KeyFacts& key, const std::vector<std::string>& key_ids);

// The verdict on one recipient: ok, or why not and how to fix it.
struct ProofVerdict
{
  bool ok = false;
  std::string subkey_fingerprint; // the subkey (S/MIME: certificate) it is encrypted to
  std::string reason;
  std::string fix;
  std::string check_id = "E2E-01"; // the checklist item a refusal names
};

// Judge whether the message whose session key packets name `key_ids` is
// encrypted to `key` (the judged key of `address`). Hidden recipients cannot
// be proven and are refused.
ProofVerdict prove_encrypted_to(const KeyFacts& key,
                                const std::string& address,
                                const std::vector<std::string>& key_ids);

} // namespace peermail::crypto
