// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `peermail keys import` for S/MIME: what a key file is (by its content,
// never its name), the X.509 certificates it holds, read with OpenSSL, and
// their import into gpgsm's keybox (GPGME_PROTOCOL_CMS). A PKCS #12 file is
// opened with OpenSSL first: a wrong passphrase is found before gpgsm sees
// anything, and the file is handed to gpgsm re-encoded in the one form
// GnuPG 2.2 reads (PBE-SHA1-3DES), under the same passphrase.

#include <peermail/crypto/passphrase.hpp>
#include <peermail/crypto/pkcs12_cost.hpp>
#include <peermail/util/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::crypto {

enum class KeyFileKind {
  openpgp,          // armored ("-----BEGIN PGP") or binary OpenPGP packets
  pem_certificates, // one or more "-----BEGIN CERTIFICATE-----" blocks
  der_certificate,  // one DER X.509 certificate
  pkcs12,           // a DER PKCS #12 (PFX) file
  unknown,
};

std::string_view to_string(KeyFileKind kind);

struct KeyFileGuess
{
  KeyFileKind kind = KeyFileKind::unknown;
  std::string looked_like; // for unknown: what the data looked like (no content)
};

// Say what `data` is, by its content alone.
KeyFileGuess detect_key_file(std::string_view data);

// One X.509 certificate as `keys import` and `keys list` show it.
struct X509Summary
{
  std::string sha1;   // upper-case hex: how gpgsm names the certificate
  std::string sha256; // upper-case hex
  std::string subject;
  std::string issuer;
  std::string not_before; // YYYY-MM-DD (UTC)
  std::string not_after;
  bool expired = false;
  bool ca = false;                    // basicConstraints CA:TRUE
  std::vector<std::string> addresses; // cms::cert_addresses
  std::string usage_problem;          // cms::cert_facts
  std::string weak_key;
  bool secret = false; // its private key is in gpg-agent (or came with the file)
  std::string der;
};

// Read the DER certificate `der`. Errors: data when it does not parse.
Result<X509Summary> describe_certificate(std::string_view der);

// Return the DER certificates of the PEM `text` (text between blocks is
// ignored). Errors: data when it holds none or a block does not parse.
Result<std::vector<std::string>> pem_certificates(std::string_view text);

// What a PKCS #12 file held.
struct Pkcs12Contents
{
  std::vector<std::string> certs; // DER; the key's certificate first
  bool has_key = false;
  std::string for_gpgsm; // the key and its certificate re-encoded for gpgsm
                         // (DER PKCS #12, same passphrase, fresh salts)
};

// Open the PKCS #12 `der` with `passphrase`. Errors: auth (77) when the
// passphrase does not open it; data when it does not parse, holds no
// certificate, or asks for more than `max_iterations` in any key derivation
// (judged before that derivation runs: pkcs12_cost.hpp).
Result<Pkcs12Contents> open_pkcs12(std::string_view der,
                                   const Secret& passphrase,
                                   std::int64_t max_iterations = kMaxPkcs12Iterations);

// Import the DER `certs` into the keybox of `gnupg_home` ("" = default).
// Errors: crypto when gpgsm refuses one (those before it stay imported:
// each is a complete, harmless public certificate).
Result<void> import_certificates(const std::string& gnupg_home,
                                 const std::vector<std::string>& certs);

// Import `p12` (open_pkcs12) into gpgsm and its key into gpg-agent, which
// protects it with the same passphrase, then the rest of its chain. GPGME's gpgsm engine has no
// loopback pinentry, so gpgsm runs directly (--pinentry-mode loopback, the
// passphrase on a pipe, never in its arguments or environment). Errors:
// auth when gpg-agent refuses loopback or the passphrase; crypto when no
// secret key is listed afterwards.
Result<void> import_pkcs12(const std::string& gnupg_home,
                           const Pkcs12Contents& p12,
                           std::shared_ptr<const Secret> passphrase);

} // namespace peermail::crypto
