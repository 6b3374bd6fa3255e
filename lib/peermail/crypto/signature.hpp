// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Pure mappings from GPGME signature facts to judgements (docs/DESIGN.md §6,
// CHECKLIST.md SIG-02, SIG-03). No I/O: unit-tested with hand-made values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {

// The outcome of checking one signature's mathematics and key state.
enum class SigStatus {
  good,        // the signature verifies
  bad,         // the signed data was altered or the signature is damaged
  no_key,      // the signer's public key is not in the keyring
  key_expired, // verifies, but the key has expired
  key_revoked, // verifies, but the key was revoked
  sig_expired, // verifies, but the signature has expired
  error,       // could not be checked (unsupported algorithm, …)
};

// Return "good", "bad", "no-key", "key-expired", "key-revoked",
// "sig-expired" or "error".
std::string_view to_string(SigStatus s);

// One signature as GPGME reported it, plus the signer key's user IDs.
struct SignatureFacts
{
  std::string fingerprint; // as reported (full fingerprint, or key ID when unknown)
  SigStatus status = SigStatus::error;
  unsigned summary = 0;     // gpgme_sigsum_t bits
  int validity = 0;         // gpgme_validity_t of the signer key
  int hash_algo = 0;        // gpgme_hash_algo_t
  std::int64_t created = 0; // seconds since the epoch
  bool wrong_key_usage = false;
  std::string weak_key; // non-empty: why the signing key is too weak (KEY-01)
  // Non-empty: why the signer's certificate is not trusted although GnuPG
  // may have accepted it (S/MIME: no configured anchor, key usage, chain).
  std::string untrusted_reason;
  struct Uid
  {
    std::string uid;     // "Name <addr>"
    std::string address; // lower case
    int validity = 0;
    bool revoked = false;
    bool invalid = false;
  };
  std::vector<Uid> uids; // empty when the key is unknown
};

// Map a GPGME signature `status` code (gpg_err_code_t) and `summary` bits to a
// SigStatus.
SigStatus classify_status(unsigned status_code, unsigned summary);

// Return true when the signature is good and its key valid: summary VALID, or
// GREEN with validity FULL/ULTIMATE; never with RED, a revoked/expired key or
// signature, a missing key, wrong key usage, a signing key below the
// KEY-01 floor (`weak_key`: the same strength rule as for sending), or an
// `untrusted_reason`.
bool signature_trusted(const SignatureFacts& sig);

// Return true for digest algorithms that must not be trusted in signatures
// (MD5, SHA-1, RIPEMD-160, and anything unknown).
bool hash_is_weak(int hash_algo);

// Return the RFC 3156 §5 / RFC 4880 §7 micalg for `hash_algo`
// ("pgp-sha256", "pgp-sha384", "pgp-sha512"), or nothing for a hash that
// new signatures must not use (SHA-256 or stronger only, SIG-02).
std::optional<std::string> micalg_for(int hash_algo);

// Return the GnuPG name of `hash_algo` ("SHA256"), or "unknown".
std::string hash_name(int hash_algo);

// Return true when `validity` (gpgme_validity_t) is full or ultimate.
bool validity_at_least_full(int validity);

// Return "unknown", "undefined", "never", "marginal", "full" or "ultimate".
std::string_view validity_string(int validity);

// Return the lower-cased address of a "Name <addr>" or bare address.
std::string normalize_address(std::string_view addr);

} // namespace peermail::crypto
