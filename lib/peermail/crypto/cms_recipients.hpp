// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Proof from an S/MIME EnvelopedData (RFC 5652 §6) or AuthEnvelopedData
// (RFC 5083) that a recipient can decrypt it (`send --message`, DESIGN.md
// §2.1): its RecipientInfos against the pinned certificate that certificate
// judgement accepted for the recipient, and its content-encryption
// algorithm (E2E-02). The S/MIME side of recipient_proof.hpp, with the same
// rule: every recipient must be named; RecipientInfos for certificates
// nobody judged (the sender's own copy, an archive) are allowed, as extra
// key IDs are in a PGP/MIME message; a RecipientInfo that cannot be checked
// (KEK, password, unknown) makes the whole message unprovable. Read with
// OpenSSL; the decision is pure (unit-tested).

#include <peermail/crypto/recipient_proof.hpp>
#include <peermail/util/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {

// The kind of a RecipientInfo (RFC 5652 §6.2).
enum class RecipientKind { key_transport, key_agreement, kek, password, other };

// One RecipientInfo and the certificates it names.
struct CmsRecipient
{
  RecipientKind kind = RecipientKind::other;
  // Indexes into the certificates given to read_cms_envelope() that it
  // names (key transport: at most one; key agreement: one per
  // RecipientEncryptedKey that names one).
  std::vector<std::size_t> certs;
  // Key agreement: the key-wrap algorithm (an OpenSSL NID; 0 = unreadable).
  int key_wrap = 0;
};

// What an enveloped S/MIME message says about who can read it.
struct CmsEnvelope
{
  bool authenticated = false; // AuthEnvelopedData (RFC 5083), else EnvelopedData
  std::string cipher;         // the content-encryption algorithm, e.g. "AES-256-CBC"
  bool aes256 = false;        // AES-256-CBC (EnvelopedData) or AES-256-GCM (AuthEnvelopedData)
  std::vector<CmsRecipient> recipients;
};

// Read the CMS ContentInfo `der` (DER or BER; exactly one, nothing after
// it) as EnvelopedData or AuthEnvelopedData and match each RecipientInfo
// against the DER certificates `cert_ders`. Errors: data when `der` is not
// one such object (signed-data, certs-only, trailing bytes, garbage) or a
// certificate does not parse.
Result<CmsEnvelope> read_cms_envelope(std::string_view der,
                                      const std::vector<std::string>& cert_ders);

// As read_cms_envelope(), with the certificates `fingerprints` (SHA-1 as
// gpgsm names them) exported from gpgsm in `gnupg_home`. Errors: as
// read_cms_envelope(); crypto when a certificate cannot be exported.
Result<CmsEnvelope> read_cms_envelope_for(const std::string& gnupg_home,
                                          std::string_view der,
                                          const std::vector<std::string>& fingerprints);

// Judge the envelope as a whole: ok, or why no recipient can be proven
// (check_id E2E-01: a RecipientInfo of a kind that cannot be checked) or
// the cipher is not AES-256 (check_id E2E-02).
ProofVerdict judge_cms_envelope(const CmsEnvelope& env);

// Judge whether `env` is encrypted to certificate number `cert` (its
// fingerprint `fingerprint`, the judged certificate of `address`).
// ProofVerdict::subkey_fingerprint is `fingerprint` when it is.
ProofVerdict prove_cms_encrypted_to(const CmsEnvelope& env,
                                    std::size_t cert,
                                    const std::string& fingerprint,
                                    const std::string& address);

} // namespace peermail::crypto
