// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509_list.hpp"

#include "context.hpp"
#include "x509_context.hpp"

#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>

#include <set>

namespace peermail::crypto {

namespace {

// The SHA-1 fingerprints gpgsm lists (public, or those with a secret key).
Result<std::vector<std::string>>
fingerprints(gpgme_ctx_t ctx, bool secret)
{
  std::vector<std::string> out;
  if (auto e = gpgme_op_keylist_start(ctx, nullptr, secret ? 1 : 0); e != 0) {
    return unexpected(from_gpgme(e, "listing certificates"));
  }
  for (;;) {
    gpgme_key_t raw = nullptr;
    const auto e = gpgme_op_keylist_next(ctx, &raw);
    if (gpgme_err_code(e) == GPG_ERR_EOF) {
      break;
    }
    if (e != 0) {
      gpgme_op_keylist_end(ctx);
      return unexpected(from_gpgme(e, "listing certificates"));
    }
    Key key(raw);
    if (key->subkeys != nullptr && key->subkeys->fpr != nullptr) {
      out.push_back(util::normalize_fingerprint(key->subkeys->fpr));
    }
  }
  return out;
}

} // namespace

Result<Ctx>
cms_context(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, new_context(GPGME_PROTOCOL_CMS));
  if (!gnupg_home.empty()) {
    if (auto e =
          gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_CMS, nullptr, gnupg_home.c_str());
        e != 0) {
      return unexpected(from_gpgme(e, "setting the GnuPG home"));
    }
  }
  return ctx;
}

Result<std::vector<X509Summary>>
list_x509(const std::string& gnupg_home)
{
  if (gpgme_engine_check_version(GPGME_PROTOCOL_CMS) != 0) {
    return std::vector<X509Summary>(); // no gpgsm installed: no certificates
  }
  PEERMAIL_TRY_ASSIGN(auto ctx, cms_context(gnupg_home));
  PEERMAIL_TRY_ASSIGN(auto pub, fingerprints(ctx.get(), false));
  PEERMAIL_TRY_ASSIGN(auto sec, fingerprints(ctx.get(), true));
  const std::set<std::string> secret(sec.begin(), sec.end());
  std::vector<X509Summary> out;
  for (const auto& fpr : pub) {
    PEERMAIL_TRY_ASSIGN(auto d, make_data());
    if (auto e = gpgme_op_export(ctx.get(), fpr.c_str(), 0, d.get()); e != 0) {
      return unexpected(from_gpgme(e, fmt::format("exporting certificate {}", fpr)));
    }
    const std::string der = take_data(d.get());
    auto s = describe_certificate(der);
    if (!s) {
      return fail(Errc::crypto, fmt::format("gpgsm's certificate {} does not parse", fpr));
    }
    s->secret = secret.count(fpr) > 0;
    out.push_back(std::move(*s));
  }
  return out;
}

const X509Summary*
find_x509(const std::vector<X509Summary>& certs, const std::string& fingerprint)
{
  const std::string f = util::normalize_fingerprint(fingerprint);
  for (const auto& c : certs) {
    if (c.sha1 == f || c.sha256 == f) {
      return &c;
    }
  }
  return nullptr;
}

} // namespace peermail::crypto
