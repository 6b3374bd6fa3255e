// SPDX-License-Identifier: GPL-3.0-or-later
// Judging an X.509 certificate before mail is encrypted to it or signed
// with it: the S/MIME side of the key plan (docs/DESIGN.md §4). The result
// is a KeyJudgement, refused exactly as an OpenPGP key is (exit 67).
#include "cms.hpp"
#include "context.hpp"
#include "key_judge.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>
#include <gpgme.h>

#include <algorithm>

namespace peermail::crypto {

namespace {

std::string
new_cert_fix(bool signer, const std::string& address)
{
  if (signer) {
    return "get a new certificate for your address from your CA, import it (peermail keys import "
           "FILE.p12) and set identity.smime_cert to its fingerprint";
  }
  return fmt::format(
    "ask {} for their current certificate, verify its fingerprint out of band, import it "
    "(peermail keys import FILE) and set the fingerprint in its [[peer]] entry",
    address);
}

std::string
normalized(std::string_view fpr)
{
  std::string out;
  for (const char c : fpr) {
    if (c != ':' && c != ' ') {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

} // namespace

std::string
CmsEngine::sha1_of_pin(const std::string& pinned)
{
  const std::string pin = normalized(pinned);
  if (pin.size() != 64) {
    return pin;
  }
  // A SHA-256 pin: gpgsm names certificates by SHA-1, so find the one whose
  // SHA-256 matches among all certificates in the keybox.
  std::vector<std::string> fprs;
  gpgme_ctx_t ctx = m_ctx.get();
  if (gpgme_op_keylist_start(ctx, nullptr, 0) == 0) {
    gpgme_key_t raw = nullptr;
    while (gpgme_op_keylist_next(ctx, &raw) == 0 && raw != nullptr) {
      Key k(raw);
      if (k->fpr != nullptr) {
        fprs.emplace_back(k->fpr);
      }
    }
    gpgme_op_keylist_end(ctx);
  }
  for (const auto& f : fprs) {
    auto der = make_data();
    if (!der || gpgme_op_export(ctx, f.c_str(), 0, der->get()) != 0) {
      continue;
    }
    auto facts = cert_facts(take_data(der->get()));
    if (facts && facts->sha256 == pin) {
      return f;
    }
  }
  return {};
}

CmsEngine::ChainCheck
CmsEngine::validate_chain(const std::string& fpr, bool offline)
{
  gpgme_ctx_t ctx = m_ctx.get();
  const gpgme_keylist_mode_t mode = gpgme_get_keylist_mode(ctx);
  gpgme_set_keylist_mode(ctx, GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_VALIDATE);
  // Offline, gpgsm checks no revocation at all (not even dirmngr's cache);
  // a revocation it once saw stays marked in the keybox.
  gpgme_set_offline(ctx, offline ? 1 : 0);
  ChainCheck c;
  if (gpgme_op_keylist_start(ctx, fpr.c_str(), 0) == 0) {
    gpgme_key_t v = nullptr;
    if (gpgme_op_keylist_next(ctx, &v) == 0 && v != nullptr) {
      Key vk(v);
      c.revoked = vk->revoked != 0;
      c.valid = vk->revoked == 0 && vk->expired == 0 && vk->invalid == 0 && vk->uids != nullptr
                && validity_at_least_full(vk->uids->validity);
    }
    gpgme_op_keylist_end(ctx);
  }
  gpgme_set_keylist_mode(ctx, mode);
  gpgme_set_offline(ctx, 0);
  return c;
}

Result<KeyJudgement>
CmsEngine::judge_cert(const std::string& pinned,
                      const std::string& address,
                      const KeyPolicy& policy,
                      bool signer)
{
  KeyJudgement j;
  j.address = address;
  const std::string fpr = sha1_of_pin(pinned);
  const std::string who = signer ? "identity.smime_cert" : "the pinned certificate";
  Key k = fpr.empty() ? Key() : lookup(fpr, signer);
  if (!k) {
    return with_problem(
      std::move(j),
      signer ? KeyProblem::no_secret : KeyProblem::missing,
      signer ? "SIG-01" : "E2E-01",
      signer ? fmt::format("certificate {} with its secret key is not in the gpgsm "
                           "keybox",
                           pinned)
             : fmt::format("certificate {} is not in the gpgsm keybox", pinned),
      signer ? "import your certificate and key (peermail keys import FILE.p12), or set "
               "identity.smime_cert to the fingerprint of one you hold"
             : fmt::format("import {}'s certificate (peermail keys import FILE) or correct "
                           "the fingerprint in its [[peer]] entry",
                           address));
  }
  KeyFacts kf;
  kf.fingerprint = k->fpr != nullptr ? k->fpr : fpr;
  kf.has_secret = k->secret != 0;
  j.key = kf;
  auto der = make_data();
  if (!der || gpgme_op_export(m_ctx.get(), kf.fingerprint.c_str(), 0, der->get()) != 0) {
    return fail(Errc::crypto, fmt::format("cannot export certificate {} from gpgsm", fpr));
  }
  auto facts = cert_facts(take_data(der->get()));
  if (!facts) {
    return with_problem(std::move(j),
                        KeyProblem::invalid,
                        "KEY-03",
                        fmt::format("certificate {} does not parse", fpr),
                        new_cert_fix(signer, address));
  }
  const std::int64_t now = policy_now(policy);
  if (facts->not_after != 0 && facts->not_after < now) {
    return with_problem(
      std::move(j),
      KeyProblem::expired,
      "KEY-02",
      fmt::format("certificate {} expired on {}", fpr, format_date(facts->not_after)),
      new_cert_fix(signer, address));
  }
  if (facts->not_before > now) {
    return with_problem(
      std::move(j),
      KeyProblem::invalid,
      "KEY-02",
      fmt::format("certificate {} is not valid before {}", fpr, format_date(facts->not_before)),
      new_cert_fix(signer, address));
  }
  const auto addrs = cert_addresses(*facts);
  if (std::find(addrs.begin(), addrs.end(), util::to_lower(address)) == addrs.end()) {
    return with_problem(
      std::move(j),
      KeyProblem::uid_mismatch,
      "E2E-04",
      fmt::format("certificate {} does not bind {} (it names {})",
                  fpr,
                  address,
                  addrs.empty() ? std::string("no address")
                                : fmt::format("{}", fmt::join(addrs, ", "))),
      signer ? std::string("set identity.smime_cert to a certificate for identity.address")
             : fmt::format("check the fingerprint in the [[peer]] entry for {}: it must be that "
                           "person's certificate",
                           address));
  }
  if (facts->ca) {
    // Mail goes to a person's certificate, never to a CA's key (a pinned
    // anchor would otherwise chain to itself).
    return with_problem(std::move(j),
                        KeyProblem::invalid,
                        signer ? "SIG-01" : "E2E-04",
                        fmt::format("certificate {} is a CA certificate, not {}'s", fpr, address),
                        new_cert_fix(signer, address));
  }
  const std::string& usage = signer ? facts->usage_problem : facts->encrypt_usage_problem;
  if (!usage.empty()) {
    return with_problem(std::move(j),
                        KeyProblem::no_usable_subkey,
                        signer ? "SIG-01" : "E2E-01",
                        fmt::format("certificate {}: {}", fpr, usage),
                        new_cert_fix(signer, address));
  }
  if (!facts->weak_key.empty()) {
    return with_problem(std::move(j),
                        KeyProblem::weak,
                        "KEY-01",
                        fmt::format("certificate {} has {}", fpr, facts->weak_key),
                        new_cert_fix(signer, address));
  }
  if (m_anchors.empty()) {
    return with_problem(
      std::move(j),
      KeyProblem::validity,
      "E2E-04",
      "no S/MIME trust anchor is configured ([smime] anchors)",
      "set [smime] anchors to the PEM file of the root CA certificates you trust");
  }
  const std::string root = root_of(kf.fingerprint);
  if (root.empty() || m_anchors.count(root) == 0) {
    return with_problem(
      std::move(j),
      KeyProblem::validity,
      "E2E-04",
      fmt::format("certificate {} does not chain to a configured trust anchor ([smime] anchors)",
                  fpr),
      "add the issuing root CA to [smime] anchors if you trust it, or ask for a certificate from "
      "a CA you trust");
  }
  // gpgsm's own chain validation, always with revocation through dirmngr:
  // a revocation dirmngr knows (a CRL in its cache or one it can fetch) is
  // refused in both modes. Only when dirmngr has no answer does [smime]
  // revocation = "offline" judge by the chain alone, and says so.
  const ChainCheck online = validate_chain(kf.fingerprint, false);
  if (online.revoked) {
    return with_problem(std::move(j),
                        KeyProblem::revoked,
                        "KEY-03",
                        fmt::format("certificate {} is revoked", fpr),
                        new_cert_fix(signer, address));
  }
  if (!online.valid) {
    const ChainCheck chain = validate_chain(kf.fingerprint, true);
    if (chain.revoked || !chain.valid) {
      return with_problem(
        std::move(j),
        chain.revoked ? KeyProblem::revoked : KeyProblem::validity,
        "KEY-03",
        chain.revoked ? fmt::format("certificate {} is revoked", fpr)
                      : fmt::format("gpgsm does not accept the chain of certificate {}", fpr),
        chain.revoked ? new_cert_fix(signer, address)
                      : std::string("import the intermediate CA certificates (peermail keys "
                                    "import FILE), and check the chain with `gpgsm --list-keys "
                                    "--with-validation FPR`"));
    }
    if (!m_offline) {
      return with_problem(
        std::move(j),
        KeyProblem::validity,
        "KEY-03",
        fmt::format("the revocation status of certificate {} is unknown: dirmngr has no CRL "
                    "or OCSP answer for it",
                    fpr),
        "let dirmngr reach the CA's CRL (network, dirmngr.conf) or load it (gpgsm "
        "--call-dirmngr loadcrl FILE); where your policy accepts unknown revocation status, "
        "set [smime] revocation = \"offline\"");
    }
    j.warnings.push_back(fmt::format(
      "certificate revocation was not checked for {} (dirmngr has no CRL or OCSP answer for "
      "it): accepted because [smime] revocation = \"offline\" [KEY-03]",
      fpr));
  }
  if (facts->not_after != 0 && policy.expiry_warning_days > 0
      && facts->not_after - now < static_cast<std::int64_t>(policy.expiry_warning_days) * 86400) {
    j.warnings.push_back(
      fmt::format("certificate {} expires on {}", fpr, format_date(facts->not_after)));
  }
  return j;
}

Result<KeyJudgement>
CmsEngine::judge_recipient_cert(const std::string& pinned,
                                const std::string& address,
                                const KeyPolicy& policy)
{
  return judge_cert(pinned, address, policy, false);
}

Result<KeyJudgement>
CmsEngine::judge_signer_cert(const std::string& fingerprint,
                             const std::string& address,
                             const KeyPolicy& policy)
{
  return judge_cert(fingerprint, address, policy, true);
}

} // namespace peermail::crypto
