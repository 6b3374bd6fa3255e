// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Batch preflight (docs/DESIGN.md §2.2): everything is judged before the first
// message leaves — the signing key, encrypt-to-self, every recipient's key
// (Keyring::judge_recipient once per address, single-threaded), and every
// personal message as it will be protected. Problems are collected, never
// returned one at a time.

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/protect/keys.hpp>
#include <peermail/protect/smime.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::batch {

// One thing wrong with the batch. `line` is the recipients-file line of the
// row (0 when it concerns the whole batch: template, signing key, audit log).
struct Problem
{
  std::size_t line = 0;
  std::string email;
  Error error;
  bool in_template = false; // `line` is a template line, not a recipients-file line
  // Only the recipients-file row on `line` is wrong (a bad value, a wrong
  // field count, a message its values cannot make): `batch --skip-invalid`
  // may skip it and send the rest. False for anything about the whole batch.
  bool row = false;
};

// The identity's keys, judged once (peermail::protect::judge_key_plan).
using SignerKeys = peermail::protect::IdentityKeys;

// Judge the signing key, the encrypt-to-self key and the archive key of `cfg`
// (the key plan shared with send and check). Errors: no_key (SIG-01, E2E-05,
// KEY-…) naming the setting, with the fix, or keyring failures.
Result<SignerKeys> judge_signer(const config::Config& cfg, crypto::Keyring& keyring);

// Judge the key of every address in `emails` (lower-case, bare; duplicates
// are judged once). An address that reads S/MIME (protect::reads_smime) has
// its pinned certificate judged by `smime` instead, as send does; with no
// `smime` it is left out (the caller refuses the batch for another reason).
// Returns address → judgement. Errors: keyring or gpgsm failures only; an
// unusable key or certificate is a judgement.
Result<std::map<std::string, crypto::KeyJudgement>>
judge_recipients(const config::Config& cfg,
                 crypto::Keyring& keyring,
                 const std::vector<std::string>& emails,
                 peermail::protect::SmimeProtector* smime = nullptr);

// Turn the template output `rendered` for `email` into the personal message
// that will be protected: a To header is added when the template has none
// (else it must name exactly `email`), Cc/Bcc are refused, the Message-ID is
// `message_id`, From is the identity (mime::prepare_submission). Errors: data
// (malformed message, header injection, wrong recipients), usage (From is
// not the identity). Messages never quote header values (PHI).
Result<std::string> personal_message(std::string_view rendered,
                                     const std::string& email,
                                     const std::string& message_id,
                                     const config::Identity& identity);

// Return the stable shard (0-based, < `count`) of `email`: the first 64 bits
// of SHA-256 of the lower-cased address, modulo `count`.
std::size_t shard_of(std::string_view email, std::size_t count);

// Return the deterministic Message-ID (without angle brackets) of `email`'s
// message in the batch identified by `batch_key`:
// <first 32 hex of SHA-256(batch_key "\n" lower(email))>@<domain>.
std::string deterministic_message_id(std::string_view batch_key,
                                     std::string_view email,
                                     std::string_view domain);

} // namespace peermail::batch
