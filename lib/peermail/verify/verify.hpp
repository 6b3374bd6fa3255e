// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Verify (and decrypt) a received message: parse (mime/), decrypt and verify
// (crypto/), and judge by the rules of DESIGN.md §6. Used by `verify`.

#include <peermail/crypto/signature.hpp>
#include <peermail/util/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::verify {

// The verdict, in DESIGN.md §6 terms.
enum class Verdict {
  valid,
  bad_signature,
  untrusted_key,
  signer_mismatch,
  partially_signed,
  unsigned_,
  weak_hash,
  integrity_failure,
  decrypt_failed,
  malformed,
};

// Return "valid", "bad-signature", "untrusted-key", "signer-mismatch",
// "partially-signed", "unsigned", "weak-hash", "integrity-failure",
// "decrypt-failed" or "malformed".
std::string_view to_string(Verdict v);

// The facts behind a verdict (the DESIGN.md §6 JSON fields and a few more).
struct VerifyReport
{
  Verdict verdict = Verdict::malformed;
  bool encrypted = false;
  bool decrypted = false;
  bool integrity_protected = false;
  bool integrity_failure = false; // decryption found manipulation or no MDC
  std::string failure;            // why decryption failed / what is malformed
  std::string fix;                // what the reader can do about `failure`, if anything
  bool malformed = false;
  std::vector<crypto::SignatureFacts> signatures;
  std::string protocol = "none"; // "OpenPGP", "S/MIME" or "none"
  std::vector<std::string> from; // all From addresses the reader sees
  // The outer Message-ID without angle brackets ("" when absent). For the
  // access record, which keeps only its SHA-256.
  std::string message_id;
  bool from_matches_signer = false;
  bool fully_covered = false;
  bool protected_headers = false;
  // Visible headers (To, Subject, Reply-To, …) that no signature covers.
  std::vector<std::string> unsigned_headers;
  std::vector<std::string> warnings;
  // The decrypted message with the protected Subject restored (RFC 9788);
  // set only when decryption succeeded with integrity protection and the
  // whole message was encrypted (S/MIME: the innermost entity, when a good
  // signature inside the enveloped data protects it). Never on a failure.
  std::string decrypted_message;
};

// Return the first failure of `r` by DESIGN.md §6 (structure and decryption
// first, then: unsigned, bad-signature, untrusted-key, signer-mismatch,
// partially-signed, weak-hash), or Verdict::valid.
Verdict decide(const VerifyReport& r);

// Return true when `from` has exactly one address and EVERY signature's key
// has a user ID (not revoked or invalid, validity full or ultimate) for it:
// a second signer cannot lend the message an identity it does not hold.
bool from_matches_signer(const std::vector<std::string>& from,
                         const std::vector<crypto::SignatureFacts>& signatures);

// How S/MIME is judged (the config's [smime] table).
struct SmimeOptions
{
  // A PEM bundle of trust anchors (root CA certificates); "" = none, and
  // then no S/MIME signature is trusted.
  std::string anchors;
  // Accept a certificate whose revocation status dirmngr cannot give (no
  // CRL, offline), judged by its chain alone; the verdict warns (KEY-03).
  bool revocation_offline = false;
};

// Verifies messages in one GnuPG home. Reuses its GPGME context; one per thread.
class Verifier
{
public:
  // Create a verifier for `gnupg_home` ("" = default). Decrypted content
  // larger than `max_plaintext` bytes is refused (malformed), never kept.
  // S/MIME is judged as `smime` says; the anchors are read and made
  // gpgsm's trust anchors at the first S/MIME message (Errc::config when
  // the bundle cannot be read or holds no root).
  static Result<std::unique_ptr<Verifier>> create(const std::string& gnupg_home,
                                                  std::size_t max_plaintext = k_max_plaintext,
                                                  SmimeOptions smime = {});
  static constexpr std::size_t k_max_plaintext = 64 * 1024 * 1024;

  virtual ~Verifier() = default;

  // Judge `message`. Decryption happens in memory; plaintext is kept only in
  // VerifyReport::decrypted_message and only for an intact decryption.
  // Errors: Errc::data when the input is not a message at all; crypto when
  // GnuPG itself fails.
  virtual Result<VerifyReport> verify(std::string_view message) = 0;
};

} // namespace peermail::verify
