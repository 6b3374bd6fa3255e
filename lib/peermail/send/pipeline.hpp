// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The send pipeline (docs/DESIGN.md §2.1), the facade used by `send`, `sendmail`
// and `batch`: preflight (transport settings — already refused by
// config::load —, every recipient key, the signing key, the audit log) →
// build MIME → sign+encrypt (one copy for To/Cc, one separately encrypted
// copy per Bcc recipient) → per copy: audit "pending" (write-ahead; nothing
// is submitted if it cannot be written) → submit over TLS → audit the
// outcome with pending_seq → report. Fail closed:
// nothing is submitted unless every copy was protected. Collaborators come
// through `Services` so that tests can use fakes.

#include <peermail/audit/audit_log.hpp>
#include <peermail/config/config.hpp>
#include <peermail/crypto/cms_recipients.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/mime/compose.hpp>
#include <peermail/protect/protect.hpp>
#include <peermail/protect/smime.hpp>
#include <peermail/protect/smime_judgements.hpp>
#include <peermail/send/unattended.hpp>
#include <peermail/transport/transport.hpp>
#include <peermail/util/result.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::send {

// The collaborators of the pipeline. default_services() wires the real ones;
// tests replace any of them.
struct Services
{
  std::function<Result<std::unique_ptr<crypto::Keyring>>(const std::string& gnupg_home)>
    open_keyring;
  std::function<Result<std::unique_ptr<protect::Protector>>(const std::string& gnupg_home)>
    make_protector;
  // S/MIME ([[peer]] protocol = "smime"): gpgsm with [smime] anchors;
  // made only when a recipient reads S/MIME.
  std::function<Result<std::unique_ptr<protect::SmimeProtector>>(const config::Config& cfg,
                                                                 const std::string& gnupg_home)>
    make_smime;
  std::function<Result<std::unique_ptr<transport::Transport>>(transport::SessionOptions opts)>
    make_transport;
  std::function<Result<config::Credentials>(const config::Account& account,
                                            const std::map<std::string, std::string>& env)>
    resolve_credentials;
  std::function<Result<void>(const std::string& path)> check_audit_writable;
  // Append `record` to the log at `path` and return its seq (for the
  // pending_seq of the outcome that follows a "pending" record).
  std::function<Result<std::uint64_t>(const std::string& path, const audit::Record& record)>
    append_audit;
  // The key IDs of the session key packets of an already encrypted message
  // (crypto::session_key_ids): the proof that its recipients can read it.
  std::function<Result<std::vector<std::string>>(const std::string& gnupg_home,
                                                 std::string_view ciphertext)>
    session_key_ids;
  // The RecipientInfos and content cipher of an already encrypted S/MIME
  // message (DER) against the judged certificates `fingerprints`
  // (crypto::read_cms_envelope_for): the S/MIME proof.
  std::function<Result<crypto::CmsEnvelope>(const std::string& gnupg_home,
                                            std::string_view der,
                                            const std::vector<std::string>& fingerprints)>
    cms_envelope;
  // The checklist items `check` decides without a server
  // (check::require_offline_checklist): Errc::config (exit 78) naming the
  // failing item. Runs after the keys are judged, before anything is
  // protected or any connection is made.
  std::function<Result<void>(const config::Config& cfg,
                             const std::string& gnupg_home,
                             const std::map<std::string, std::string>& env)>
    offline_checklist;
  // How the signing key's passphrase is given (send::signing_passphrase):
  // called once the key plan passed, before anything is protected or sent.
  // Unset: gpg-agent handles it (tests with fakes).
  std::function<Result<std::shared_ptr<const crypto::Secret>>(const config::Config& cfg,
                                                              const std::string& gnupg_home,
                                                              const crypto::KeyFacts& signer,
                                                              Prompt prompt)>
    signing_passphrase;
  // The EHLO SIZE limit of the account's server (transport::size_limit),
  // asked before a large message is encrypted; unset or nullopt: not known
  // (the exact size is still checked before the message leaves).
  std::function<std::optional<std::uint64_t>(const config::Account& account)> size_limit;
  // The sysexits name for the audit record ("EX_NOUSER"); the CLI passes its
  // one mapping table. Default: the Errc name.
  std::function<std::string(Errc code)> exit_name;
};

// Return the real collaborators (GPGME keyring and protector, libcurl SMTP
// session, the hash-chained audit log), with one run's S/MIME judgements
// (judge_smime_once): call it once per run.
Services default_services();

// The offline checklist given the run's S/MIME judgements (for
// check::GatherOptions::smime_judgements).
using SmimeChecklist =
  std::function<Result<void>(const config::Config& cfg,
                             const std::string& gnupg_home,
                             const std::map<std::string, std::string>& env,
                             const std::shared_ptr<protect::SmimeJudgements>& judgements)>;

// `s` with one run's S/MIME certificate judgements shared by the protectors
// s.make_smime makes (send's preflight, batch's preflight and workers) and
// the offline checklist `checklist`: each certificate is judged once per
// run (protect/smime_judgements.hpp).
Services judge_smime_once(Services s, SmimeChecklist checklist);

// What the pipeline is doing, for a progress line on a terminal: `step` in
// the user's words ("encrypting message 1 of 2", "sending message 1 of 2",
// "waiting for the server's reply to message 1 of 2"), and while a message
// is sent, its bytes so far of `total`.
struct Progress
{
  std::string step;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};

// What to send.
struct SendRequest
{
  std::string action = "send"; // audit action: "send", "sendmail", "batch"
  // Exactly one of `compose` (send), `raw` (sendmail: a plaintext RFC 5322
  // message) and `encrypted` (send --message) is set. For `compose`, an
  // empty `from` is the identity.
  std::optional<mime::ComposeRequest> compose;
  std::optional<std::string> raw;
  // An already encrypted message: strict PGP/MIME or S/MIME enveloped-data
  // (mime::parse_outgoing), submitted as it is (Bcc headers removed) in one
  // copy, only after every envelope recipient's key (PGP/MIME) or pinned
  // certificate (S/MIME: every recipient must be an S/MIME peer) passed the
  // same judgement as in compose mode and the ciphertext was proven to be
  // encrypted to it (crypto::prove_encrypted_to,
  // crypto::prove_cms_encrypted_to; S/MIME also AES-256, E2E-02). Not
  // signed or re-encrypted here.
  std::optional<std::string> encrypted;
  // For `encrypted`: the envelope recipients (--to), overriding To/Cc/Bcc.
  std::vector<std::string> envelope_to;
  // For `raw` and `encrypted`: max_bytes; for `raw` also the rest
  // (`identity` is filled in by run()).
  mime::SubmissionOptions submission;
  mime::ComposeLimits limits;
  bool dry_run = false;
  std::string gnupg_home;                 // "" = GnuPG's default
  std::string temp_dir;                   // for the streamed message; "" = /tmp
  std::map<std::string, std::string> env; // for password_env
  transport::TranscriptFn transcript;     // -v: the SMTP dialogue (no DATA, no AUTH)
  // A stop request from the CLI's SIGINT/SIGTERM handler (util/cancel.hpp;
  // may be null; not owned). Polled before each copy is submitted and by the
  // SMTP session: a copy whose final "." was not sent is aborted (status
  // "interrupted", audited with its pending_seq, not delivered); copies not
  // started stay "not-sent"; report.error is then Errc::canceled.
  const util::Cancel* cancel = nullptr;
  Prompt prompt = Prompt::possible; // can a pinentry reach the user?
  // Called as the work moves on (may be empty). The CLI draws it; nothing
  // here prints.
  std::function<void(const Progress&)> progress;
};

// The outcome for one recipient.
struct RecipientReport
{
  std::string address;
  std::string field;  // "to", "cc", "bcc"
  std::string status; // "sent", "would-send", "refused", "failed", "not-sent", "unknown",
                      // "interrupted"
  std::string key_fpr;
  std::string protocol = "OpenPGP"; // "OpenPGP" or "S/MIME" (the [[peer]] entry's protocol)
  std::string reason;               // why refused / failed ("" when fine)
  std::string check_id;
  std::string fix;
  std::optional<int> smtp_code;
  std::vector<std::string> warnings;
};

// One encrypted copy = one SMTP submission.
struct CopyReport
{
  std::vector<std::string> rcpt_to;
  std::vector<std::string> recipient_fprs; // encrypted to (recipients, self, archive)
  std::string protocol = "OpenPGP";        // "OpenPGP" (PGP/MIME) or "S/MIME"
  std::string signer_fpr;                  // the key or certificate that signed this copy
  std::uint64_t size = 0;                  // bytes of the protected message
  std::string status; // "sent", "would-send", "failed", "not-sent", "unknown", "interrupted"
  std::optional<int> smtp_code;
};

struct SendReport
{
  bool dry_run = false;
  std::string message_id;
  std::string mail_from;
  std::string signer_fpr;
  std::string hash_algo;
  std::uint64_t plaintext_size = 0; // bytes of the MIME message before protection
  std::vector<RecipientReport> recipients;
  std::vector<CopyReport> copies;
  std::optional<transport::TlsInfo> tls;
  std::vector<std::string> warnings;
  std::optional<Error> error; // set when the send did not (fully) happen

  bool
  ok() const
  {
    return !error.has_value();
  }
};

// Check `req` before the config is even loaded: header injection, addresses,
// sizes, attachments (data 65, usage 64, no_input 66). Nothing is touched.
// `run` checks the same again.
Result<void> validate(const SendRequest& req);

// Run the whole pipeline for `cfg`. Never throws; a failure is in
// `report.error` (and was audited when it happened after preflight began).
SendReport run(const config::Config& cfg, const SendRequest& req, const Services& services);

} // namespace peermail::send
