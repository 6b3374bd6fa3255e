// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// PGP/MIME protection of a whole RFC 5322 message (RFC 3156, RFC 9788 header
// protection): the facade that joins mime/ (structure) and crypto/ (bytes).
// Used by `encrypt`, `sign`, `send`, `sendmail` and `batch`.

#include <peermail/util/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {
class Secret;
} // namespace peermail::crypto

namespace peermail::protect {

struct ProtectOptions
{
  std::string signer_fingerprint;                  // full fingerprint; required when signing
  std::vector<std::string> recipient_fingerprints; // already judged usable (crypto::Keyring)
  bool sign = true;
  bool encrypt = true;
  bool protect_subject = true;  // outer Subject becomes "[...]" (RFC 9788)
  bool hide_recipients = false; // no recipient key IDs in the ciphertext (Bcc)
  std::string temp_dir;         // protect_fd(): where scratch files go ("" = /tmp)
};

struct ProtectResult
{
  std::string message;        // the protected RFC 5322 message, CRLF line ends
  std::string hash_algo;      // hash actually used for the signature, e.g. "SHA256"
  std::string content_sha256; // hex SHA-256 of the signed canonical entity (SIG-04)
  std::string message_id;     // the Message-ID of the message (kept from the input)
};

// Protects messages. One instance holds its own GPGME contexts; create one per
// thread for parallel work. Keys are not re-judged here: callers pass
// fingerprints that crypto::Keyring accepted.
class Protector
{
public:
  // Create a protector for the GnuPG home `gnupg_home` ("" = default).
  static Result<std::unique_ptr<Protector>> create(const std::string& gnupg_home);

  virtual ~Protector() = default;

  // Sign and/or encrypt `message` (an RFC 5322 message with headers and body)
  // as `opts` says. Errors: data (malformed input, header injection), no_key
  // (invalid recipients or signer reported by GnuPG), crypto.
  virtual Result<ProtectResult> protect(std::string_view message, const ProtectOptions& opts) = 0;

  // Sign with the passphrase `secret` through GnuPG's loopback pinentry
  // (identity.passphrase_command; `setting` names it in errors). Optional;
  // the default ignores it.
  virtual Result<void>
  use_passphrase(std::shared_ptr<const crypto::Secret> secret, const std::string& setting)
  {
    (void)secret;
    (void)setting;
    return {};
  }

  // Look up the public keys `fingerprints` once, ahead of many protect()
  // calls (batch: one keyring listing per worker instead of one per
  // message). Optional; the default does nothing.
  virtual Result<void>
  prefetch_keys(const std::vector<std::string>& fingerprints)
  {
    (void)fingerprints;
    return {};
  }

  // Streaming variant of protect() for large messages: read the message from
  // `in_fd` (current offset to EOF) and write the protected message to
  // `out_fd`; ProtectResult::message stays empty. Neither fd is closed. The
  // default implementation (protect_fd.cpp) reads the input into memory and
  // calls protect(); implementations override it to stream (GPGME data from
  // fd / callbacks), so that peak memory does not grow with attachments.
  virtual Result<ProtectResult> protect_fd(int in_fd, int out_fd, const ProtectOptions& opts);
};

} // namespace peermail::protect
