// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peermail::crypto {

// Facts about one (sub)key, read from GPGME (CHECKLIST.md §9).
struct SubkeyFacts
{
  std::string fingerprint;
  std::string algo;    // gpgme_pubkey_algo_string(): "rsa3072", "ed25519", "cv25519"
  unsigned length = 0; // bits
  std::string curve;   // "" for RSA
  bool can_sign = false;
  bool can_encrypt = false;
  bool can_certify = false;
  bool revoked = false;
  bool expired = false;
  bool disabled = false;
  bool invalid = false;
  bool secret = false;
  bool is_cardkey = false;
  std::int64_t created = 0;
  std::int64_t expires = 0; // 0 = never
  std::string keygrip;      // for gpg-agent KEYINFO (KEY-05); may be empty
};

struct UidFacts
{
  std::string uid;     // "Name <addr>"
  std::string address; // lower case
  int validity = 0;    // gpgme_validity_t: 0 unknown … 4 full, 5 ultimate
  bool revoked = false;
  bool invalid = false;
};

struct KeyFacts
{
  std::string fingerprint;          // primary key, upper case
  std::vector<SubkeyFacts> subkeys; // [0] is the primary key
  std::vector<UidFacts> uids;
  bool revoked = false;
  bool expired = false;
  bool disabled = false;
  bool invalid = false;
  bool has_secret = false;
  int owner_trust = 0;
};

// Why a key cannot be used, in the order they are checked.
enum class KeyProblem {
  none,
  missing,      // no key for the address / fingerprint
  pin_mismatch, // the roster pins another fingerprint
  uid_mismatch, // the key has no user ID for this address
  revoked,
  expired,
  disabled,
  invalid,
  no_usable_subkey, // no valid encryption (or signing) subkey
  weak,             // below policy strength (KEY-01)
  validity,         // user ID validity below full (E2E-04)
  no_secret,        // signing key without secret part
};

std::string_view to_string(KeyProblem p);

// What policy demands of a key (from [policy]).
struct KeyPolicy
{
  int min_rsa_bits = 3072;
  int expiry_warning_days = 30;
  std::int64_t now = 0; // seconds since epoch; 0: use the current time
};

// The verdict on one address or fingerprint.
struct KeyJudgement
{
  std::string address;            // the address asked about ("" for a bare fingerprint)
  std::optional<KeyFacts> key;    // the key that was chosen or examined
  std::string subkey_fingerprint; // the usable encryption/signing subkey, if any
  KeyProblem problem = KeyProblem::none;
  std::string reason;                // "key 89AB… expired on 2026-01-01"
  std::string fix;                   // "ask sam.lee@… for a new key, then `peermail keys import`"
  std::string check_id;              // "KEY-02", "E2E-04", …
  std::vector<std::string> warnings; // expiring within expiry_warning_days, RSA-2048 after 2030, …

  bool
  ok() const
  {
    return problem == KeyProblem::none;
  }
};

// The error for an unusable key: Errc::no_key (67), "WHO: REASON", with the
// judgement's checklist ID and fix.
Error judgement_error(const KeyJudgement& j, std::string_view who);

// A GnuPG keyring, judged once per run and cached: each address is listed
// once, so batch work over many recipients costs one key listing each.
// Not thread-safe; use one per thread or guard it.
class Keyring
{
public:
  // Open the keyring in `gnupg_home` ("" = GnuPG's default home).
  static Result<std::unique_ptr<Keyring>> open(const std::string& gnupg_home);

  virtual ~Keyring() = default;

  // Judge the encryption key for `address`: the pinned `fingerprint` if the
  // roster has one, else a key with a user ID for exactly that address whose
  // validity is full or ultimate. Result errors are only for keyring failures
  // (unreadable keyring, gpg missing); an unusable key is a KeyJudgement.
  virtual Result<KeyJudgement> judge_recipient(const std::string& address,
                                               const std::optional<std::string>& pinned,
                                               const KeyPolicy& policy) = 0;

  // Judge the signing key `fingerprint` for sender `address`: secret part
  // present, can sign, not expired/revoked, strong, and a user ID for
  // `address` (SIG-01).
  virtual Result<KeyJudgement> judge_signer(const std::string& fingerprint,
                                            const std::string& address,
                                            const KeyPolicy& policy) = 0;

  // List the keys (public, or secret when `secret`).
  virtual Result<std::vector<KeyFacts>> list(bool secret) = 0;

  // Import keys from `data` (armored or binary); return the imported
  // fingerprints.
  virtual Result<std::vector<std::string>> import(const std::string& data) = 0;

  // Return the home directory ("" = default).
  virtual const std::string& home() const = 0;
};

} // namespace peermail::crypto
