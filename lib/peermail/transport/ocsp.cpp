// SPDX-License-Identifier: GPL-3.0-or-later
// Judge a stapled OCSP response with OpenSSL 3 (CHECKLIST.md TLS-06).
#include "ocsp.hpp"

#include <peermail/util/handle.hpp>

#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <array>
#include <ctime>
#include <memory>

namespace peermail::transport {

namespace {

using X509Ptr = util::Handle<X509, X509_free>;

// The most recent queued OpenSSL error as text (and clear the queue).
std::string
last_error(std::string_view fallback)
{
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) {
    return std::string(fallback);
  }
  const char* reason = ERR_reason_error_string(e);
  return reason != nullptr ? reason : std::string(fallback);
}

std::string
format_time(const ASN1_GENERALIZEDTIME* t)
{
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return {};
  }
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::string(buf.data(), n);
}

// The issuer of `leaf`: from `chain`, else from `store`. Owned reference.
X509Ptr
find_issuer(X509* leaf, STACK_OF(X509) * chain, X509_STORE* store)
{
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    if (c != leaf && X509_check_issued(c, leaf) == X509_V_OK) {
      X509_up_ref(c);
      return X509Ptr(c);
    }
  }
  if (store == nullptr) {
    return nullptr;
  }
  util::Handle<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf, nullptr) != 1) {
    return nullptr;
  }
  X509* issuer = nullptr;
  if (X509_STORE_CTX_get1_issuer(&issuer, ctx.get(), leaf) != 1) {
    return nullptr;
  }
  return X509Ptr(issuer);
}

// The single response for `leaf`: build our CertID with the hash algorithm
// each single response uses (usually SHA-1) and look it up.
struct Single
{
  bool found = false;
  int status = V_OCSP_CERTSTATUS_UNKNOWN;
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
};

Single
find_single(OCSP_BASICRESP* bs, X509* leaf, X509* issuer)
{
  Single s;
  for (int i = 0; i < OCSP_resp_count(bs) && !s.found; ++i) {
    const OCSP_CERTID* their = OCSP_SINGLERESP_get0_id(OCSP_resp_get0(bs, i));
    ASN1_OBJECT* md_oid = nullptr;
    if (their == nullptr
        || OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, const_cast<OCSP_CERTID*>(their))
             != 1) {
      continue;
    }
    const EVP_MD* md = EVP_get_digestbyobj(md_oid);
    if (md == nullptr) {
      continue;
    }
    util::Handle<OCSP_CERTID, OCSP_CERTID_free> ours(OCSP_cert_to_id(md, leaf, issuer));
    if (ours
        && OCSP_resp_find_status(
             bs, ours.get(), &s.status, &s.reason, &s.revoked_at, &s.this_update, &s.next_update)
             == 1) {
      s.found = true;
    }
  }
  return s;
}

OcspVerdict
verdict(OcspStatus status, std::string reason, std::string next_update = {})
{
  return OcspVerdict{status, std::move(reason), std::move(next_update)};
}

} // namespace

std::string_view
to_string(OcspStatus s)
{
  switch (s) {
  case OcspStatus::none:
    return "none";
  case OcspStatus::good:
    return "good";
  case OcspStatus::revoked:
    return "revoked";
  case OcspStatus::unknown:
    return "unknown";
  case OcspStatus::invalid:
    return "invalid";
  }
  return "?";
}

OcspVerdict
judge_ocsp(std::string_view der, STACK_OF(X509) * chain, X509_STORE* store)
{
  if (der.empty()) {
    return verdict(OcspStatus::none, "no stapled OCSP response");
  }
  ERR_clear_error();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* const end = p + der.size();
  util::Handle<OCSP_RESPONSE, OCSP_RESPONSE_free> resp(
    d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!resp || p != end) {
    ERR_clear_error();
    return verdict(OcspStatus::invalid, "the stapled OCSP response is not valid DER");
  }
  if (const int rs = OCSP_response_status(resp.get()); rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return verdict(OcspStatus::unknown,
                   fmt::format("the OCSP responder answered \"{}\"", OCSP_response_status_str(rs)));
  }
  util::Handle<OCSP_BASICRESP, OCSP_BASICRESP_free> bs(OCSP_response_get1_basic(resp.get()));
  if (!bs) {
    ERR_clear_error();
    return verdict(OcspStatus::invalid, "the stapled OCSP response is not a basic response");
  }
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    return verdict(OcspStatus::invalid, "no server certificate to check the response against");
  }
  X509* leaf = sk_X509_value(chain, 0);
  const X509Ptr issuer = find_issuer(leaf, chain, store);
  if (!issuer) {
    ERR_clear_error();
    return verdict(OcspStatus::invalid, "the issuer of the server certificate is not known");
  }
  // Signature, responder chain against the trust store, and that the
  // responder is the issuer or its delegate (id-kp-OCSPSigning).
  if (OCSP_basic_verify(bs.get(), chain, store, 0) != 1) {
    return verdict(OcspStatus::invalid,
                   "not signed by the issuer or its OCSP responder: "
                     + last_error("signature does not verify"));
  }
  const Single s = find_single(bs.get(), leaf, issuer.get());
  ERR_clear_error();
  if (!s.found) {
    return verdict(OcspStatus::invalid, "the response is not for the server certificate");
  }
  const std::string next = format_time(s.next_update);
  if (s.status == V_OCSP_CERTSTATUS_REVOKED) {
    // Revocation is final: reported even from an old response.
    std::string why = fmt::format("revoked at {}", format_time(s.revoked_at));
    if (s.reason >= 0) {
      why += fmt::format(" ({})", OCSP_crl_reason_str(s.reason));
    }
    return verdict(OcspStatus::revoked, std::move(why), next);
  }
  if (OCSP_check_validity(s.this_update, s.next_update, k_ocsp_skew_s, -1) != 1) {
    ERR_clear_error();
    return verdict(OcspStatus::invalid,
                   fmt::format("the response is not current (thisUpdate {}, nextUpdate {})",
                               format_time(s.this_update),
                               next.empty() ? "absent" : next),
                   next);
  }
  if (s.status == V_OCSP_CERTSTATUS_GOOD) {
    return verdict(OcspStatus::good, "good", next);
  }
  return verdict(OcspStatus::unknown, "the responder does not know the certificate", next);
}

} // namespace peermail::transport
