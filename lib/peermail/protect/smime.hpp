// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// S/MIME protection of a whole RFC 5322 message for `send`, `sendmail` and
// `batch` (RFC 8551 with RFC 9788 header protection): the inner entity is
// signed by [identity] smime_cert (detached, SHA-256), then that
// multipart/signed entity is enveloped (AES-256) to the recipients'
// certificates and, with policy.encrypt_to_self, the user's own. The
// certificates are judged first, as keys are (crypto/cert_judge.cpp).

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/protect/protect.hpp>
#include <peermail/util/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::protect {

class SmimeProtector
{
public:
  // Open gpgsm in `gnupg_home` and make [smime] anchors of `cfg` its only
  // trust anchors; `for_sending` (false only to judge, for `check`) makes
  // gpgsm's content cipher AES-256 first (crypto::open_cms). Errors: config
  // when the anchor file cannot be read or holds no root; crypto when gpgsm
  // cannot be started.
  static Result<std::unique_ptr<SmimeProtector>>
  create(const config::Config& cfg, const std::string& gnupg_home, bool for_sending = true);

  virtual ~SmimeProtector() = default;

  // Judge the certificate the [[peer]] entry of `address` pins.
  virtual Result<crypto::KeyJudgement> judge_recipient(const std::string& pinned,
                                                       const std::string& address,
                                                       const crypto::KeyPolicy& policy) = 0;

  // Judge identity.smime_cert for signing as `address`.
  virtual Result<crypto::KeyJudgement> judge_signer(const std::string& fingerprint,
                                                    const std::string& address,
                                                    const crypto::KeyPolicy& policy) = 0;

  // Sign and/or encrypt `message` as `opts` says (signer and recipients are
  // certificate fingerprints already judged): signed and encrypted, the
  // multipart/signed entity enveloped; signed only, multipart/signed with the
  // outer headers; encrypted only, the inner entity enveloped.
  // opts.hide_recipients cannot be honoured (hidden_recipients_error()).
  virtual Result<ProtectResult> protect(std::string_view message, const ProtectOptions& opts) = 0;
};

// Return true if `address` reads S/MIME: its [[peer]] entry says
// protocol = "smime" (every other recipient reads PGP/MIME).
bool reads_smime(const config::Config& cfg, const std::string& address);

// identity.smime_cert, judged for one S/MIME message or run.
struct SmimeIdentity
{
  std::string signer_fpr;              // the signing certificate; "" when not signing
  std::vector<std::string> extra_fprs; // the own certificate (policy.encrypt_to_self)
  std::vector<std::string> warnings;   // the certificate's; policy.archive_key not applying
};

// Judge identity.smime_cert (set) for signing as identity.address when
// `sign`, and, when `encrypt` and policy.encrypt_to_self, as a recipient
// certificate for identity.address (it must be able to encrypt: E2E-05).
// The one judgement of the own certificate for send, sendmail, batch,
// encrypt and sign (smime_message.cpp). Errors: Errc::no_key (67) naming
// identity.smime_cert, the reason, the checklist ID and the fix.
Result<SmimeIdentity> judge_smime_identity(SmimeProtector& smime,
                                           const config::Config& cfg,
                                           const crypto::KeyPolicy& policy,
                                           bool sign,
                                           bool encrypt);

// The refusal of an S/MIME message whose recipients must stay hidden (Bcc):
// CMS names every recipient's certificate. Errc::usage (64), E2E-05.
Error hidden_recipients_error();

// The refusal when S/MIME recipients are addressed and identity.smime_cert
// is not set (Errc::config, exit 78), naming them.
Error no_smime_cert_error(const std::vector<std::string>& addresses);

} // namespace peermail::protect
