// SPDX-License-Identifier: GPL-3.0-or-later
// The S/MIME recipient proof of `send --message` on CMS objects made here
// with OpenSSL (throwaway keys and self-signed certificates).
#include <peermail/crypto/cms_recipients.hpp>

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace peermail::crypto;

namespace {

struct Party
{
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
  std::string der;
};

// A self-signed certificate for `cn` with a subjectKeyIdentifier; RSA-2048
// unless `ec` (P-256, for key agreement).
Party
make_party(const char* cn, bool ec = false)
{
  Party p;
  p.key.reset(ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048), EVP_PKEY_free);
  REQUIRE(p.key);
  p.cert.reset(X509_new(), X509_free);
  X509* x = p.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x),
                   static_cast<long>(std::hash<std::string>{}(cn)&0xffff));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 30);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
    name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, p.key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_key_identifier, "hash");
  REQUIRE(ext != nullptr);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  REQUIRE(X509_sign(x, p.key.get(), EVP_sha256()) > 0);
  unsigned char* out = nullptr;
  const int n = i2d_X509(x, &out);
  REQUIRE(n > 0);
  p.der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return p;
}

const Party&
ana()
{
  static const Party p = make_party("ana");
  return p;
}

const Party&
kim()
{
  static const Party p = make_party("kim");
  return p;
}

const Party&
lee_ec()
{
  static const Party p = make_party("lee", true);
  return p;
}

std::string
to_der(CMS_ContentInfo* cms)
{
  unsigned char* out = nullptr;
  const int n = i2d_CMS_ContentInfo(cms, &out);
  REQUIRE(n > 0);
  std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return der;
}

enum class Extra { none, kek, password, keyid, des3_wrap };

// Enveloped data of a short text to `to`, with `cipher`, plus `extra`.
std::string
envelope(const std::vector<const Party*>& to, const EVP_CIPHER* cipher, Extra extra = Extra::none)
{
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf("Margins are clear\r\n", -1),
                                               BIO_free);
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
    CMS_encrypt(nullptr, nullptr, cipher, CMS_BINARY | CMS_PARTIAL), CMS_ContentInfo_free);
  REQUIRE(cms);
  for (const auto* p : to) {
    CMS_RecipientInfo* ri =
      CMS_add1_recipient_cert(cms.get(), p->cert.get(), extra == Extra::keyid ? CMS_USE_KEYID : 0);
    REQUIRE(ri != nullptr);
    if (extra == Extra::des3_wrap && CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
      // What `openssl cms -encrypt -wrap des3-wrap` does.
      REQUIRE(EVP_EncryptInit_ex(
                CMS_RecipientInfo_kari_get0_ctx(ri), EVP_des_ede3_wrap(), nullptr, nullptr, nullptr)
              == 1);
    }
  }
  // The add0 functions take ownership of the key, its ID and the password.
  if (extra == Extra::kek) {
    auto* key = static_cast<unsigned char*>(OPENSSL_zalloc(32));
    auto* id = static_cast<unsigned char*>(OPENSSL_memdup("kek1", 4));
    REQUIRE(CMS_add0_recipient_key(cms.get(), NID_undef, key, 32, id, 4, nullptr, nullptr, nullptr)
            != nullptr);
  }
  if (extra == Extra::password) {
    auto* pass = static_cast<unsigned char*>(OPENSSL_memdup("secret", 6));
    REQUIRE(
      CMS_add0_recipient_password(cms.get(), -1, NID_undef, NID_undef, pass, 6, EVP_aes_256_cbc())
      != nullptr);
  }
  REQUIRE(CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) == 1);
  return to_der(cms.get());
}

// One DER element of `der` at `pos`: its header and body; `pos` moves on.
struct Part
{
  std::string head;
  std::string body;
};

Part
take(const std::string& der, std::size_t& pos)
{
  const auto* start = reinterpret_cast<const unsigned char*>(der.data()) + pos;
  const unsigned char* p = start;
  long len = 0;
  int tag = 0;
  int cls = 0;
  const int r = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(der.size() - pos));
  REQUIRE((r & 0x80) == 0);
  const auto head = static_cast<std::size_t>(p - start);
  Part out{der.substr(pos, head), der.substr(pos + head, static_cast<std::size_t>(len))};
  pos += head + static_cast<std::size_t>(len);
  return out;
}

// The DER element with the one-byte tag `tag` around `body`.
std::string
wrap(unsigned char tag, const std::string& body)
{
  std::string len;
  if (body.size() < 128) {
    len = std::string(1, static_cast<char>(body.size()));
  } else {
    for (std::size_t n = body.size(); n != 0; n >>= 8) {
      len.insert(len.begin(), static_cast<char>(n & 0xff));
    }
    len.insert(len.begin(), static_cast<char>(0x80 | len.size()));
  }
  return std::string(1, static_cast<char>(tag)) + len + body;
}

// `der` (ContentInfo { OID, [0] { EnvelopedData } }) with the elements of
// its EnvelopedData passed through `edit` (a list of whole elements).
template<typename Edit>
std::string
edit_envelope(const std::string& der, Edit edit)
{
  std::size_t pos = 0;
  const Part ci = take(der, pos);
  std::size_t in = 0;
  const Part oid = take(ci.body, in);
  const Part explicit0 = take(ci.body, in);
  std::size_t e = 0;
  const Part env = take(explicit0.body, e);
  std::vector<std::string> elements;
  for (std::size_t k = 0; k < env.body.size();) {
    const Part el = take(env.body, k);
    elements.push_back(el.head + el.body);
  }
  edit(elements);
  std::string body;
  for (const auto& el : elements) {
    body += el;
  }
  return wrap(0x30, oid.head + oid.body + wrap(0xa0, wrap(0x30, body)));
}

std::vector<std::string>
certs(const std::vector<const Party*>& ps)
{
  std::vector<std::string> out;
  for (const auto* p : ps) {
    out.push_back(p->der);
  }
  return out;
}

} // namespace

TEST_SUITE("peermail::crypto::cms_recipients")
{
  TEST_CASE("crypto::read_cms_envelope: key transport to the judged certificate is proven")
  {
    const auto der = envelope({&ana()}, EVP_aes_256_cbc());
    auto env = read_cms_envelope(der, certs({&ana(), &kim()}));
    REQUIRE(env);
    CHECK_FALSE(env->authenticated);
    CHECK(env->aes256);
    CHECK(env->cipher == "AES-256-CBC");
    REQUIRE(env->recipients.size() == 1);
    CHECK(env->recipients[0].kind == RecipientKind::key_transport);
    CHECK(env->recipients[0].certs == std::vector<std::size_t>{0});
    CHECK(judge_cms_envelope(*env).ok);
    auto ok = prove_cms_encrypted_to(*env, 0, "AAAA", "ana@clinic.test");
    CHECK(ok.ok);
    CHECK(ok.subkey_fingerprint == "AAAA");
    auto other = prove_cms_encrypted_to(*env, 1, "BBBB", "kim@lab.test");
    CHECK_FALSE(other.ok);
    CHECK(other.check_id == "E2E-01");
    CHECK(other.reason == "the message is not encrypted to its certificate BBBB");
    CHECK(other.fix
          == "encrypt it to <kim@lab.test>'s pinned certificate (openssl cms -encrypt -aes256 "
             "... CERT, or gpgsm --encrypt -r FINGERPRINT)");
  }

  TEST_CASE("crypto::read_cms_envelope: a subjectKeyIdentifier names the certificate too")
  {
    const auto der = envelope({&kim()}, EVP_aes_256_cbc(), Extra::keyid);
    auto env = read_cms_envelope(der, certs({&ana(), &kim()}));
    REQUIRE(env);
    REQUIRE(env->recipients.size() == 1);
    CHECK(env->recipients[0].certs == std::vector<std::size_t>{1});
  }

  TEST_CASE("crypto::read_cms_envelope: an extra recipient nobody judged is allowed")
  {
    // As extra key IDs are in a PGP/MIME message (the sender's own copy).
    const auto der = envelope({&ana(), &kim()}, EVP_aes_256_cbc());
    auto env = read_cms_envelope(der, certs({&ana()}));
    REQUIRE(env);
    REQUIRE(env->recipients.size() == 2);
    CHECK(judge_cms_envelope(*env).ok);
    CHECK(prove_cms_encrypted_to(*env, 0, "AAAA", "ana@clinic.test").ok);
  }

  TEST_CASE("crypto::read_cms_envelope: key agreement (ECDH) is proven")
  {
    const auto der = envelope({&lee_ec()}, EVP_aes_256_cbc());
    auto env = read_cms_envelope(der, certs({&ana(), &lee_ec()}));
    REQUIRE(env);
    REQUIRE(env->recipients.size() == 1);
    CHECK(env->recipients[0].kind == RecipientKind::key_agreement);
    CHECK(env->recipients[0].certs == std::vector<std::size_t>{1});
    CHECK(judge_cms_envelope(*env).ok);
    CHECK(prove_cms_encrypted_to(*env, 1, "CCCC", "lee@lab.test").ok);
    CHECK_FALSE(prove_cms_encrypted_to(*env, 0, "AAAA", "ana@clinic.test").ok);
  }

  TEST_CASE("crypto::read_cms_envelope: AES-256-GCM AuthEnvelopedData is accepted")
  {
    const auto der = envelope({&ana()}, EVP_aes_256_gcm());
    auto env = read_cms_envelope(der, certs({&ana()}));
    REQUIRE(env);
    CHECK(env->authenticated);
    CHECK(env->aes256);
    CHECK(env->cipher == "AES-256-GCM");
    CHECK(judge_cms_envelope(*env).ok);
  }

  TEST_CASE("crypto::judge_cms_envelope: a cipher other than AES-256 is refused (E2E-02)")
  {
    for (const auto* c : {EVP_des_ede3_cbc(), EVP_aes_128_cbc()}) {
      const auto der = envelope({&ana()}, c);
      auto env = read_cms_envelope(der, certs({&ana()}));
      REQUIRE(env);
      CHECK_FALSE(env->aes256);
      const auto v = judge_cms_envelope(*env);
      CHECK_FALSE(v.ok);
      CHECK(v.check_id == "E2E-02");
      CHECK(v.reason
            == "the message is encrypted with " + env->cipher
                 + ", not AES-256 (AES-256-CBC or AES-256-GCM)");
      CHECK(v.fix == "encrypt it again with AES-256 (openssl cms -encrypt -aes256, or gpgsm --cipher-algo AES256 --encrypt)");
    }
    auto env = read_cms_envelope(envelope({&ana()}, EVP_des_ede3_cbc()), {});
    REQUIRE(env);
    CHECK(env->cipher == "DES-EDE3-CBC");
  }

  TEST_CASE("crypto::judge_cms_envelope: a RecipientInfo that cannot be checked is refused")
  {
    for (const auto extra : {Extra::kek, Extra::password}) {
      const auto der = envelope({&ana()}, EVP_aes_256_cbc(), extra);
      auto env = read_cms_envelope(der, certs({&ana()}));
      REQUIRE(env);
      const auto v = judge_cms_envelope(*env);
      CHECK_FALSE(v.ok);
      CHECK(v.check_id == "E2E-01");
      CHECK(v.reason
            == std::string("the message can also be opened with a ")
                 + (extra == Extra::kek ? "pre-shared key (KEKRecipientInfo)"
                                        : "password (PasswordRecipientInfo)")
                 + ", which peermail cannot judge");
      CHECK(v.fix == "encrypt it to the recipients' certificates only");
    }
  }

  TEST_CASE("crypto::read_cms_envelope: anything but one enveloped object is refused")
  {
    const auto good = envelope({&ana()}, EVP_aes_256_cbc());
    auto trailing = read_cms_envelope(good + "PLAINTEXT", certs({&ana()}));
    REQUIRE_FALSE(trailing);
    CHECK(trailing.error().code == peermail::Errc::data);
    CHECK(trailing.error().message == "the S/MIME part holds bytes after its CMS object");

    auto garbage = read_cms_envelope("not DER at all", {});
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().message == "the S/MIME part is not a CMS object");

    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf("signed only\r\n", -1), BIO_free);
    std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> sig(
      CMS_sign(ana().cert.get(), ana().key.get(), nullptr, in.get(), CMS_BINARY),
      CMS_ContentInfo_free);
    REQUIRE(sig);
    auto signed_only = read_cms_envelope(to_der(sig.get()), certs({&ana()}));
    REQUIRE_FALSE(signed_only);
    CHECK(signed_only.error().message
          == "the S/MIME part holds signed-data, not enveloped-data: it is not encrypted");

    auto bad_cert = read_cms_envelope(good, {"not a certificate"});
    REQUIRE_FALSE(bad_cert);
    CHECK(bad_cert.error().message == "a recipient certificate does not parse");
  }

  TEST_CASE("crypto::read_cms_envelope: attributes beside the encryption are refused")
  {
    // unprotectedAttrs [1] { Attribute { 1.2.3.4, SET { UTF8String } } }:
    // decrypts fine, and its text travels in clear.
    const std::string attr = wrap(
      0xa1, wrap(0x30, std::string("\x06\x03\x2a\x03\x04", 5) + wrap(0x31, wrap(0x0c, "PHI: x"))));
    const auto der = edit_envelope(envelope({&ana()}, EVP_aes_256_cbc()),
                                   [&attr](std::vector<std::string>& els) { els.push_back(attr); });
    auto env = read_cms_envelope(der, certs({&ana()}));
    REQUIRE_FALSE(env);
    CHECK(env.error().code == peermail::Errc::data);
    CHECK(env.error().message
          == "the S/MIME part's enveloped-data carries unprotected attributes (unprotectedAttrs), "
             "which travel outside the encryption");
  }

  TEST_CASE("crypto::read_cms_envelope: an envelope without its encrypted content is refused")
  {
    const auto der =
      edit_envelope(envelope({&ana()}, EVP_aes_256_cbc()), [](std::vector<std::string>& els) {
        // encryptedContentInfo without encryptedContent [0].
        std::size_t pos = 0;
        const Part eci = take(els.back(), pos);
        std::size_t k = 0;
        const Part type = take(eci.body, k);
        const Part alg = take(eci.body, k);
        els.back() = wrap(0x30, type.head + type.body + alg.head + alg.body);
      });
    auto env = read_cms_envelope(der, certs({&ana()}));
    REQUIRE_FALSE(env);
    CHECK(env.error().message
          == "the S/MIME part's enveloped-data carries no encrypted content (detached or "
             "missing): no recipient could read the message");
  }

  TEST_CASE("crypto::judge_cms_envelope: a key agreement wrapped with 3DES is refused (E2E-02)")
  {
    const auto good = read_cms_envelope(envelope({&lee_ec()}, EVP_aes_256_cbc()), {});
    REQUIRE(good);
    CHECK(judge_cms_envelope(*good).ok);
    const auto der = envelope({&lee_ec()}, EVP_aes_256_cbc(), Extra::des3_wrap);
    auto env = read_cms_envelope(der, certs({&lee_ec()}));
    REQUIRE(env);
    CHECK(env->aes256); // the content cipher alone is fine
    const auto v = judge_cms_envelope(*env);
    CHECK_FALSE(v.ok);
    CHECK(v.check_id == "E2E-02");
    CHECK(v.reason.find("not the AES-256 key wrap") != std::string::npos);
  }
}
