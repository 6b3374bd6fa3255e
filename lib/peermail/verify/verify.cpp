// SPDX-License-Identifier: GPL-3.0-or-later
#include "verify.hpp"

#include "smime.hpp"

#include <peermail/crypto/cms.hpp>
#include <peermail/crypto/engine.hpp>
#include <peermail/mime/inspect.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <optional>

namespace peermail::verify {

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
  if (signatures.empty()) {
    return false;
  }
  for (const auto& s : signatures) {
    bool holds = false;
    for (const auto& u : s.uids) {
      holds = holds
              || (u.address == from.front() && !u.revoked && !u.invalid
                  && crypto::validity_at_least_full(u.validity));
    }
    if (!holds) {
      return false;
    }
  }
  return true;
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

const std::string*
field_named(const std::vector<mime::Field>& fields, std::string_view name)
{
  for (const auto& [n, v] : fields) {
    if (n == name) {
      return &v;
    }
  }
  return nullptr;
}

// Return the Message-ID `value` without surrounding space and angle
// brackets, as send records it.
std::string
bare_message_id(std::string_view value)
{
  std::string_view v = util::trim(value);
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') {
    v = v.substr(1, v.size() - 2);
  }
  return std::string(v);
}

// The number of different keys that signed.
std::size_t
distinct_signers(const std::vector<crypto::SignatureFacts>& signatures)
{
  std::vector<std::string> seen;
  for (const auto& s : signatures) {
    if (std::find(seen.begin(), seen.end(), s.fingerprint) == seen.end()) {
      seen.push_back(s.fingerprint);
    }
  }
  return seen.size();
}

// S/MIME's signingTime is a signed attribute: a Date a reader sees that is
// further from it than a protected Date may move (k_date_slack_s) is not
// what was signed (Thunderbird calls it a date mismatch). A signing time in
// the future is reported.
void
judge_signing_time(const std::optional<std::int64_t>& date, VerifyReport& r)
{
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  for (const auto& s : r.signatures) {
    if (s.created <= 0) {
      continue;
    }
    if (s.created > now + mime::k_date_slack_s) {
      r.warnings.push_back(fmt::format(
        "the signature claims a signing time {} minutes in the future", (s.created - now) / 60));
    }
    const std::int64_t diff = date ? *date - s.created : 0;
    if (date && (diff > mime::k_date_slack_s || -diff > mime::k_date_slack_s)) {
      r.fully_covered = false;
      r.warnings.push_back(fmt::format("the Date header is {} minutes {} the signed signing time",
                                       (diff < 0 ? -diff : diff) / 60,
                                       diff < 0 ? "before" : "after"));
    }
  }
}

class GpgVerifier final : public Verifier
{
public:
  GpgVerifier(std::unique_ptr<crypto::Engine> engine,
              std::size_t max_plaintext,
              std::string home,
              SmimeOptions smime)
    : m_engine(std::move(engine)),
      m_max_plaintext(max_plaintext),
      m_home(std::move(home)),
      m_smime(std::move(smime))
  {
  }

  Result<VerifyReport>
  verify(std::string_view message) override
  {
    PEERMAIL_TRY_ASSIGN(mime::Inspection ins, mime::inspect(message));
    m_layer_fields.clear();
    VerifyReport r;
    r.from = ins.from;
    r.warnings = ins.warnings;
    if (const auto* id = field_named(ins.outer_fields, "Message-ID"); id != nullptr) {
      r.message_id = bare_message_id(*id);
    }
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
    case mime::Shape::smime:
      r.protocol = "S/MIME";
      PEERMAIL_TRY(judge_smime(message, ins, r, ph));
      break;
    case mime::Shape::signed_mime: {
      r.protocol = "OpenPGP";
      PEERMAIL_TRY_ASSIGN(r.signatures,
                          m_engine->verify_detached(ins.signed_content, ins.signature));
      r.fully_covered = ins.covers_all;
      break;
    }
    case mime::Shape::inline_signed: {
      r.protocol = "OpenPGP";
      PEERMAIL_TRY_ASSIGN(r.signatures, m_engine->verify_cleartext(ins.payload, nullptr));
      r.fully_covered = ins.covers_all;
      break;
    }
    case mime::Shape::encrypted_mime:
    case mime::Shape::inline_encrypted: {
      r.protocol = "OpenPGP";
      PEERMAIL_TRY(decrypt(message, ins, r, ph));
      break;
    }
    }
    r.protected_headers = ph.has_value();
    judge_identity(ins, ph, r);
    if (ins.shape == mime::Shape::smime) {
      judge_signing_time(ins.date, r);
    }
    r.verdict = decide(r);
    if (r.verdict != Verdict::valid && r.malformed) {
      r.decrypted_message.clear(); // never plaintext for an ambiguous structure
    }
    return r;
  }

private:
  // The rules that bind the signature to what a reader sees: the headers
  // (RFC 9788), the From identity, one signer.
  void
  judge_identity(const mime::Inspection& ins,
                 const std::optional<mime::ProtectedHeaders>& ph,
                 VerifyReport& r)
  {
    if (auto w = date_warning(ins.date, r.signatures); !w.empty()) {
      r.warnings.push_back(std::move(w));
    }
    if (r.signatures.empty()) {
      return;
    }
    auto cover = mime::judge_headers(ins.outer_fields, ph, r.encrypted);
    if (!m_layer_fields.empty()) {
      auto layer = mime::judge_headers(m_layer_fields, ph, false);
      const auto* from = field_named(m_layer_fields, "From");
      const auto* signed_from = ph ? field_named(ph->fields, "From") : nullptr;
      if (from != nullptr && (signed_from == nullptr || *from != *signed_from)) {
        layer.unsigned_names.emplace_back("From");
        layer.differing.emplace_back("From");
      }
      for (auto& n : layer.unsigned_names) {
        cover.unsigned_names.push_back("(decrypted) " + n);
      }
      for (auto& n : layer.differing) {
        cover.differing.push_back("(decrypted) " + n);
      }
    }
    r.unsigned_headers = cover.unsigned_names;
    for (const auto& n : cover.notes) {
      r.warnings.push_back(n);
    }
    if (!cover.differing.empty()) {
      r.fully_covered = false;
      r.warnings.push_back(
        fmt::format("{} a reader sees but nobody signed: {}",
                    ph ? "outer headers differ from the signed (protected) ones;" : "headers",
                    fmt::join(cover.differing, ", ")));
    }
    if (distinct_signers(r.signatures) > 1) {
      r.fully_covered = false;
      r.warnings.emplace_back("parts of the message are signed by different keys");
    }
    r.from_matches_signer = from_matches_signer(r.from, r.signatures);
    if (ph && !ph->from.empty() && ph->from != r.from) {
      r.from_matches_signer = false;
      r.warnings.emplace_back("the protected From differs from the outer From");
    }
    if (!ins.from_conflict.empty()) {
      r.from_matches_signer = false;
      r.warnings.push_back(ins.from_conflict);
    }
    for (const auto& s : r.signatures) {
      if (s.status == crypto::SigStatus::no_key && r.fix.empty()) {
        r.fix = fmt::format(
          "the signer's key {} is not in your keyring: get it from the sender, "
          "check its fingerprint with them, then `peermail keys import FILE`",
          s.fingerprint);
      }
      if (!s.weak_key.empty()) {
        r.warnings.push_back(fmt::format("the signing key is too weak: {} (KEY-01)", s.weak_key));
      }
    }
  }

  Result<void>
  decrypt(std::string_view message,
          const mime::Inspection& ins,
          VerifyReport& r,
          std::optional<mime::ProtectedHeaders>& ph)
  {
    r.encrypted = true;
    PEERMAIL_TRY_ASSIGN(crypto::DecryptOutput d, m_engine->decrypt(ins.payload, m_max_plaintext));
    r.decrypted = d.decrypted;
    r.integrity_protected = d.integrity_protected;
    r.integrity_failure = d.integrity_failure;
    r.failure = d.failure;
    r.fix = d.fix;
    if (d.too_large) {
      r.malformed = true;
      return {};
    }
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
      if (ins.covers_all) {
        auto restored = mime::restore_decrypted(
          message, "Content-Type: text/plain; charset=utf-8\n\n" + d.plaintext);
        if (restored) {
          r.decrypted_message = std::move(*restored);
        }
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
    if (!combined
        && (inner->shape == mime::Shape::signed_mime
            || inner->shape == mime::Shape::inline_signed)) {
      // Sign, then encrypt: the decrypted entity's own header block sits
      // outside the signature; a reader of the decrypted message sees it.
      m_layer_fields = inner->outer_fields;
    }
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
    case mime::Shape::smime:
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

  // The S/MIME engine, made at the first S/MIME message with the anchors.
  Result<crypto::CmsEngine*>
  smime_engine()
  {
    if (m_cms) {
      return m_cms.get();
    }
    PEERMAIL_TRY_ASSIGN(auto cms,
                        crypto::open_cms(m_home, m_smime.anchors, m_smime.revocation_offline));
    m_cms = std::move(cms);
    return m_cms.get();
  }

  // S/MIME, every layer (smime.hpp); the same verdict rules as OpenPGP.
  Result<void>
  judge_smime(std::string_view message,
              const mime::Inspection& ins,
              VerifyReport& r,
              std::optional<mime::ProtectedHeaders>& ph)
  {
    PEERMAIL_TRY_ASSIGN(crypto::CmsEngine * cms, smime_engine());
    PEERMAIL_TRY_ASSIGN(auto layers, detail::walk_smime(*cms, ins, m_max_plaintext));
    r.encrypted = layers.encrypted;
    r.decrypted = layers.decrypted;
    r.integrity_protected = layers.integrity_protected;
    r.malformed = layers.malformed;
    r.failure = layers.failure;
    r.fix = layers.fix;
    r.signatures = std::move(layers.signatures);
    r.fully_covered = layers.covers_all;
    ph = layers.protected_headers;
    for (auto& w : layers.warnings) {
      r.warnings.push_back(std::move(w));
    }
    for (const auto& s : r.signatures) {
      if (!s.untrusted_reason.empty() && r.failure.empty()) {
        r.failure = s.untrusted_reason;
      }
      if (s.status == crypto::SigStatus::key_revoked && r.fix.empty()) {
        r.fix =
          "do not rely on this signature: the CA revoked the signer's certificate; ask the "
          "sender, out of band, for the message signed with a current certificate";
      }
      if (s.untrusted_reason.find("checked through dirmngr") != std::string::npos
          && r.fix.empty()) {
        r.fix =
          "let dirmngr reach the CA's CRL or OCSP service (network, dirmngr.conf); where "
          "your policy accepts unknown revocation status, set [smime] revocation = "
          "\"offline\"";
      }
      if (s.untrusted_reason.find("[smime] anchors") != std::string::npos && r.fix.empty()) {
        r.fix =
          "set [smime] anchors in the config to a PEM bundle of the root CA "
          "certificates you trust (peermail.toml(5))";
      }
    }
    for (auto& n : cms->take_notes()) {
      r.warnings.push_back(std::move(n));
    }
    if (r.encrypted && r.integrity_protected && !layers.content.empty() && ins.covers_all) {
      if (auto restored = mime::restore_decrypted(message, layers.content)) {
        r.decrypted_message = std::move(*restored);
      }
    }
    return {};
  }

  std::unique_ptr<crypto::Engine> m_engine;
  std::size_t m_max_plaintext;
  std::string m_home;
  SmimeOptions m_smime;
  std::unique_ptr<crypto::CmsEngine> m_cms;
  // The decrypted entity's own headers when it wraps a signed part (sign,
  // then encrypt); reset for every message.
  std::vector<mime::Field> m_layer_fields;
};

} // namespace

Result<std::unique_ptr<Verifier>>
Verifier::create(const std::string& gnupg_home, std::size_t max_plaintext, SmimeOptions smime)
{
  PEERMAIL_TRY_ASSIGN(auto engine, crypto::Engine::create(gnupg_home));
  return std::unique_ptr<Verifier>(
    new GpgVerifier(std::move(engine), max_plaintext, gnupg_home, std::move(smime)));
}

} // namespace peermail::verify
