// SPDX-License-Identifier: GPL-3.0-or-later
// How much key derivation a PKCS #12 file asks for, judged before the work
// is done: a hostile .p12 can name billions of iterations and hold
// `keys import` for hours.
#pragma once

#include <peermail/util/result.hpp>

#include <openssl/pkcs12.h>

#include <cstdint>
#include <string>

namespace peermail::crypto {

// The most iterations any one key derivation in a PKCS #12 file may ask for.
// Mail programs export with 2,000 to 600,000 (OpenSSL 2048, Windows 2000 or
// 10000, NSS 10000, OWASP's PBKDF2 advice 600,000).
inline constexpr std::int64_t kMaxPkcs12Iterations = 1'000'000;

// The most iterations all of a file's key derivations may ask for together
// (copies of one encrypted safe would multiply the work), and how many
// encrypted safes and key bags it may hold (genuine files: one or two).
inline constexpr std::int64_t kMaxPkcs12TotalIterations = 3'000'000;
inline constexpr int kMaxPkcs12Protected = 8;

// Before any key derivation: the integrity MAC's iterations and those of each
// encrypted safe. Errors: data (65) when one asks for more than `max` or
// cannot be read.
Result<void> check_pkcs12_outer_cost(const PKCS12* p12, std::int64_t max);

// After the MAC proved `pw` right: the key bags, those in clear safes and
// those inside the encrypted safes (decrypted with `pw`, at a cost
// check_pkcs12_outer_cost already allowed): each shrouded one's iterations
// (counted into the total), and every key's algorithm before OpenSSL
// decodes it: RSA, EC on a named curve, Ed25519 or Ed448 only (a DSA or DH
// key with a huge modulus costs hours to decode). Errors: data as above;
// auth when an encrypted safe does not decrypt with `pw`.
Result<void> check_pkcs12_key_cost(const PKCS12* p12, const std::string& pw, std::int64_t max);

} // namespace peermail::crypto
