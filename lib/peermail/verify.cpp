// SPDX-License-Identifier: GPL-3.0-or-later
#include "verify.hpp"

#include <peermail/crypto/engine.hpp>
#include <peermail/mime/inspect.hpp>

#include <fmt/core.h>

#include <cstdint>
#include <optional>

namespace peermail {

std::string_view
to_string(Verdict v)
{
  switch (v) {
  case Verdict::valid:
    return "valid";
  case Verdict::bad_signature:
    return "bad-signature";
  case Verdict::untrusted_key:
    return "untrusted-key";
  case Verdict::signer_mismatch:
    return "signer-mismatch";
  case Verdict::partially_signed:
    return "partially-signed";
  case Verdict::unsigned_:
    return "unsigned";
  case Verdict::weak_hash:
    return "weak-hash";
  case Verdict::integrity_failure:
    return "integrity-failure";
  case Verdict::decrypt_failed:
    return "decrypt-failed";
  case Verdict::malformed:
    return "malformed";
  }
  return "malformed";
}

Verdict
decide(const VerifyReport& r)
{
  if (r.malformed) {
    return Verdict::malformed;
  }
  if (r.encrypted) {
    if (r.integrity_failure) {
      return Verdict::integrity_failure;
    }
    if (!r.decrypted) {
      return Verdict::decrypt_failed;
    }
    if (!r.integrity_protected) {
      return Verdict::integrity_failure;
    }
  }
  if (r.signatures.empty()) {
    return Verdict::unsigned_;
  }
  for (const auto& s : r.signatures) {
    if (s.status == crypto::SigStatus::bad || s.status == crypto::SigStatus::error) {
      return Verdict::bad_signature;
    }
  }
  for (const auto& s : r.signatures) {
    if (!crypto::signature_trusted(s)) {
      return Verdict::untrusted_key;
    }
  }
  if (!r.from_matches_signer) {
    return Verdict::signer_mismatch;
  }
  if (!r.fully_covered) {
    return Verdict::partially_signed;
  }
  for (const auto& s : r.signatures) {
    if (crypto::hash_is_weak(s.hash_algo)) {
      return Verdict::weak_hash;
    }
  }
  return Verdict::valid;
}

bool
from_matches_signer(const std::vector<std::string>& from,
                    const std::vector<crypto::SignatureFacts>& signatures)
{
  if (from.size() != 1 || from.front().empty()) {
    return false;
  }
  for (const auto& s : signatures) {
    for (const auto& u : s.uids) {
      if (u.address == from.front() && !u.revoked && !u.invalid
          && crypto::validity_at_least_full(u.validity)) {
        return true;
      }
    }
  }
  return false;
}

namespace {

void
append(std::vector<crypto::SignatureFacts>& to, std::vector<crypto::SignatureFacts> more)
{
  for (auto& s : more) {
    to.push_back(std::move(s));
  }
}

// A signature made long before or after the message's Date is how an old
// signed message replayed under new headers looks (Thunderbird calls it a
// date mismatch). Said as a warning: the verdict rules of DESIGN.md §6 do
// not include it, and a draft signed a day later is not an attack.
std::string
date_warning(const std::optional<std::int64_t>& date,
             const std::vector<crypto::SignatureFacts>& signatures)
{
  constexpr std::int64_t k_day = 86400;
  if (!date) {
    return {};
  }
  for (const auto& s : signatures) {
    if (s.created <= 0) {
      continue;
    }
    const std::int64_t diff = s.created - *date;
    if (diff > k_day || diff < -k_day) {
      return fmt::format(
        "the signature was made {} days {} the message's Date header: it "
        "may be an older signed message under new headers",
        (diff < 0 ? -diff : diff) / k_day,
        diff < 0 ? "before" : "after");
    }
  }
  return {};
}

class GpgVerifier final : public Verifier
{
public:
  explicit GpgVerifier(std::unique_ptr<crypto::Engine> engine)
    : m_engine(std::move(engine))
  {
  }

  Result<VerifyReport>
  verify(std::string_view message) override
  {
    PEERMAIL_TRY_ASSIGN(mime::Inspection ins, mime::inspect(message));
    VerifyReport r;
    r.from = ins.from;
    r.warnings = ins.warnings;
    std::optional<mime::ProtectedHeaders> ph = ins.protected_headers;
    if (!ins.malformed.empty()) {
      r.malformed = true;
      r.failure = ins.malformed;
      r.verdict = decide(r);
      return r;
    }
    switch (ins.shape) {
    case mime::Shape::plain:
    case mime::Shape::unsupported:
      break;
    case mime::Shape::signed_mime: {
      PEERMAIL_TRY_ASSIGN(r.signatures,
                          m_engine->verify_detached(ins.signed_content, ins.signature));
      r.fully_covered = ins.covers_all;
      break;
    }
    case mime::Shape::inline_signed: {
      PEERMAIL_TRY_ASSIGN(r.signatures, m_engine->verify_cleartext(ins.payload, nullptr));
      r.fully_covered = ins.covers_all;
      break;
    }
    case mime::Shape::encrypted_mime:
    case mime::Shape::inline_encrypted: {
      PEERMAIL_TRY(decrypt(message, ins, r, ph));
      break;
    }
    }
    r.protected_headers = ph.has_value();
    if (auto w = date_warning(ins.date, r.signatures); !w.empty()) {
      r.warnings.push_back(std::move(w));
    }
    r.from_matches_signer = from_matches_signer(r.from, r.signatures);
    if (ph && !ph->from.empty() && ph->from != r.from) {
      r.from_matches_signer = false;
      r.warnings.emplace_back("the protected From differs from the outer From");
    }
    r.verdict = decide(r);
    return r;
  }

private:
  Result<void>
  decrypt(std::string_view message,
          const mime::Inspection& ins,
          VerifyReport& r,
          std::optional<mime::ProtectedHeaders>& ph)
  {
    r.encrypted = true;
    PEERMAIL_TRY_ASSIGN(crypto::DecryptOutput d, m_engine->decrypt(ins.payload));
    r.decrypted = d.decrypted;
    r.integrity_protected = d.integrity_protected;
    r.integrity_failure = d.integrity_failure;
    r.failure = d.failure;
    if (!d.decrypted || !d.integrity_protected) {
      return {}; // nothing of the plaintext is kept
    }
    const bool combined = !d.signatures.empty();
    r.signatures = std::move(d.signatures);
    if (ins.shape == mime::Shape::inline_encrypted) {
      r.fully_covered = ins.covers_all;
      if (!combined) {
        r.warnings.emplace_back("the inline encrypted block is not signed");
      }
      return {};
    }
    auto inner = mime::inspect(d.plaintext);
    if (!inner) {
      r.malformed = true;
      r.failure = "the decrypted content is not a MIME entity";
      return {};
    }
    if (!inner->malformed.empty()) {
      r.malformed = true;
      r.failure = inner->malformed;
      return {};
    }
    for (auto& w : inner->warnings) {
      r.warnings.push_back(std::move(w));
    }
    ph = inner->protected_headers;
    bool inner_covered = combined;
    switch (inner->shape) {
    case mime::Shape::signed_mime: {
      PEERMAIL_TRY_ASSIGN(auto sigs,
                          m_engine->verify_detached(inner->signed_content, inner->signature));
      append(r.signatures, std::move(sigs));
      inner_covered = inner_covered || inner->covers_all;
      break;
    }
    case mime::Shape::inline_signed: {
      PEERMAIL_TRY_ASSIGN(auto sigs, m_engine->verify_cleartext(inner->payload, nullptr));
      append(r.signatures, std::move(sigs));
      inner_covered = inner_covered || inner->covers_all;
      break;
    }
    case mime::Shape::encrypted_mime:
    case mime::Shape::inline_encrypted:
      r.warnings.emplace_back("nested encryption inside the decrypted message is not judged");
      inner_covered = false;
      break;
    case mime::Shape::plain:
    case mime::Shape::unsupported:
      break;
    }
    r.fully_covered = ins.covers_all && inner_covered;
    if (ins.covers_all) {
      auto restored = mime::restore_decrypted(message, d.plaintext);
      if (restored) {
        r.decrypted_message = std::move(*restored);
      }
    }
    return {};
  }

  std::unique_ptr<crypto::Engine> m_engine;
};

} // namespace

Result<std::unique_ptr<Verifier>>
Verifier::create(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto engine, crypto::Engine::create(gnupg_home));
  return std::unique_ptr<Verifier>(new GpgVerifier(std::move(engine)));
}

} // namespace peermail
