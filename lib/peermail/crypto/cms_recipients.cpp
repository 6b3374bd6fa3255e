// SPDX-License-Identifier: GPL-3.0-or-later
#include "cms_recipients.hpp"

#include "context.hpp"
#include "x509_context.hpp"

#include <fmt/core.h>
#include <gpgme.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace peermail::crypto {

namespace {

using CmsPtr = std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// One DER element: its tag and class, its content, and what follows it.
struct Tlv
{
  int tag = 0;
  int cls = 0;
  const unsigned char* body = nullptr;
  long len = 0;
  const unsigned char* next = nullptr;
};

// Read the DER element at `p` (before `end`) with OpenSSL's reader; none
// when it does not parse or has an indefinite length (not DER).
std::optional<Tlv>
element(const unsigned char* p, const unsigned char* end)
{
  if (p == nullptr || p >= end) {
    return std::nullopt;
  }
  const unsigned char* q = p;
  Tlv t;
  const int r = ASN1_get_object(&q, &t.len, &t.tag, &t.cls, end - p);
  if ((r & 0x80) != 0 || r == 0x21) {
    return std::nullopt;
  }
  t.body = q;
  t.next = q + t.len;
  return t;
}

// The content-encryption algorithm of the (Auth)EnvelopedData in `cms`
// (RFC 5652 §6.1, RFC 5083 §2.1), read from its DER encoding: OpenSSL has
// no getter for it. ContentInfo { contentType, [0] { version,
// originatorInfo [0] OPTIONAL, recipientInfos SET, encryptedContentInfo {
// contentType, contentEncryptionAlgorithm { algorithm, ... } ... } } }.
int
content_cipher_nid(CMS_ContentInfo* cms)
{
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms, &der);
  if (n <= 0) {
    return NID_undef;
  }
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(
    der, [](unsigned char* p) { OPENSSL_free(p); });
  const unsigned char* end = der + n;
  auto ci = element(der, end);
  auto type = ci ? element(ci->body, end) : std::nullopt;
  auto explicit0 = type ? element(type->next, end) : std::nullopt;
  auto env = explicit0 ? element(explicit0->body, end) : std::nullopt;
  auto version = env ? element(env->body, end) : std::nullopt;
  auto x = version ? element(version->next, end) : std::nullopt;
  if (x && x->cls == V_ASN1_CONTEXT_SPECIFIC && x->tag == 0) {
    x = element(x->next, end); // originatorInfo
  }
  if (!x || x->tag != V_ASN1_SET) {
    return NID_undef;
  }
  auto eci = element(x->next, end);
  auto inner_type = eci ? element(eci->body, end) : std::nullopt;
  auto alg = inner_type ? element(inner_type->next, end) : std::nullopt;
  if (!alg || alg->tag != V_ASN1_SEQUENCE) {
    return NID_undef;
  }
  const unsigned char* p = alg->body;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
    d2i_ASN1_OBJECT(nullptr, &p, alg->len), ASN1_OBJECT_free);
  return oid ? OBJ_obj2nid(oid.get()) : NID_undef;
}

std::string
cipher_name(int nid)
{
  const char* ln = nid != NID_undef ? OBJ_nid2ln(nid) : nullptr;
  if (ln == nullptr) {
    return "an unknown cipher";
  }
  std::string out(ln);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  return out;
}

// What a content type is called in a refusal.
std::string
content_type_name(int nid)
{
  switch (nid) {
  case NID_pkcs7_signed:
    return "signed-data";
  case NID_pkcs7_data:
    return "data";
  case NID_pkcs7_digest:
    return "digested-data";
  case NID_pkcs7_encrypted:
    return "encrypted-data (no recipients)";
  case NID_id_smime_ct_compressedData:
    return "compressed-data";
  default:
    return "another CMS content type";
  }
}

CmsRecipient
match(CMS_RecipientInfo* ri, const std::vector<X509Ptr>& certs)
{
  CmsRecipient r;
  switch (CMS_RecipientInfo_type(ri)) {
  case CMS_RECIPINFO_TRANS:
    r.kind = RecipientKind::key_transport;
    for (std::size_t i = 0; i < certs.size(); ++i) {
      if (CMS_RecipientInfo_ktri_cert_cmp(ri, certs[i].get()) == 0) {
        r.certs.push_back(i);
      }
    }
    break;
  case CMS_RECIPINFO_AGREE: {
    r.kind = RecipientKind::key_agreement;
    STACK_OF(CMS_RecipientEncryptedKey)* reks = CMS_RecipientInfo_kari_get0_reks(ri);
    for (int k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks); ++k) {
      CMS_RecipientEncryptedKey* rek = sk_CMS_RecipientEncryptedKey_value(reks, k);
      for (std::size_t i = 0; i < certs.size(); ++i) {
        if (CMS_RecipientEncryptedKey_cert_cmp(rek, certs[i].get()) == 0) {
          r.certs.push_back(i);
        }
      }
    }
    break;
  }
  case CMS_RECIPINFO_KEK:
    r.kind = RecipientKind::kek;
    break;
  case CMS_RECIPINFO_PASS:
    r.kind = RecipientKind::password;
    break;
  default:
    r.kind = RecipientKind::other;
    break;
  }
  return r;
}

} // namespace

Result<CmsEnvelope>
read_cms_envelope(std::string_view der, const std::vector<std::string>& cert_ders)
{
  std::vector<X509Ptr> certs;
  for (const auto& c : cert_ders) {
    const auto* p = reinterpret_cast<const unsigned char*>(c.data());
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(c.size())), X509_free);
    if (!x || p != reinterpret_cast<const unsigned char*>(c.data()) + c.size()) {
      return fail(Errc::data, "a recipient certificate does not parse");
    }
    certs.push_back(std::move(x));
  }
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* p = begin;
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), CMS_ContentInfo_free);
  if (!cms) {
    return fail(Errc::data, "the S/MIME part is not a CMS object");
  }
  if (p != begin + der.size()) {
    // Bytes a reader may show or decode on their own (RFC 5652 §3: one
    // ContentInfo); treat the ambiguity as hostile.
    return fail(Errc::data, "the S/MIME part holds bytes after its CMS object");
  }
  CmsEnvelope env;
  const int type = OBJ_obj2nid(CMS_get0_type(cms.get()));
  if (type == NID_id_smime_ct_authEnvelopedData) {
    env.authenticated = true;
  } else if (type != NID_pkcs7_enveloped) {
    return fail(Errc::data,
                fmt::format("the S/MIME part holds {}, not enveloped-data: it is not encrypted",
                            content_type_name(type)));
  }
  const int cipher = content_cipher_nid(cms.get());
  env.cipher = cipher_name(cipher);
  env.aes256 = env.authenticated ? cipher == NID_aes_256_gcm : cipher == NID_aes_256_cbc;
  STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms.get());
  for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); ++i) {
    env.recipients.push_back(match(sk_CMS_RecipientInfo_value(ris, i), certs));
  }
  return env;
}

Result<CmsEnvelope>
read_cms_envelope_for(const std::string& gnupg_home,
                      std::string_view der,
                      const std::vector<std::string>& fingerprints)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, cms_context(gnupg_home));
  std::vector<std::string> certs;
  for (const auto& fpr : fingerprints) {
    PEERMAIL_TRY_ASSIGN(auto d, make_data());
    if (auto e = gpgme_op_export(ctx.get(), fpr.c_str(), 0, d.get()); e != 0) {
      return unexpected(from_gpgme(e, fmt::format("exporting certificate {}", fpr)));
    }
    certs.push_back(take_data(d.get()));
    if (certs.back().empty()) {
      return fail(Errc::crypto, fmt::format("gpgsm cannot export certificate {}", fpr));
    }
  }
  return read_cms_envelope(der, certs);
}

ProofVerdict
judge_cms_envelope(const CmsEnvelope& env)
{
  ProofVerdict v;
  for (const auto& r : env.recipients) {
    const char* what = r.kind == RecipientKind::kek        ? "pre-shared key (KEKRecipientInfo)"
                       : r.kind == RecipientKind::password ? "password (PasswordRecipientInfo)"
                       : r.kind == RecipientKind::other
                         ? "key of an unknown kind (OtherRecipientInfo)"
                         : nullptr;
    if (what != nullptr) {
      v.reason =
        fmt::format("the message can also be opened with a {}, which peermail cannot judge", what);
      v.fix = "encrypt it to the recipients' certificates only";
      return v;
    }
  }
  if (!env.aes256) {
    v.check_id = "E2E-02";
    v.reason = fmt::format(
      "the message is encrypted with {}, not AES-256 (AES-256-CBC or "
      "AES-256-GCM)",
      env.cipher);
    v.fix =
      "encrypt it again with AES-256 (openssl cms -encrypt -aes256, or gpgsm --cipher-algo AES256 "
      "--encrypt)";
    return v;
  }
  v.ok = true;
  return v;
}

ProofVerdict
prove_cms_encrypted_to(const CmsEnvelope& env,
                       std::size_t cert,
                       const std::string& fingerprint,
                       const std::string& address)
{
  ProofVerdict v;
  for (const auto& r : env.recipients) {
    if (std::find(r.certs.begin(), r.certs.end(), cert) != r.certs.end()) {
      v.ok = true;
      v.subkey_fingerprint = fingerprint;
      return v;
    }
  }
  v.reason = env.recipients.empty()
               ? fmt::format("the message is not encrypted to anyone, so not to its certificate {}",
                             fingerprint)
               : fmt::format("the message is not encrypted to its certificate {}", fingerprint);
  v.fix = fmt::format(
    "encrypt it to <{}>'s pinned certificate (openssl cms -encrypt -aes256 ... "
    "CERT, or gpgsm --encrypt -r FINGERPRINT)",
    address);
  return v;
}

} // namespace peermail::crypto
