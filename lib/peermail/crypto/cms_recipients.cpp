// SPDX-License-Identifier: GPL-3.0-or-later
#include "cms_recipients.hpp"

#include "context.hpp"
#include "x509_context.hpp"
#include "x509_der.hpp"

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

// What the DER of an (Auth)EnvelopedData says beyond what OpenSSL's API
// gives (RFC 5652 §6.1, RFC 5083 §2.1): ContentInfo { contentType, [0] {
// version, originatorInfo [0] OPTIONAL, recipientInfos SET,
// encryptedContentInfo { contentType, contentEncryptionAlgorithm,
// encryptedContent [0] OPTIONAL }, then EnvelopedData: unprotectedAttrs [1]
// OPTIONAL; AuthEnvelopedData: authAttrs [1] OPTIONAL, mac, unauthAttrs [2]
// OPTIONAL } }.
struct Shape
{
  int cipher = NID_undef; // the content-encryption algorithm
  bool content = false;   // encryptedContent is there (not detached)
  std::string in_clear;   // what travels beside the encryption, "" = nothing
};

// True if every attribute in the SET at [p, end) is a contentType (the one
// authenticated attribute AuthEnvelopedData needs; it says only "data").
bool
only_content_type(const unsigned char* p, const unsigned char* end)
{
  for (auto a = element(p, end); a; a = element(a->next, end)) {
    auto oid = element(a->body, a->body + a->len);
    if (!oid || oid->tag != V_ASN1_OBJECT) {
      return false;
    }
    const unsigned char* q = a->body; // the OID element, tag and all
    std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> o(
      d2i_ASN1_OBJECT(nullptr, &q, a->len), ASN1_OBJECT_free);
    if (!o || OBJ_obj2nid(o.get()) != NID_pkcs9_contentType) {
      return false;
    }
  }
  return true;
}

Shape
envelope_shape(CMS_ContentInfo* cms, bool authenticated)
{
  Shape out;
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms, &der);
  if (n <= 0) {
    return out;
  }
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(
    der, [](unsigned char* p) { OPENSSL_free(p); });
  const unsigned char* end = der + n;
  auto ci = element(der, end);
  auto type = ci ? element(ci->body, end) : std::nullopt;
  auto explicit0 = type ? element(type->next, end) : std::nullopt;
  auto env = explicit0 ? element(explicit0->body, end) : std::nullopt;
  if (!env) {
    return out;
  }
  const unsigned char* env_end = env->body + env->len;
  auto version = element(env->body, env_end);
  auto x = version ? element(version->next, env_end) : std::nullopt;
  if (x && x->cls == V_ASN1_CONTEXT_SPECIFIC && x->tag == 0) {
    x = element(x->next, env_end); // originatorInfo
  }
  if (!x || x->tag != V_ASN1_SET) {
    return out;
  }
  auto eci = element(x->next, env_end);
  if (!eci) {
    return out;
  }
  const unsigned char* eci_end = eci->body + eci->len;
  auto inner_type = element(eci->body, eci_end);
  auto alg = inner_type ? element(inner_type->next, eci_end) : std::nullopt;
  if (!alg || alg->tag != V_ASN1_SEQUENCE) {
    return out;
  }
  const unsigned char* p = alg->body;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
    d2i_ASN1_OBJECT(nullptr, &p, alg->len), ASN1_OBJECT_free);
  out.cipher = oid ? OBJ_obj2nid(oid.get()) : NID_undef;
  auto content = element(alg->next, eci_end);
  out.content = content && content->cls == V_ASN1_CONTEXT_SPECIFIC && content->tag == 0;
  auto after = element(eci->next, env_end);
  if (authenticated) {
    if (after && after->cls == V_ASN1_CONTEXT_SPECIFIC && after->tag == 1) {
      if (!only_content_type(after->body, after->body + after->len)) {
        out.in_clear = "authenticated attributes (authAttrs) beside contentType";
      }
      after = element(after->next, env_end); // the mac
    }
    after = after ? element(after->next, env_end) : std::nullopt;
    if (after && out.in_clear.empty()) {
      out.in_clear = "unauthenticated attributes (unauthAttrs)";
    }
  } else if (after) {
    out.in_clear = "unprotected attributes (unprotectedAttrs)";
  }
  return out;
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

// The key-wrap algorithm of a key-agreement RecipientInfo: the parameter
// of its keyEncryptionAlgorithm (RFC 5753 §7.1.5: ECDH KDF scheme { wrap
// AlgorithmIdentifier }). NID_undef when it cannot be read.
int
key_wrap_nid(CMS_RecipientInfo* ri)
{
  X509_ALGOR* alg = nullptr;
  ASN1_OCTET_STRING* ukm = nullptr;
  if (CMS_RecipientInfo_kari_get0_alg(ri, &alg, &ukm) != 1 || alg == nullptr) {
    return NID_undef;
  }
  const ASN1_OBJECT* obj = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&obj, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE || pval == nullptr) {
    return NID_undef;
  }
  const auto* seq = static_cast<const ASN1_STRING*>(pval);
  const unsigned char* p = ASN1_STRING_get0_data(seq);
  std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)> wrap(
    d2i_X509_ALGOR(nullptr, &p, ASN1_STRING_length(seq)), X509_ALGOR_free);
  if (!wrap) {
    return NID_undef;
  }
  const ASN1_OBJECT* wobj = nullptr;
  X509_ALGOR_get0(&wobj, nullptr, nullptr, wrap.get());
  return OBJ_obj2nid(wobj);
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
    r.key_wrap = key_wrap_nid(ri);
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
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(c.size())));
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
  const Shape shape = envelope_shape(cms.get(), env.authenticated);
  if (!shape.content) {
    return fail(Errc::data,
                "the S/MIME part's enveloped-data carries no encrypted content (detached or "
                "missing): no recipient could read the message");
  }
  if (!shape.in_clear.empty()) {
    return fail(Errc::data,
                fmt::format("the S/MIME part's enveloped-data carries {}, which travel outside "
                            "the encryption",
                            shape.in_clear));
  }
  const int cipher = shape.cipher;
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
  for (const auto& r : env.recipients) {
    if (r.kind == RecipientKind::key_agreement && r.key_wrap != NID_id_aes256_wrap) {
      v.check_id = "E2E-02";
      v.reason = fmt::format("the message's key is wrapped with {}, not the AES-256 key wrap",
                             cipher_name(r.key_wrap));
      v.fix =
        "encrypt it again with AES-256 and its key wrap (openssl cms -encrypt -aes256 "
        "-wrap id-aes256-wrap)";
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
