// SPDX-License-Identifier: GPL-3.0-or-later
// judge_ocsp() against real OCSP responses built with the OpenSSL API: a test
// CA, server certificates, and responses signed by the CA, a delegated
// responder or an unrelated key.
#include <peermail/transport/ocsp.hpp>
#include <peermail/util/handle.hpp>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

using namespace peermail::transport;
namespace util = peermail::util;

namespace {

using KeyPtr = util::Handle<EVP_PKEY, EVP_PKEY_free>;
using CertPtr = util::Handle<X509, X509_free>;
using TimePtr = util::Handle<ASN1_TIME, ASN1_TIME_free>;
using StorePtr = util::Handle<X509_STORE, X509_STORE_free>;
// sk_X509_free is a macro; the certificates are owned elsewhere.
void
free_chain(STACK_OF(X509) * s)
{
  sk_X509_free(s);
}
using ChainPtr = util::Handle<STACK_OF(X509), free_chain>;
using BasicPtr = util::Handle<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using ResponsePtr = util::Handle<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using CertIdPtr = util::Handle<OCSP_CERTID, OCSP_CERTID_free>;

constexpr long k_day = 24 * 3600;

KeyPtr
make_key()
{
  KeyPtr k(EVP_EC_gen("P-256"));
  REQUIRE(k);
  return k;
}

void
add_ext(X509* cert, X509* issuer, int nid, const char* value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` with `key`, signed by `issuer`/`issuer_key`
// (self-signed when `issuer` is null). `eku` may be empty.
CertPtr
make_cert(const char* cn,
          EVP_PKEY* key,
          X509* issuer,
          EVP_PKEY* issuer_key,
          long serial,
          bool ca,
          const char* eku = "")
{
  CertPtr cert(X509_new());
  REQUIRE(cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -k_day);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30 * k_day);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
    name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  add_ext(cert.get(), signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(cert.get(),
          signer,
          NID_key_usage,
          ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (*eku != '\0') {
    add_ext(cert.get(), signer, NID_ext_key_usage, eku);
  }
  REQUIRE(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0);
  return cert;
}

struct Single
{
  X509* leaf = nullptr;   // the certificate the response speaks about
  X509* issuer = nullptr; // its issuer (for the CertID)
  int status = V_OCSP_CERTSTATUS_GOOD;
  long this_update = -3600; // seconds from now
  long next_update = k_day; // seconds from now
};

// A DER OCSP response about `s`, signed by `signer`/`signer_key`.
std::string
make_response(const Single& s, X509* signer, EVP_PKEY* signer_key)
{
  BasicPtr bs(OCSP_BASICRESP_new());
  CertIdPtr id(OCSP_cert_to_id(nullptr, s.leaf, s.issuer));
  REQUIRE(bs);
  REQUIRE(id);
  const TimePtr this_update(X509_gmtime_adj(nullptr, s.this_update));
  const TimePtr next_update(X509_gmtime_adj(nullptr, s.next_update));
  const TimePtr revoked_at(X509_gmtime_adj(nullptr, -2 * k_day));
  const bool revoked = s.status == V_OCSP_CERTSTATUS_REVOKED;
  REQUIRE(OCSP_basic_add1_status(bs.get(),
                                 id.get(),
                                 s.status,
                                 revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0,
                                 revoked ? revoked_at.get() : nullptr,
                                 this_update.get(),
                                 next_update.get())
          != nullptr);
  REQUIRE(OCSP_basic_sign(bs.get(), signer, signer_key, EVP_sha256(), nullptr, 0) == 1);
  ResponsePtr resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
  REQUIRE(resp);
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_RESPONSE(resp.get(), &der);
  REQUIRE(len > 0);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// A test PKI: a CA, the server certificate and a second certificate from the
// same CA, and the trust store holding the CA.
struct Pki
{
  KeyPtr ca_key = make_key();
  CertPtr ca = make_cert("peermail test CA (INSECURE)", ca_key.get(), nullptr, nullptr, 1, true);
  KeyPtr leaf_key = make_key();
  CertPtr leaf = make_cert("localhost", leaf_key.get(), ca.get(), ca_key.get(), 0x1001, false);
  CertPtr other = make_cert("other.example", leaf_key.get(), ca.get(), ca_key.get(), 0x1002, false);
  StorePtr store{X509_STORE_new()};
  ChainPtr chain{sk_X509_new_null()};

  Pki()
  {
    REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
    REQUIRE(sk_X509_push(chain.get(), leaf.get()) == 1); // the server sends only its leaf
  }

  Single
  single(int status = V_OCSP_CERTSTATUS_GOOD) const
  {
    Single s;
    s.leaf = leaf.get();
    s.issuer = ca.get();
    s.status = status;
    return s;
  }

  OcspVerdict
  judge(const std::string& der) const
  {
    return judge_ocsp(der, chain.get(), store.get());
  }
};

} // namespace

TEST_SUITE("peermail::transport::ocsp")
{
  TEST_CASE("transport::judge_ocsp: nothing stapled is none")
  {
    const Pki pki;
    const auto v = pki.judge("");
    CHECK(v.status == OcspStatus::none);
    CHECK(v.reason == "no stapled OCSP response");
  }

  TEST_CASE("transport::judge_ocsp: a good response signed by the issuer is good")
  {
    const Pki pki;
    const auto v = pki.judge(make_response(pki.single(), pki.ca.get(), pki.ca_key.get()));
    CHECK(v.status == OcspStatus::good);
    CHECK(v.reason == "good");
    CHECK(v.next_update.size() == std::string("2026-01-31 12:00:00 UTC").size());
    CHECK(v.next_update.substr(v.next_update.size() - 4) == " UTC");
  }

  TEST_CASE("transport::judge_ocsp: the issuer may also come from the chain")
  {
    Pki pki;
    // A trust store without the CA is not enough: the signer must chain to it.
    REQUIRE(sk_X509_push(pki.chain.get(), pki.ca.get()) == 2); // the new size
    const auto der = make_response(pki.single(), pki.ca.get(), pki.ca_key.get());
    CHECK(pki.judge(der).status == OcspStatus::good);
    const StorePtr empty(X509_STORE_new());
    const auto v = judge_ocsp(der, pki.chain.get(), empty.get());
    CHECK(v.status == OcspStatus::invalid);
    CHECK(v.reason.rfind("not signed by the issuer or its OCSP responder: ", 0) == 0);
  }

  TEST_CASE("transport::judge_ocsp: a revoked certificate is revoked")
  {
    const Pki pki;
    const auto v = pki.judge(
      make_response(pki.single(V_OCSP_CERTSTATUS_REVOKED), pki.ca.get(), pki.ca_key.get()));
    CHECK(v.status == OcspStatus::revoked);
    CHECK(v.reason.rfind("revoked at ", 0) == 0);
    CHECK(v.reason.find(" UTC (keyCompromise)") != std::string::npos);
  }

  TEST_CASE("transport::judge_ocsp: status unknown from the responder is unknown")
  {
    const Pki pki;
    const auto v = pki.judge(
      make_response(pki.single(V_OCSP_CERTSTATUS_UNKNOWN), pki.ca.get(), pki.ca_key.get()));
    CHECK(v.status == OcspStatus::unknown);
    CHECK(v.reason == "the responder does not know the certificate");
  }

  TEST_CASE("transport::judge_ocsp: a responder error is unknown")
  {
    const Pki pki;
    ResponsePtr resp(OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_OCSP_RESPONSE(resp.get(), &der);
    REQUIRE(len > 0);
    const std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    const auto v = pki.judge(bytes);
    CHECK(v.status == OcspStatus::unknown);
    CHECK(v.reason == "the OCSP responder answered \"trylater\"");
  }

  TEST_CASE("transport::judge_ocsp: a response signed by an unrelated key is invalid")
  {
    const Pki pki;
    const auto rogue_key = make_key();
    const auto rogue = make_cert("rogue responder", rogue_key.get(), nullptr, nullptr, 7, true);
    const auto v = pki.judge(make_response(pki.single(), rogue.get(), rogue_key.get()));
    CHECK(v.status == OcspStatus::invalid);
    CHECK(v.reason.rfind("not signed by the issuer or its OCSP responder: ", 0) == 0);
  }

  TEST_CASE("transport::judge_ocsp: a delegated responder needs id-kp-OCSPSigning")
  {
    const Pki pki;
    const auto rkey = make_key();
    SUBCASE("with the EKU: good")
    {
      const auto responder = make_cert(
        "OCSP responder", rkey.get(), pki.ca.get(), pki.ca_key.get(), 9, false, "OCSPSigning");
      const auto v = pki.judge(make_response(pki.single(), responder.get(), rkey.get()));
      CHECK(v.status == OcspStatus::good);
    }
    SUBCASE("without it (any certificate of the CA): invalid")
    {
      const auto v = pki.judge(make_response(pki.single(), pki.other.get(), pki.leaf_key.get()));
      CHECK(v.status == OcspStatus::invalid);
      CHECK(v.reason.rfind("not signed by the issuer or its OCSP responder: ", 0) == 0);
    }
  }

  TEST_CASE("transport::judge_ocsp: a response for another certificate is invalid")
  {
    const Pki pki;
    auto s = pki.single();
    s.leaf = pki.other.get();
    const auto v = pki.judge(make_response(s, pki.ca.get(), pki.ca_key.get()));
    CHECK(v.status == OcspStatus::invalid);
    CHECK(v.reason == "the response is not for the server certificate");
  }

  TEST_CASE("transport::judge_ocsp: freshness of thisUpdate/nextUpdate")
  {
    const Pki pki;
    auto s = pki.single();
    SUBCASE("nextUpdate passed: invalid")
    {
      s.this_update = -2 * k_day;
      s.next_update = -k_day;
      const auto v = pki.judge(make_response(s, pki.ca.get(), pki.ca_key.get()));
      CHECK(v.status == OcspStatus::invalid);
      CHECK(v.reason.rfind("the response is not current (thisUpdate ", 0) == 0);
    }
    SUBCASE("thisUpdate an hour ahead: invalid")
    {
      s.this_update = 3600;
      CHECK(pki.judge(make_response(s, pki.ca.get(), pki.ca_key.get())).status
            == OcspStatus::invalid);
    }
    SUBCASE("thisUpdate a minute ahead (clock skew): good")
    {
      s.this_update = 60;
      CHECK(pki.judge(make_response(s, pki.ca.get(), pki.ca_key.get())).status == OcspStatus::good);
    }
    SUBCASE("a stale response still reports a revocation")
    {
      s.status = V_OCSP_CERTSTATUS_REVOKED;
      s.this_update = -2 * k_day;
      s.next_update = -k_day;
      CHECK(pki.judge(make_response(s, pki.ca.get(), pki.ca_key.get())).status
            == OcspStatus::revoked);
    }
  }

  TEST_CASE("transport::judge_ocsp: malformed bytes are invalid")
  {
    const Pki pki;
    const auto good = make_response(pki.single(), pki.ca.get(), pki.ca_key.get());
    for (const std::string& bad : {std::string("not DER at all"),
                                   good.substr(0, good.size() / 2),
                                   good + std::string(1, '\0'),
                                   std::string(1, '\x30')}) {
      CAPTURE(bad.size());
      const auto v = pki.judge(bad);
      CHECK(v.status == OcspStatus::invalid);
      CHECK(v.reason == "the stapled OCSP response is not valid DER");
    }
  }

  TEST_CASE("transport::judge_ocsp: no server certificate is invalid")
  {
    const Pki pki;
    const auto der = make_response(pki.single(), pki.ca.get(), pki.ca_key.get());
    const ChainPtr empty(sk_X509_new_null());
    CHECK(judge_ocsp(der, empty.get(), pki.store.get()).status == OcspStatus::invalid);
    CHECK(judge_ocsp(der, nullptr, pki.store.get()).status == OcspStatus::invalid);
  }
}
