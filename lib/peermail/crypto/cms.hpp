// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// S/MIME (RFC 8551) through gpgsm (GPGME_PROTOCOL_CMS): verify detached and
// opaque signed-data, decrypt enveloped-data, and judge each signer's
// certificate (RFC 8550): chain to a configured trust anchor, key usage,
// strength, the addresses it binds. Certificates are read with OpenSSL;
// nothing here parses ASN.1 by hand.

#include <peermail/crypto/context.hpp>
#include <peermail/crypto/engine.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/crypto/signature.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {

// One certificate of a trust anchor bundle (PEM, as Direct trust bundles
// are distributed).
struct AnchorCert
{
  std::string fingerprint; // SHA-1, upper-case hex: how gpgsm names certificates
  std::string der;
  bool root = false; // a self-signed CA certificate: what gpgsm can trust
};

// Parse the PEM `bundle`. Errors: data when it holds no certificate or a
// block that does not parse.
Result<std::vector<AnchorCert>> parse_anchor_bundle(std::string_view bundle);

// What the verdict needs of a signer's certificate.
struct CertFacts
{
  std::vector<std::string> san_emails;     // subjectAltName rfc822Name, lower case
  std::vector<std::string> subject_emails; // PKCS #9 emailAddress of the subject, lower case
  std::string usage_problem;               // keyUsage or extKeyUsage forbid signing mail
  std::string weak_key;                    // below KEY-01's floor (112-bit security)
  std::string encrypt_usage_problem;       // keyUsage or extKeyUsage forbid encrypting mail to it
  bool ca = false;                         // a CA certificate (X509_check_ca), not a person's
  std::int64_t not_before = 0;             // validity period, seconds since the epoch
  std::int64_t not_after = 0;
  std::string sha256; // the certificate's SHA-256 fingerprint, upper-case hex
};

// Read the DER certificate `der`. Errors: data when it does not parse.
Result<CertFacts> cert_facts(std::string_view der);

// The addresses `c` binds (RFC 8550 §3): its subjectAltName rfc822Names;
// only when it has none, the subject's emailAddress (the legacy form
// receiving agents must still recognise).
std::vector<std::string> cert_addresses(const CertFacts& c);

// What a CMS object is, by its content type (never by a MIME header).
enum class CmsKind { signed_data, enveloped_data, other };
CmsKind identify_cms(std::string_view der);

// What opaque signed-data held.
struct OpaqueOutput
{
  std::vector<SignatureFacts> signatures;
  std::string content; // the signed MIME entity; empty unless it verified
  bool too_large = false;
};

// Runs S/MIME operations in one GnuPG home. Not thread-safe.
class CmsEngine
{
public:
  // Create an engine for `gnupg_home` ("" = default home). gpgsm always
  // asks dirmngr (GPGME cannot keep a verification offline), and so does
  // judging a certificate for sending. With `revocation_offline`, a
  // certificate whose revocation status dirmngr cannot give (offline, no
  // CRL) is judged by its chain alone (a keylist validation in offline
  // mode), and take_notes() or the judgement's warnings say so; one that
  // dirmngr knows to be revoked never passes. Without it such a
  // certificate is untrusted (KEY-03).
  static Result<std::unique_ptr<CmsEngine>> create(const std::string& gnupg_home,
                                                   bool revocation_offline);

  // Make the root certificates of `anchors` the only trust anchors of this
  // engine: import every certificate into the keybox and add the roots to
  // gpgsm's trustlist.txt (gpg-agent reloads when it changed; gpgsm trusts
  // nothing else). A signature whose chain ends elsewhere is untrusted even
  // if trustlist.txt names its root. Errors: data when no certificate of
  // `anchors` is a root; crypto/io when importing or writing fails.
  Result<void> use_anchors(const std::vector<AnchorCert>& anchors);

  // Verify the detached signature `sig` (DER) over `data`. A signature that
  // cannot be read, or signed-data that carries its own content besides
  // `data`, is one bad signature.
  Result<std::vector<SignatureFacts>> verify_detached(std::string_view data, std::string_view sig);

  // Verify opaque signed-data `der` and return its content (at most
  // `max_content` bytes).
  Result<OpaqueOutput> verify_opaque(std::string_view der, std::size_t max_content);

  // Decrypt enveloped-data `der` in memory (at most `max_plaintext` bytes).
  // Enveloped-data has no integrity protection of its own (CBC, EFAIL):
  // DecryptOutput::integrity_protected stays false; only a signature inside
  // can protect it. On failure no plaintext is kept.
  Result<DecryptOutput> decrypt(std::string_view der, std::size_t max_plaintext);

  // Judge the certificate pinned by `pinned` (SHA-1 as gpgsm names it, or
  // SHA-256; upper-case hex) as the encryption certificate for `address`,
  // as a key is judged (docs/DESIGN.md §4): present in the keybox, within
  // its validity period, not revoked, chaining to a configured anchor
  // through a chain gpgsm accepts, binding `address` (RFC 8550 §3), allowing
  // key encipherment and emailProtection, not weak (KEY-01). Result errors
  // are engine failures only; an unusable certificate is a KeyJudgement.
  // (cert_judge.cpp)
  Result<KeyJudgement> judge_recipient_cert(const std::string& pinned,
                                            const std::string& address,
                                            const KeyPolicy& policy);

  // Judge the user's own certificate `fingerprint` ([identity] smime_cert)
  // for signing as `address`: present with its secret key, valid, chaining
  // to an anchor, binding `address`, allowing signatures, not weak.
  Result<KeyJudgement> judge_signer_cert(const std::string& fingerprint,
                                         const std::string& address,
                                         const KeyPolicy& policy);

  // A detached SHA-256 signature (DER) over `data` by the certificate
  // `signer` (cms_write.cpp). Errors: no_key when gpgsm cannot use it.
  // SignOutput::hash_algo is the hash gpgsm chose (SHA-256 or stronger).
  Result<SignOutput> sign_detached(std::string_view data, const std::string& signer);

  // Enveloped-data (DER) of `data` to the certificates `recipients` (SHA-1
  // fingerprints), content encryption AES-256-CBC (require_aes256()); never
  // "always trust": gpgsm checks each chain again. Errors: no_key naming a
  // refused certificate; config when gpgsm.conf forces another cipher.
  Result<std::string> encrypt(std::string_view data, const std::vector<std::string>& recipients);

  // Make gpgsm's content cipher AES-256 in this home: gpgsm.conf gets
  // `cipher-algo AES256` unless it says so already; another cipher-algo
  // line is refused (Errc::config naming the file). Call it before the
  // engine's first operation: a running gpgsm does not read it again.
  Result<void> require_aes256();

  bool
  revocation_offline() const
  {
    return m_offline;
  }

  // Return and clear what the operations since the last call accepted
  // without revocation data (for the verdict's warnings).
  std::vector<std::string> take_notes();

  ~CmsEngine();
  CmsEngine(const CmsEngine&) = delete;
  CmsEngine& operator=(const CmsEngine&) = delete;

private:
  CmsEngine(Ctx ctx, std::string home, bool offline);
  std::vector<SignatureFacts> collect_signatures();
  void judge_certificate(SignatureFacts& f);
  // The certificate `fpr` (with its secret key when `secret`) listed in
  // this engine's gpgsm: gpgme_get_key() would start two of its own (its
  // version, then the listing). Null when absent or ambiguous.
  Key lookup(const std::string& fpr, bool secret);
  std::string root_of(const std::string& fpr);
  // gpgsm's validation of `fpr`'s chain (a keylisting with VALIDATE), with
  // revocation through dirmngr unless `offline`. (cert_judge.cpp)
  struct ChainCheck
  {
    bool valid = false;
    bool revoked = false;
  };
  ChainCheck validate_chain(const std::string& fpr, bool offline);
  Result<KeyJudgement> judge_cert(const std::string& pinned,
                                  const std::string& address,
                                  const KeyPolicy& policy,
                                  bool signer);
  std::string sha1_of_pin(const std::string& pinned);

  Ctx m_ctx;
  std::string m_home;
  bool m_offline;
  std::set<std::string> m_anchors; // fingerprints of the configured roots
  std::vector<std::string> m_notes;
  std::string m_signer_fpr; // sign_detached's certificate, looked up once
  Key m_signer_key;
};

// The GnuPG home gpgsm works in for `gnupg_home`: itself, or for "" GPGME's
// default ($GNUPGHOME, else ~/.gnupg).
std::string cms_home(const std::string& gnupg_home);

// Create a CmsEngine for `gnupg_home` whose only trust anchors are the
// roots of the PEM bundle at `anchors_path` ([smime] anchors; "" = none).
// With `for_sending`, gpgsm's content cipher is made AES-256 first
// (require_aes256(): gpgsm reads gpgsm.conf when it starts, and the first
// operation starts it). Errors: config (KEY-03, naming [smime] anchors and
// the fix) when the file cannot be read or holds no root; crypto/io as
// use_anchors(); as require_aes256().
Result<std::unique_ptr<CmsEngine>> open_cms(const std::string& gnupg_home,
                                            const std::string& anchors_path,
                                            bool revocation_offline,
                                            bool for_sending = false);

} // namespace peermail::crypto
