// SPDX-License-Identifier: GPL-3.0-or-later
#include "cms.hpp"

#include "agent.hpp"
#include "x509_context.hpp"
#include "x509_der.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <set>
#include <sstream>
#include <utility>

namespace peermail::crypto {

namespace {

std::string
asn1_text(const ASN1_STRING* s)
{
  if (s == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

Result<Data>
binary_data(std::string_view bytes)
{
  PEERMAIL_TRY_ASSIGN(Data d, make_data(bytes));
  gpgme_data_set_encoding(d.get(), GPGME_DATA_ENCODING_BINARY);
  return d;
}

// A CMS object that could not be read or verified at all.
SignatureFacts
damaged(const std::string& why)
{
  SignatureFacts s;
  s.status = SigStatus::bad;
  s.untrusted_reason = why;
  return s;
}

// Operation errors that say nothing about the data: worth reporting as an
// error, not as a verdict.
bool
engine_failure(gpgme_error_t err)
{
  return is_transient(err) || gpgme_err_code(err) == GPG_ERR_CANCELED
         || gpgme_err_code(err) == GPG_ERR_ENOMEM;
}

} // namespace

Result<std::vector<AnchorCert>>
parse_anchor_bundle(std::string_view bundle)
{
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
    BIO_new_mem_buf(bundle.data(), static_cast<int>(bundle.size())), BIO_free);
  if (!bio) {
    return fail(Errc::internal, "cannot read the anchor bundle");
  }
  std::vector<AnchorCert> out;
  for (;;) {
    X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x) {
      break;
    }
    AnchorCert a;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (X509_digest(x.get(), EVP_sha1(), md, &n) != 1) {
      return fail(Errc::data, "cannot fingerprint a certificate of the anchor bundle");
    }
    a.fingerprint = hex_upper(md, n);
    a.der = der_of(x.get());
    a.root = X509_check_issued(x.get(), x.get()) == X509_V_OK && X509_check_ca(x.get()) > 0;
    out.push_back(std::move(a));
  }
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  // Running out of PEM blocks is the normal end; anything else is damage.
  if (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
    return fail(Errc::data, "a certificate of the anchor bundle does not parse");
  }
  if (out.empty()) {
    return fail(Errc::data, "the anchor bundle holds no PEM certificate");
  }
  return out;
}

Result<CertFacts>
cert_facts(std::string_view der)
{
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    ERR_clear_error();
    return fail(Errc::data, "the signer's certificate does not parse");
  }
  CertFacts c;
  auto* names =
    static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_EMAIL) {
      util::add_unique(c.san_emails, util::to_lower(asn1_text(g->d.rfc822Name)));
    }
  }
  GENERAL_NAMES_free(names);
  X509_NAME* subject = X509_get_subject_name(x.get());
  for (int i = X509_NAME_get_index_by_NID(subject, NID_pkcs9_emailAddress, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_pkcs9_emailAddress, i)) {
    util::add_unique(
      c.subject_emails,
      util::to_lower(asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)))));
  }
  // RFC 8550 §4.4.2 and §4.4.4: without the extensions any use is allowed.
  // Extensions OpenSSL cannot decode, or repeated ones, are not "absent":
  // they allow nothing (gpgsm may read only the first of two).
  const uint32_t flags = X509_get_extension_flags(x.get());
  c.ca = X509_check_ca(x.get()) != 0;
  if ((flags & EXFLAG_INVALID) != 0) {
    c.usage_problem = "the certificate's extensions are malformed or repeated";
    c.encrypt_usage_problem = c.usage_problem;
  } else if ((flags & EXFLAG_KUSAGE) != 0
             && (X509_get_key_usage(x.get()) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
    c.usage_problem = "the certificate's keyUsage does not allow signatures";
  } else if ((flags & EXFLAG_XKUSAGE) != 0
             && (X509_get_extended_key_usage(x.get()) & (XKU_SMIME | XKU_ANYEKU)) == 0) {
    c.usage_problem = "the certificate's extKeyUsage does not include emailProtection";
  }
  // Encrypting to it (RFC 8550 §4.4.2): keyEncipherment for RSA key
  // transport, keyAgreement for ECDH.
  if ((flags & EXFLAG_INVALID) != 0) {
    // said above
  } else if ((flags & EXFLAG_KUSAGE) != 0
             && (X509_get_key_usage(x.get()) & (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) == 0) {
    c.encrypt_usage_problem =
      "the certificate's keyUsage allows neither keyEncipherment nor keyAgreement";
  } else if ((flags & EXFLAG_XKUSAGE) != 0
             && (X509_get_extended_key_usage(x.get()) & (XKU_SMIME | XKU_ANYEKU)) == 0) {
    c.encrypt_usage_problem = "the certificate's extKeyUsage does not include emailProtection";
  }
  {
    time_t t = 0;
    struct tm tm
    {
    };
    if (ASN1_TIME_to_tm(X509_get0_notBefore(x.get()), &tm) == 1) {
      t = timegm(&tm);
      c.not_before = static_cast<std::int64_t>(t);
    }
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x.get()), &tm) == 1) {
      t = timegm(&tm);
      c.not_after = static_cast<std::int64_t>(t);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (X509_digest(x.get(), EVP_sha256(), md, &n) == 1) {
      c.sha256 = hex_upper(md, n);
    }
  }
  if (EVP_PKEY* key = X509_get0_pubkey(x.get()); key == nullptr) {
    c.weak_key = "the certificate's public key cannot be read";
  } else if (const int sec = EVP_PKEY_get_security_bits(key); sec < 112) {
    c.weak_key = fmt::format("a {}-bit {} key ({}-bit security, below 112)",
                             EVP_PKEY_get_bits(key),
                             OBJ_nid2sn(EVP_PKEY_get_base_id(key)),
                             sec);
  }
  ERR_clear_error();
  return c;
}

std::vector<std::string>
cert_addresses(const CertFacts& c)
{
  return c.san_emails.empty() ? c.subject_emails : c.san_emails;
}

CmsKind
identify_cms(std::string_view der)
{
  auto d = binary_data(der);
  if (!d) {
    return CmsKind::other;
  }
  switch (gpgme_data_identify(d->get(), 0)) {
  case GPGME_DATA_TYPE_CMS_SIGNED:
    return CmsKind::signed_data;
  case GPGME_DATA_TYPE_CMS_ENCRYPTED:
    return CmsKind::enveloped_data;
  default:
    return CmsKind::other;
  }
}

CmsEngine::CmsEngine(Ctx ctx, std::string home, bool offline)
  : m_ctx(std::move(ctx)),
    m_home(std::move(home)),
    m_offline(offline)
{
}

CmsEngine::~CmsEngine() = default;

Result<std::unique_ptr<CmsEngine>>
CmsEngine::create(const std::string& gnupg_home, bool revocation_offline)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, cms_context(gnupg_home));
  gpgme_set_armor(ctx.get(), 0);
  return std::unique_ptr<CmsEngine>(
    new CmsEngine(std::move(ctx), cms_home(gnupg_home), revocation_offline));
}

std::string
cms_home(const std::string& gnupg_home)
{
  if (!gnupg_home.empty()) {
    return gnupg_home;
  }
  const char* h = gpgme_get_dirinfo("homedir");
  return h != nullptr ? h : "";
}

Result<void>
CmsEngine::use_anchors(const std::vector<AnchorCert>& anchors)
{
  std::string add;
  const std::string path = m_home + "/trustlist.txt";
  std::string current;
  if (auto r = util::read_file(path, 1 << 20)) {
    current = std::move(*r);
  }
  // The roots trustlist.txt already names: a line "FPR FLAGS" (colons
  // allowed); comments and "!" (disabled) lines do not count.
  std::set<std::string> known;
  {
    std::istringstream lines(current);
    std::string l;
    while (std::getline(lines, l)) {
      const auto b = l.find_first_not_of(" \t");
      if (b == std::string::npos || l[b] == '#' || l[b] == '!') {
        continue;
      }
      std::string fpr = l.substr(b, l.find_first_of(" \t", b) - b);
      fpr.erase(std::remove(fpr.begin(), fpr.end(), ':'), fpr.end());
      known.insert(util::to_lower(fpr));
    }
  }
  for (const auto& a : anchors) {
    PEERMAIL_TRY_ASSIGN(Data d, binary_data(a.der));
    if (auto e = gpgme_op_import(m_ctx.get(), d.get()); e != 0) {
      return unexpected(from_gpgme(e, "importing a trust anchor into the gpgsm keybox"));
    }
    if (!a.root) {
      continue; // an intermediate helps to build chains; gpgsm trusts roots only
    }
    m_anchors.insert(a.fingerprint);
    if (known.count(util::to_lower(a.fingerprint)) == 0) {
      add += fmt::format("{} S\n", a.fingerprint);
    }
  }
  if (m_anchors.empty()) {
    return fail(Errc::data, "the anchor bundle holds no self-signed CA certificate (root)");
  }
  if (add.empty()) {
    return {};
  }
  if (!current.empty() && current.back() != '\n') {
    current += '\n';
  }
  current += "# Trust anchors added by peermail ([smime] anchors)\n";
  current += add;
  PEERMAIL_TRY(util::write_file_atomic(path, current, 0600));
  // gpg-agent reads trustlist.txt once; a running agent must reload it.
  if (agent_running(m_home)) {
    (void)agent_command(m_home, "RELOADAGENT");
  }
  return {};
}

Key
CmsEngine::lookup(const std::string& fpr, bool secret)
{
  gpgme_ctx_t ctx = m_ctx.get();
  Key found;
  if (gpgme_op_keylist_start(ctx, fpr.c_str(), secret ? 1 : 0) != 0) {
    return found;
  }
  gpgme_key_t raw = nullptr;
  if (gpgme_op_keylist_next(ctx, &raw) == 0 && raw != nullptr) {
    found = Key(raw);
    // As gpgme_get_key: a name that matches two certificates is none.
    gpgme_key_t more = nullptr;
    if (gpgme_op_keylist_next(ctx, &more) == 0 && more != nullptr) {
      Key other(more);
      if (other->fpr == nullptr || found->fpr == nullptr
          || std::string_view(other->fpr) != std::string_view(found->fpr)) {
        found = Key();
      }
    }
  }
  gpgme_op_keylist_end(ctx);
  return found;
}

std::string
CmsEngine::root_of(const std::string& fpr)
{
  std::string cur = fpr;
  for (int depth = 0; depth < 16; ++depth) {
    Key k = lookup(cur, false);
    if (!k || k->chain_id == nullptr) {
      return {};
    }
    const std::string issuer = k->chain_id;
    if (issuer == cur) {
      return cur;
    }
    cur = issuer;
  }
  return {};
}

void
CmsEngine::judge_certificate(SignatureFacts& f)
{
  if (!f.untrusted_reason.empty()) {
    return;
  }
  if (f.fingerprint.empty()) {
    f.untrusted_reason = "the signature names no certificate";
    return;
  }
  Key k = lookup(f.fingerprint, false);
  if (!k) {
    f.untrusted_reason = "the signer's certificate is not known";
    return;
  }
  const std::string subject =
    k->uids != nullptr && k->uids->uid != nullptr ? k->uids->uid : std::string();
  const bool unusable = k->revoked != 0 || k->expired != 0 || k->invalid != 0;
  auto der = make_data();
  if (!der || gpgme_op_export(m_ctx.get(), f.fingerprint.c_str(), 0, der->get()) != 0) {
    f.untrusted_reason = "the signer's certificate cannot be read";
    return;
  }
  auto facts = cert_facts(take_data(der->get()));
  if (!facts) {
    f.untrusted_reason = facts.error().message;
    return;
  }
  for (const auto& addr : cert_addresses(*facts)) {
    f.uids.push_back({fmt::format("{} <{}>", subject, addr), addr, f.validity, unusable, false});
  }
  f.weak_key = facts->weak_key;
  if (!facts->usage_problem.empty()) {
    f.untrusted_reason = facts->usage_problem;
    return;
  }
  if (m_anchors.empty()) {
    f.untrusted_reason = "no S/MIME trust anchor is configured ([smime] anchors)";
    return;
  }
  const std::string root = root_of(f.fingerprint);
  if (root.empty() || m_anchors.count(root) == 0) {
    f.untrusted_reason =
      "the certificate does not chain to a configured trust anchor ([smime] anchors)";
  }
}

std::vector<std::string>
CmsEngine::take_notes()
{
  return std::exchange(m_notes, {});
}

std::vector<SignatureFacts>
CmsEngine::collect_signatures()
{
  std::vector<SignatureFacts> out;
  std::vector<std::string> reasons;
  std::vector<gpg_err_code_t> codes;
  gpgme_verify_result_t vr = gpgme_op_verify_result(m_ctx.get());
  for (gpgme_signature_t s = vr != nullptr ? vr->signatures : nullptr; s != nullptr; s = s->next) {
    auto f = signature_facts(s);
    if (gpgme_err_code(s->status) == GPG_ERR_NO_ERROR && s->validity == GPGME_VALIDITY_NEVER) {
      // The signature verified, but gpgsm rejects its certificate
      // (TRUST_NEVER, e.g. revoked): GPGME sums that up as RED, yet it is
      // a certificate that must not be trusted (untrusted-key), not a
      // signature that does not match (bad-signature).
      f.summary &= ~static_cast<unsigned>(GPGME_SIGSUM_RED);
      f.status = gpgme_err_code(s->validity_reason) == GPG_ERR_CERT_REVOKED
                   ? SigStatus::key_revoked
                   : classify_status(GPG_ERR_NO_ERROR, f.summary);
    }
    out.push_back(std::move(f));
    reasons.emplace_back(s->validity_reason != 0 ? gpgme_strerror(s->validity_reason) : "");
    codes.push_back(gpgme_err_code(s->validity_reason));
  }
  // Look the certificates up only now: a key listing resets the result.
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& f = out[i];
    if (f.status == SigStatus::bad) {
      continue;
    }
    judge_certificate(f);
    if (f.status == SigStatus::key_revoked || codes[i] == GPG_ERR_CERT_REVOKED) {
      // Never accepted, in either [smime] revocation mode.
      f.status = SigStatus::key_revoked;
      f.untrusted_reason =
        fmt::format("the signer's certificate {} is revoked (KEY-03)", f.fingerprint);
      continue;
    }
    // Offline acceptance is for a question dirmngr could not answer, never
    // for a certificate gpgsm rejected outright (validity "never").
    if (m_offline && f.untrusted_reason.empty() && f.status == SigStatus::good
        && f.validity != GPGME_VALIDITY_NEVER && !signature_trusted(f)
        && validate_chain(f.fingerprint, true).valid) {
      // The chain holds; only the revocation status is unknown.
      f.summary = GPGME_SIGSUM_GREEN;
      f.validity = GPGME_VALIDITY_FULL;
      for (auto& u : f.uids) {
        u.validity = GPGME_VALIDITY_FULL;
      }
      m_notes.push_back(
        fmt::format("certificate revocation was not checked for {} ({}): accepted because [smime] "
                    "revocation = \"offline\" (KEY-03)",
                    f.fingerprint,
                    reasons[i].empty() ? std::string("no answer from dirmngr") : reasons[i]));
    }
    if (f.untrusted_reason.empty() && !signature_trusted(f)) {
      f.untrusted_reason =
        reasons[i].empty()
          ? std::string("gpgsm did not accept the certificate chain")
          : fmt::format("the certificate chain is not valid: {}{}",
                        reasons[i],
                        m_offline ? "" : " (revocation is checked through dirmngr: KEY-03)");
    }
  }
  return out;
}

Result<std::vector<SignatureFacts>>
CmsEngine::verify_detached(std::string_view data, std::string_view sig)
{
  PEERMAIL_TRY_ASSIGN(Data s, binary_data(sig));
  PEERMAIL_TRY_ASSIGN(Data text, make_data(data));
  if (auto e = gpgme_op_verify(m_ctx.get(), s.get(), text.get(), nullptr); e != 0) {
    if (engine_failure(e)) {
      return unexpected(from_gpgme_op(e, "verifying an S/MIME signature"));
    }
    // Unreadable, or signed-data with content of its own besides the
    // shown part (eContent that does not match): not a good signature.
    return std::vector<SignatureFacts>{
      damaged(fmt::format("the S/MIME signature cannot be verified: {}", gpgme_strerror(e)))};
  }
  auto sigs = collect_signatures();
  if (sigs.empty()) {
    sigs.push_back(damaged("the S/MIME signature part holds no signature"));
  }
  return sigs;
}

Result<OpaqueOutput>
CmsEngine::verify_opaque(std::string_view der, std::size_t max_content)
{
  PEERMAIL_TRY_ASSIGN(Data s, binary_data(der));
  BoundedSink sink;
  sink.limit = max_content;
  PEERMAIL_TRY_ASSIGN(Data out, make_bounded_data(sink));
  OpaqueOutput o;
  const auto e = gpgme_op_verify(m_ctx.get(), s.get(), nullptr, out.get());
  if (sink.overflow) {
    o.too_large = true;
    return o;
  }
  if (e != 0) {
    if (engine_failure(e)) {
      return unexpected(from_gpgme_op(e, "verifying S/MIME signed data"));
    }
    o.signatures.push_back(
      damaged(fmt::format("the S/MIME signed data cannot be verified: {}", gpgme_strerror(e))));
    return o;
  }
  o.signatures = collect_signatures();
  if (o.signatures.empty()) {
    o.signatures.push_back(damaged("the S/MIME signed data holds no signature"));
    return o;
  }
  o.content = std::move(sink.bytes);
  return o;
}

Result<DecryptOutput>
CmsEngine::decrypt(std::string_view der, std::size_t max_plaintext)
{
  PEERMAIL_TRY_ASSIGN(Data in, binary_data(der));
  BoundedSink sink;
  sink.limit = max_plaintext;
  PEERMAIL_TRY_ASSIGN(Data out, make_bounded_data(sink));
  const auto err = gpgme_op_decrypt(m_ctx.get(), in.get(), out.get());
  DecryptOutput d;
  if (sink.overflow) {
    d.too_large = true;
    d.failure = fmt::format("the decrypted content is larger than {} MiB (limit)",
                            max_plaintext / (1024 * 1024));
    d.fix = "raise the limit with `verify --max-plaintext BYTES` if you expect such a message";
    return d;
  }
  if (err != 0) {
    if (is_transient(err) && !is_credential_problem(gpgme_err_code(err))) {
      return unexpected(from_gpgme_op(err, "decrypting S/MIME enveloped data"));
    }
    gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(m_ctx.get());
    gpg_err_code_t key_error = GPG_ERR_NO_ERROR;
    bool no_seckey = gpgme_err_code(err) == GPG_ERR_NO_SECKEY;
    for (auto r = dr != nullptr ? dr->recipients : nullptr; r != nullptr; r = r->next) {
      const auto rc = gpgme_err_code(r->status);
      if (rc != GPG_ERR_NO_SECKEY && rc != GPG_ERR_NO_ERROR && key_error == GPG_ERR_NO_ERROR) {
        key_error = rc;
      }
    }
    if (is_credential_problem(gpgme_err_code(err)) || is_credential_problem(key_error)) {
      d.failure =
        fmt::format("your secret key could not be used: {}",
                    gpgme_strerror(key_error != GPG_ERR_NO_ERROR ? gpgme_error(key_error) : err));
      d.fix =
        "unlock the key (a terminal needs `export GPG_TTY=$(tty)`); for unattended use "
        "see peermail-verify(1), UNATTENDED KEYS";
    } else if (no_seckey) {
      d.failure = "no secret key for any recipient of the S/MIME message";
      d.fix =
        "decrypt it where your key is, or import your .p12 with `peermail keys import FILE.p12`";
    } else {
      d.failure =
        fmt::format("the S/MIME enveloped data cannot be decrypted: {}", gpgme_strerror(err));
    }
    return d; // the sink is dropped unread: no plaintext leaves
  }
  d.decrypted = true;
  d.plaintext = std::move(sink.bytes);
  return d;
}

Result<std::unique_ptr<CmsEngine>>
open_cms(const std::string& gnupg_home,
         const std::string& anchors_path,
         bool revocation_offline,
         bool for_sending)
{
  PEERMAIL_TRY_ASSIGN(auto cms, CmsEngine::create(gnupg_home, revocation_offline));
  if (for_sending) {
    PEERMAIL_TRY(cms->require_aes256());
  }
  if (anchors_path.empty()) {
    return cms;
  }
  const std::string fix =
    "set [smime] anchors to a PEM bundle of the root CA certificates "
    "you trust (peermail.toml(5))";
  auto pem = util::read_file(anchors_path, 16 << 20);
  if (!pem) {
    return fail(
      Errc::config, fmt::format("[smime] anchors: {}", pem.error().message), "KEY-03", fix);
  }
  auto certs = parse_anchor_bundle(*pem);
  if (!certs) {
    return fail(Errc::config,
                fmt::format("[smime] anchors {}: {}", anchors_path, certs.error().message),
                "KEY-03",
                fix);
  }
  if (auto used = cms->use_anchors(*certs); !used) {
    if (used.error().code != Errc::data) {
      return unexpected(used.error());
    }
    return fail(Errc::config,
                fmt::format("[smime] anchors {}: {}", anchors_path, used.error().message),
                "KEY-03",
                fix);
  }
  return cms;
}

} // namespace peermail::crypto
