// SPDX-License-Identifier: GPL-3.0-or-later
#include "pkcs12_cost.hpp"

#include <fmt/core.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string_view>

namespace peermail::crypto {

namespace {

// An absent iteration count means 1 (RFC 7292's DEFAULT); nullopt when it
// does not fit 64 bits or is not positive.
std::optional<std::int64_t>
count_of(const ASN1_INTEGER* a)
{
  if (a == nullptr) {
    return 1;
  }
  std::int64_t v = 0;
  if (ASN1_INTEGER_get_int64(&v, a) != 1 || v < 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return v;
}

// The iterations a password-based encryption AlgorithmIdentifier asks for:
// PBES2 with PBKDF2, or a PKCS #12 PBE (pbeWithSHAAnd...). nullopt when the
// parameters cannot be read (scrypt included: peermail does not take it).
std::optional<std::int64_t>
pbe_iterations(const X509_ALGOR* alg)
{
  if (alg == nullptr || alg->parameter == nullptr) {
    return std::nullopt;
  }
  if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
    std::unique_ptr<PBE2PARAM, decltype(&PBE2PARAM_free)> p2(
      static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)),
      &PBE2PARAM_free);
    if (!p2 || p2->keyfunc == nullptr || p2->keyfunc->parameter == nullptr
        || OBJ_obj2nid(p2->keyfunc->algorithm) != NID_id_pbkdf2) {
      ERR_clear_error();
      return std::nullopt;
    }
    std::unique_ptr<PBKDF2PARAM, decltype(&PBKDF2PARAM_free)> kdf(
      static_cast<PBKDF2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), p2->keyfunc->parameter)),
      &PBKDF2PARAM_free);
    if (!kdf) {
      ERR_clear_error();
      return std::nullopt;
    }
    return count_of(kdf->iter);
  }
  std::unique_ptr<PBEPARAM, decltype(&PBEPARAM_free)> pbe(
    static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter)),
    &PBEPARAM_free);
  if (!pbe) {
    ERR_clear_error();
    return std::nullopt;
  }
  return count_of(pbe->iter);
}

// What a file's key derivations asked for so far.
struct Tally
{
  std::int64_t iterations = 0;
  int derivations = 0;
};

Result<void>
judge(std::optional<std::int64_t> n, std::string_view where, std::int64_t max)
{
  if (!n) {
    return fail(Errc::data,
                fmt::format("the PKCS #12 file's {} has key-derivation parameters peermail "
                            "cannot read (only PBKDF2 and the PKCS #12 PBEs are taken)",
                            where),
                "",
                "export the key again with the mail program's default settings");
  }
  if (*n > max) {
    return fail(Errc::data,
                fmt::format("the PKCS #12 file's {} asks for {} key-derivation iterations; "
                            "peermail takes at most {}, so that a hostile file cannot hold "
                            "keys import; nothing was imported",
                            where,
                            *n,
                            max),
                "",
                "export the key again with the mail program's default settings "
                "(openssl pkcs12 -export uses 2048)");
  }
  return {};
}

// Count `n` (already judged) into `t`; refuse when the file asks for more
// than kMaxPkcs12TotalIterations or kMaxPkcs12Protected altogether.
Result<void>
count(Tally& t, std::int64_t n)
{
  t.iterations += n;
  if (++t.derivations > kMaxPkcs12Protected + 1 || t.iterations > kMaxPkcs12TotalIterations) {
    return fail(Errc::data,
                fmt::format("the PKCS #12 file asks for more key derivation than a key and "
                            "its certificates need (at most {} protected parts and {} "
                            "iterations together); nothing was imported",
                            kMaxPkcs12Protected,
                            kMaxPkcs12TotalIterations),
                "",
                "export the key again with the mail program's default settings");
  }
  return {};
}

// A key OpenSSL may decode: RSA, EC on a named curve, Ed25519 or Ed448. A
// DSA or DH key (or EC with explicit parameters) with a huge modulus costs
// hours to decode, and gpgsm does not sign mail with those.
Result<void>
judge_key_algorithm(const PKCS8_PRIV_KEY_INFO* p8)
{
  const ASN1_OBJECT* oid = nullptr;
  const X509_ALGOR* alg = nullptr;
  if (p8 == nullptr || PKCS8_pkey_get0(&oid, nullptr, nullptr, &alg, p8) != 1) {
    ERR_clear_error();
    return fail(Errc::data, "the PKCS #12 file's key does not parse");
  }
  const int nid = OBJ_obj2nid(oid);
  const bool named_curve =
    alg != nullptr && alg->parameter != nullptr && alg->parameter->type == V_ASN1_OBJECT;
  if (nid == NID_rsaEncryption || nid == NID_rsassaPss || nid == NID_ED25519 || nid == NID_ED448
      || (nid == NID_X9_62_id_ecPublicKey && named_curve)) {
    return {};
  }
  return fail(Errc::data,
              fmt::format("the PKCS #12 file holds a {} key; peermail imports RSA, EC on a "
                          "named curve, Ed25519 and Ed448 keys only",
                          nid == NID_X9_62_id_ecPublicKey ? "EC (explicit parameters)"
                          : nid == NID_undef              ? "unknown"
                                                          : OBJ_nid2sn(nid)),
              "",
              "export an RSA or EC key (what mail certificates use)");
}

struct SafesFree
{
  void
  operator()(STACK_OF(PKCS7) * s) const
  {
    sk_PKCS7_pop_free(s, PKCS7_free);
  }
};
struct BagsFree
{
  void
  operator()(STACK_OF(PKCS12_SAFEBAG) * s) const
  {
    sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free);
  }
};
using Safes = std::unique_ptr<STACK_OF(PKCS7), SafesFree>;
using Bags = std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), BagsFree>;

Result<Safes>
safes_of(const PKCS12* p12)
{
  Safes s(PKCS12_unpack_authsafes(p12));
  if (!s) {
    ERR_clear_error();
    return fail(Errc::data, "the PKCS #12 file's contents do not parse");
  }
  return s;
}

// Each key bag in `bags`, nested safe-content bags included: its
// algorithm, and a shrouded one's iterations (decrypted with `pw` to read
// the algorithm).
Result<void>
judge_key_bags(const STACK_OF(PKCS12_SAFEBAG) * bags,
               const std::string& pw,
               std::int64_t max,
               Tally& t,
               int depth = 0)
{
  if (depth > 4) {
    return fail(Errc::data, "the PKCS #12 file nests its bags too deep");
  }
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
    case NID_keyBag:
      PEERMAIL_TRY(judge_key_algorithm(PKCS12_SAFEBAG_get0_p8inf(bag)));
      break;
    case NID_pkcs8ShroudedKeyBag: {
      const X509_ALGOR* alg = nullptr;
      X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
      const auto n = pbe_iterations(alg);
      PEERMAIL_TRY(judge(n, "key", max));
      PEERMAIL_TRY(count(t, *n));
      std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
        PKCS12_decrypt_skey(bag, pw.c_str(), static_cast<int>(pw.size())),
        &PKCS8_PRIV_KEY_INFO_free);
      if (!p8) {
        ERR_clear_error();
        return fail(Errc::auth, "the PKCS #12 file's key does not decrypt");
      }
      PEERMAIL_TRY(judge_key_algorithm(p8.get()));
      break;
    }
    case NID_safeContentsBag:
      PEERMAIL_TRY(judge_key_bags(PKCS12_SAFEBAG_get0_safes(bag), pw, max, t, depth + 1));
      break;
    default:
      break;
    }
  }
  return {};
}

// The MAC's and the encrypted safes' iterations, each judged and counted.
Result<Tally>
outer_tally(const PKCS12* p12, std::int64_t max)
{
  Tally t;
  const ASN1_OCTET_STRING* mac = nullptr;
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(&mac, nullptr, nullptr, &iter, p12);
  if (mac != nullptr) {
    const auto n = count_of(iter);
    PEERMAIL_TRY(judge(n, "integrity check", max));
    PEERMAIL_TRY(count(t, *n));
  }
  PEERMAIL_TRY_ASSIGN(auto safes, safes_of(p12));
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes.get(), i);
    if (PKCS7_type_is_encrypted(safe)) {
      const auto* enc = safe->d.encrypted;
      const auto n = enc != nullptr && enc->enc_data != nullptr
                       ? pbe_iterations(enc->enc_data->algorithm)
                       : std::nullopt;
      PEERMAIL_TRY(judge(n, "encrypted contents", max));
      PEERMAIL_TRY(count(t, *n));
    }
  }
  return t;
}

} // namespace

Result<void>
check_pkcs12_outer_cost(const PKCS12* p12, std::int64_t max)
{
  PEERMAIL_TRY(outer_tally(p12, max));
  return {};
}

Result<void>
check_pkcs12_key_cost(const PKCS12* p12, const std::string& pw, std::int64_t max)
{
  PEERMAIL_TRY_ASSIGN(auto t, outer_tally(p12, max));
  PEERMAIL_TRY_ASSIGN(auto safes, safes_of(p12));
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes.get(), i);
    Bags bags;
    if (PKCS7_type_is_data(safe)) {
      bags.reset(PKCS12_unpack_p7data(safe));
    } else if (PKCS7_type_is_encrypted(safe)) {
      bags.reset(PKCS12_unpack_p7encdata(safe, pw.c_str(), static_cast<int>(pw.size())));
    } else {
      continue; // PKCS12_parse refuses other kinds
    }
    if (!bags) {
      ERR_clear_error();
      return fail(Errc::auth, "the PKCS #12 file's contents do not decrypt");
    }
    PEERMAIL_TRY(judge_key_bags(bags.get(), pw, max, t));
  }
  return {};
}

} // namespace peermail::crypto
