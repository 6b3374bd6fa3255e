// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// OpenPGP operations on bytes (sign, encrypt, decrypt, verify) through one
// GPGME context per GnuPG home. The MIME structure around the bytes is the
// business of mime/; joining the two is protect.cpp and verify.cpp.

#include <peermail/crypto/context.hpp>
#include <peermail/crypto/signature.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {

class Secret;
struct LoopbackState;

// A produced signature (or signed ciphertext).
struct SignOutput
{
  std::string data;  // ASCII-armored detached signature or ciphertext
  int hash_algo = 0; // gpgme_hash_algo_t actually used (0 when not signed)
  std::string signer_fingerprint;
};

// What decryption found. `plaintext` is set only when `decrypted` and
// `integrity_protected` both hold; otherwise it is empty (no plaintext leaks).
struct DecryptOutput
{
  bool decrypted = false;
  bool integrity_protected = false;
  bool integrity_failure = false; // manipulated data, missing MDC, bad packets
  bool too_large = false;         // the plaintext exceeded the limit: nothing kept
  std::string failure;            // reason without content, e.g. "no secret key"
  std::string fix;                // what the reader can do, when it is not the sender's fault
  std::string plaintext;
  std::vector<SignatureFacts> signatures; // from a combined sign+encrypt
};

// Runs OpenPGP operations in one GnuPG home. Keys looked up once are cached
// for the lifetime of the engine. Not thread-safe: one engine per thread.
class Engine
{
public:
  // Create an engine for `gnupg_home` ("" = GnuPG's default home).
  static Result<std::unique_ptr<Engine>> create(const std::string& gnupg_home);

  // Sign with the passphrase `secret` (from the config setting `setting`,
  // named in errors) through GnuPG's loopback pinentry instead of the
  // agent's pinentry. Errors: crypto when the context refuses the mode.
  Result<void> use_passphrase(std::shared_ptr<const Secret> secret, const std::string& setting);

  // Make a detached, armored signature over `data` with the secret key
  // `signer_fpr`. Refuses (Errc::crypto, SIG-02) a digest weaker than SHA-256;
  // Errc::no_key when GnuPG reports the signer invalid.
  Result<SignOutput> sign_detached(std::string_view data, const std::string& signer_fpr);

  // Encrypt `data` to `recipient_fprs`, signing it first with `signer_fpr`
  // unless that is empty (RFC 3156 §6.2 combined). The keys must have been
  // judged (protect::resolve_protect_keys, E2E-04: certified, and the pinned
  // key where one is pinned); GnuPG checks their validity again.
  // `hide_recipients` leaves the key IDs out (gpg --throw-keyids): for one
  // ciphertext shared by recipients who must not learn of each other (Bcc).
  // Errc::no_key names a recipient GnuPG rejected (invalid_recipients).
  Result<SignOutput> encrypt(std::string_view data,
                             const std::vector<std::string>& recipient_fprs,
                             const std::string& signer_fpr,
                             bool hide_recipients = false);

  // Streaming encrypt(): pull the plaintext through `read` (fill up to n bytes
  // of the buffer, return the count, 0 at EOF, -1 on error) and push the
  // armored output (LF line ends, as GnuPG writes it) through `write`
  // (return false on error). Neither callback may throw. Same checks and
  // errors as encrypt(); SignOutput::data stays empty.
  using ReadFn = std::function<std::int64_t(char* buf, std::size_t n)>;
  using WriteFn = std::function<bool(std::string_view bytes)>;
  Result<SignOutput> encrypt_stream(const ReadFn& read,
                                    const WriteFn& write,
                                    const std::vector<std::string>& recipient_fprs,
                                    const std::string& signer_fpr,
                                    bool hide_recipients = false);

  // Look up the public keys `fprs` (full fingerprints) in ONE keyring listing
  // and keep them for encrypt(), instead of one lookup (two gpg processes)
  // per key later. Keys already cached are skipped. Returns how many were
  // found; a missing key is not an error here (encrypt() reports it).
  Result<std::size_t> prefetch_public(const std::vector<std::string>& fprs);

  // Decrypt and verify `ciphertext` (armored or binary) in memory, keeping
  // at most `max_plaintext` bytes: a larger plaintext (a compression bomb)
  // stops gpg and is reported as too_large. Failures to get at the session
  // key (no secret key, wrong passphrase, no pinentry, agent gone) are
  // decryption failures with a fix, never integrity failures: only what
  // happens after decryption began can say the data was manipulated.
  Result<DecryptOutput> decrypt(std::string_view ciphertext, std::size_t max_plaintext);

  // Verify the detached `signature` over `data`.
  Result<std::vector<SignatureFacts>> verify_detached(std::string_view data,
                                                      std::string_view signature);

  // Verify a cleartext-signed (inline) block; `plain` receives the signed text.
  Result<std::vector<SignatureFacts>> verify_cleartext(std::string_view block, std::string* plain);

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

private:
  explicit Engine(Ctx ctx);
  // The passphrase problem behind a failed signing operation (wrong
  // passphrase, loopback refused, no pinentry), if that is what it was.
  std::optional<Error> passphrase_error(gpgme_error_t err, gpgme_error_t signer_reason);
  Result<gpgme_key_t> key(const std::string& fpr, bool secret);
  std::vector<SignatureFacts> collect_signatures();
  Result<int> encrypt_data(gpgme_data_t in,
                           gpgme_data_t out,
                           const std::vector<std::string>& recipient_fprs,
                           const std::string& signer_fpr,
                           bool hide_recipients);

  std::unique_ptr<LoopbackState> m_loopback; // set by use_passphrase(); outlives m_ctx
  Ctx m_ctx;
  std::map<std::string, Key> m_public;
  std::map<std::string, Key> m_secret;
};

} // namespace peermail::crypto
