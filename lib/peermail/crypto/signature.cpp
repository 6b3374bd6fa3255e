// SPDX-License-Identifier: GPL-3.0-or-later
#include "signature.hpp"

#include "context.hpp"

#include <gpgme.h>

#include <algorithm>
#include <cctype>

namespace peermail::crypto {

std::string_view
to_string(SigStatus s)
{
  switch (s) {
  case SigStatus::good:
    return "good";
  case SigStatus::bad:
    return "bad";
  case SigStatus::no_key:
    return "no-key";
  case SigStatus::key_expired:
    return "key-expired";
  case SigStatus::key_revoked:
    return "key-revoked";
  case SigStatus::sig_expired:
    return "sig-expired";
  case SigStatus::error:
    return "error";
  }
  return "error";
}

SigStatus
classify_status(unsigned status_code, unsigned summary)
{
  if ((summary & GPGME_SIGSUM_RED) != 0 || status_code == GPG_ERR_BAD_SIGNATURE) {
    return SigStatus::bad;
  }
  switch (status_code) {
  case GPG_ERR_NO_ERROR:
    break;
  case GPG_ERR_NO_PUBKEY:
    return SigStatus::no_key;
  case GPG_ERR_KEY_EXPIRED:
  case GPG_ERR_CERT_EXPIRED:
    return SigStatus::key_expired;
  case GPG_ERR_CERT_REVOKED:
    return SigStatus::key_revoked;
  case GPG_ERR_SIG_EXPIRED:
    return SigStatus::sig_expired;
  default:
    return SigStatus::error;
  }
  if ((summary & GPGME_SIGSUM_KEY_REVOKED) != 0) {
    return SigStatus::key_revoked;
  }
  if ((summary & GPGME_SIGSUM_KEY_EXPIRED) != 0) {
    return SigStatus::key_expired;
  }
  if ((summary & GPGME_SIGSUM_SIG_EXPIRED) != 0) {
    return SigStatus::sig_expired;
  }
  if ((summary & GPGME_SIGSUM_KEY_MISSING) != 0) {
    return SigStatus::no_key;
  }
  return SigStatus::good;
}

SignatureFacts
signature_facts(gpgme_signature_t s)
{
  SignatureFacts f;
  f.fingerprint = s->fpr != nullptr ? s->fpr : "";
  f.summary = static_cast<unsigned>(s->summary);
  f.status = classify_status(gpgme_err_code(s->status), f.summary);
  f.validity = static_cast<int>(s->validity);
  f.hash_algo = static_cast<int>(s->hash_algo);
  f.created = static_cast<std::int64_t>(s->timestamp);
  f.wrong_key_usage = s->wrong_key_usage != 0;
  return f;
}

bool
signature_trusted(const SignatureFacts& sig)
{
  if (!sig.weak_key.empty() || !sig.untrusted_reason.empty()) {
    return false;
  }
  if (sig.status != SigStatus::good || sig.wrong_key_usage) {
    return false;
  }
  constexpr unsigned k_disqualifying =
    GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED
    | GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_KEY_MISSING | GPGME_SIGSUM_CRL_MISSING
    | GPGME_SIGSUM_CRL_TOO_OLD | GPGME_SIGSUM_BAD_POLICY | GPGME_SIGSUM_SYS_ERROR;
  if ((sig.summary & k_disqualifying) != 0) {
    return false;
  }
  if ((sig.summary & GPGME_SIGSUM_VALID) != 0) {
    return true;
  }
  return (sig.summary & GPGME_SIGSUM_GREEN) != 0
         && (sig.validity == GPGME_VALIDITY_FULL || sig.validity == GPGME_VALIDITY_ULTIMATE);
}

bool
hash_is_weak(int hash_algo)
{
  switch (hash_algo) {
  case GPGME_MD_SHA224:
  case GPGME_MD_SHA256:
  case GPGME_MD_SHA384:
  case GPGME_MD_SHA512:
    return false;
  default:
    return true;
  }
}

std::optional<std::string>
micalg_for(int hash_algo)
{
  switch (hash_algo) {
  case GPGME_MD_SHA256:
    return std::string("pgp-sha256");
  case GPGME_MD_SHA384:
    return std::string("pgp-sha384");
  case GPGME_MD_SHA512:
    return std::string("pgp-sha512");
  default:
    return std::nullopt;
  }
}

std::string
hash_name(int hash_algo)
{
  const char* n = gpgme_hash_algo_name(static_cast<gpgme_hash_algo_t>(hash_algo));
  return n != nullptr ? std::string(n) : std::string("unknown");
}

bool
validity_at_least_full(int validity)
{
  return validity == GPGME_VALIDITY_FULL || validity == GPGME_VALIDITY_ULTIMATE;
}

std::string_view
validity_string(int validity)
{
  switch (validity) {
  case GPGME_VALIDITY_UNDEFINED:
    return "undefined";
  case GPGME_VALIDITY_NEVER:
    return "never";
  case GPGME_VALIDITY_MARGINAL:
    return "marginal";
  case GPGME_VALIDITY_FULL:
    return "full";
  case GPGME_VALIDITY_ULTIMATE:
    return "ultimate";
  default:
    return "unknown";
  }
}

std::string
normalize_address(std::string_view addr)
{
  auto lt = addr.rfind('<');
  if (lt != std::string_view::npos) {
    auto gt = addr.find('>', lt);
    addr = addr.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  while (!addr.empty() && std::isspace(static_cast<unsigned char>(addr.front())) != 0) {
    addr.remove_prefix(1);
  }
  while (!addr.empty() && std::isspace(static_cast<unsigned char>(addr.back())) != 0) {
    addr.remove_suffix(1);
  }
  std::string out(addr);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

} // namespace peermail::crypto
