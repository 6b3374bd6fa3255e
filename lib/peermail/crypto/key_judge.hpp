// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/crypto/keyring.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Pure judgement of key facts (docs/DESIGN.md §4, CHECKLIST.md E2E-04, KEY-01…05,
// SIG-01). No GPGME, no I/O: the Keyring gathers KeyFacts and these functions
// decide, so the rules are unit-tested with hand-made facts.
namespace peermail::crypto {

// gpgme_validity_t values, without including gpgme.h.
enum Validity : int {
  k_validity_unknown = 0,
  k_validity_undefined = 1,
  k_validity_never = 2,
  k_validity_marginal = 3,
  k_validity_full = 4,
  k_validity_ultimate = 5,
};

// Return "unknown", "undefined", "never", "marginal", "full" or "ultimate".
std::string_view validity_name(int validity);

// The end of 2030: keys of 112-bit strength must not be used after it (KEY-01).
inline constexpr std::int64_t k_end_of_2030 = 1924991999; // 2030-12-31T23:59:59Z

// The strength verdict on one (sub)key (KEY-01).
struct Strength
{
  enum class Verdict { ok, warn, weak } verdict = Verdict::ok;
  std::string reason; // "rsa2048 is below the policy minimum of 3072 bits"
};

// Judge the strength of `subkey`: RSA/DSA/ElGamal below 2048 bits or below
// `policy.min_rsa_bits` is weak; ECC below 224 bits is weak; 112-bit keys
// (RSA < 3072, curves < 256 bits) that expire after 2030 or never get a warning.
Strength judge_strength(const SubkeyFacts& subkey, const KeyPolicy& policy);

// Return the current time when `policy.now` is 0, else `policy.now`.
std::int64_t policy_now(const KeyPolicy& policy);

// Format `epoch` (seconds) as YYYY-MM-DD (UTC).
std::string format_date(std::int64_t epoch);

// Judge `key` as the encryption key for `address`. `pinned` is true when a
// [[peer]] entry pins this key's fingerprint (then user-ID validity is not
// required: the pin is the out-of-band verification).
KeyJudgement judge_recipient_key(const KeyFacts& key,
                                 const std::string& address,
                                 bool pinned,
                                 const KeyPolicy& policy);

// Choose and judge the encryption key for `address` among `candidates` (every
// key in the keyring with a user ID for `address`, plus the pinned key if it
// exists). With `pinned`, only the key with that fingerprint may be used;
// otherwise the valid, usable, newest candidate wins.
KeyJudgement choose_recipient_key(const std::vector<KeyFacts>& candidates,
                                  const std::string& address,
                                  const std::optional<std::string>& pinned,
                                  const KeyPolicy& policy);

// Judge `key` (nullptr: not in the keyring) as the signing key `fingerprint`
// for sender `address` (SIG-01): secret part present, a usable signing
// subkey with its secret, not expired or revoked, strong, and a user ID for
// `address`. `key` must come from a secret-key listing.
KeyJudgement judge_signer_key(const KeyFacts* key,
                              const std::string& fingerprint,
                              const std::string& address,
                              const KeyPolicy& policy);

// Return `j` refused for `p`, with the checklist `id`, the `reason` and the
// `fix` (shared by OpenPGP keys and X.509 certificates, cert_judge.cpp).
KeyJudgement
with_problem(KeyJudgement j, KeyProblem p, std::string id, std::string reason, std::string fix);

// Return true if `key` has separate signing and encryption subkeys and no
// subkey both signs and encrypts (KEY-04).
bool separates_usages(const KeyFacts& key);

} // namespace peermail::crypto
