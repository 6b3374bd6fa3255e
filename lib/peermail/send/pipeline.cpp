// SPDX-License-Identifier: GPL-3.0-or-later
#include "pipeline.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/audit/write_ahead.hpp>
#include <peermail/crypto/recipient_proof.hpp>
#include <peermail/mime/envelope.hpp>
#include <peermail/mime/sendmail_input.hpp>
#include <peermail/protect/keys.hpp>
#include <peermail/send/run_record.hpp>
#include <peermail/transport/wire.hpp>
#include <peermail/util/fd_io.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

namespace peermail::send {

namespace {

constexpr std::string_view k_smime = "S/MIME";
constexpr std::string_view k_openpgp = "OpenPGP";

// One encrypted copy and where it goes.
struct Copy
{
  std::vector<std::size_t> recipients; // indexes into report.recipients
  std::vector<std::string> fprs;
  bool smime = false; // S/MIME ([[peer]] protocol = "smime"), else PGP/MIME
  std::optional<util::TempFile> file;
  protect::ProtectResult protect;
};

class Run
{
public:
  Run(const config::Config& cfg, const SendRequest& req, const Services& s)
    : m_cfg(cfg),
      m_req(req),
      m_s(s)
  {
  }

  SendReport
  go()
  {
    m_report.dry_run = m_req.dry_run;
    m_report.mail_from = m_cfg.identity.address;
    m_report.signer_fpr = m_cfg.identity.signing_key;
    if (auto r = steps(); !r) {
      m_report.error = r.error();
    }
    return std::move(m_report);
  }

private:
  const config::Config& m_cfg;
  const SendRequest& m_req;
  const Services& m_s;
  SendReport m_report;
  mime::Composed m_composed;
  std::optional<util::TempFile> m_plain;
  std::vector<Copy> m_copies;
  std::vector<std::string> m_extra_fprs;              // self and archive
  std::unique_ptr<protect::SmimeProtector> m_smime;   // when a recipient reads S/MIME
  std::string m_smime_signer;                         // identity.smime_cert, judged
  std::vector<std::string> m_smime_extra;             // own certificate (encrypt_to_self)
  std::shared_ptr<const crypto::Secret> m_passphrase; // identity.passphrase_command
  std::string m_ciphertext;     // `encrypted`: the armored PGP MESSAGE, or the S/MIME DER
  bool m_message_smime = false; // `encrypted`: it is S/MIME enveloped-data
  bool m_message_auth = false;  // `encrypted`: its smime-type says authEnveloped-data
  std::string m_wire_sha256;    // `encrypted`: of the bytes submitted

  std::string
  exit_name(Errc code) const
  {
    return m_s.exit_name ? m_s.exit_name(code) : std::string(to_string(code));
  }

  audit::Record
  base_record() const
  {
    return run_record(m_cfg, m_req.action, m_report.message_id, m_report.signer_fpr);
  }

  // Append `r` and return its seq; an audit failure after a submission is
  // itself an error.
  Result<std::uint64_t>
  audit(const audit::Record& r)
  {
    if (!m_s.append_audit) {
      return fail(Errc::internal, "no audit log service");
    }
    auto a = m_s.append_audit(m_cfg.audit.path, r);
    if (!a) {
      Error e = a.error();
      e.check_id = e.check_id.empty() ? "AUD-01" : e.check_id;
      return unexpected(std::move(e));
    }
    return *a;
  }

  // Record a refusal (AUD-04) and return `e`.
  Unexpected<Error>
  refuse(Error e)
  {
    audit::Record r = base_record();
    r.action = "refusal";
    r.outcome = "refused";
    for (const auto& rr : m_report.recipients) {
      r.recipients.push_back(rr.address);
      if (!rr.key_fpr.empty()) {
        r.recipient_fprs.push_back(rr.key_fpr);
      }
    }
    r.check_id = e.check_id;
    r.exit_code = exit_name(e.code);
    if (auto a = audit(r); !a) {
      m_report.warnings.push_back(
        fmt::format("the refusal could not be audited: {}", a.error().message));
    }
    return unexpected(std::move(e));
  }

  Result<void>
  steps()
  {
    PEERMAIL_TRY(prepare_message());
    PEERMAIL_TRY(preflight());
    PEERMAIL_TRY(checklist_gate());
    PEERMAIL_TRY(size_gate());
    PEERMAIL_TRY(protect_all());
    PEERMAIL_TRY(check_wire_all());
    if (m_req.dry_run) {
      return finish_dry_run();
    }
    if (util::cancel_requested(m_req.cancel)) {
      return unexpected(interrupted(0));
    }
    return submit_all();
  }

  // Tell the progress line what is being done now.
  void
  note(std::string step) const
  {
    if (m_req.progress) {
      Progress p;
      p.step = std::move(step);
      m_req.progress(p);
    }
  }

  // The error of a send stopped by a stop request before copy `k` started.
  Error
  interrupted(std::size_t k) const
  {
    return Error(Errc::canceled,
                 k == 0 ? std::string("interrupted: nothing was submitted")
                        : fmt::format(
                          "interrupted before copy {} of {} was submitted", k + 1, m_copies.size()),
                 "",
                 "send the message again when you are ready");
  }

  void
  add_recipients(const std::vector<mime::Mailbox>& list, const char* field)
  {
    for (const auto& m : list) {
      RecipientReport rr;
      rr.address = m.address;
      rr.field = field;
      rr.status = "not-sent";
      m_report.recipients.push_back(std::move(rr));
    }
  }

  // Build the MIME message into an anonymous temp file (streamed).
  Result<void>
  prepare_message()
  {
    PEERMAIL_TRY_ASSIGN(auto plain, util::TempFile::create(m_req.temp_dir));
    m_plain.emplace(std::move(plain));
    if (m_req.compose) {
      mime::ComposeRequest c = *m_req.compose;
      if (c.from.empty()) {
        c.from = m_cfg.identity.from;
      }
      PEERMAIL_TRY_ASSIGN(m_composed, mime::compose_to_fd(c, m_plain->fd(), m_req.limits));
    } else if (m_req.raw) {
      mime::SubmissionOptions o = m_req.submission;
      o.identity.address = m_cfg.identity.address;
      o.identity.display_name = m_cfg.identity.display_name;
      PEERMAIL_TRY_ASSIGN(auto input,
                          mime::normalize_sendmail_input(*m_req.raw,
                                                         o,
                                                         m_cfg.identity.rewrite_from
                                                           ? mime::ForeignFrom::rewrite
                                                           : mime::ForeignFrom::refuse));
      PEERMAIL_TRY_ASSIGN(auto prepared, mime::prepare_submission(input, o));
      m_composed = std::move(prepared.first);
      PEERMAIL_TRY(util::write_fd(m_plain->fd(), prepared.second));
    } else if (m_req.encrypted) {
      return prepare_encrypted();
    } else {
      return fail(Errc::internal, "nothing to send");
    }
    m_report.message_id = m_composed.message_id;
    m_report.plaintext_size = m_composed.size;
    add_recipients(m_composed.to, "to");
    add_recipients(m_composed.cc, "cc");
    add_recipients(m_composed.bcc, "bcc");
    return {};
  }

  // `encrypted`: parse strictly, take the envelope recipients, keep the
  // bytes to submit in m_plain (they are ciphertext, never re-protected).
  Result<void>
  prepare_encrypted()
  {
    PEERMAIL_TRY(validate(m_req));
    PEERMAIL_TRY_ASSIGN(auto msg, mime::parse_outgoing(*m_req.encrypted));
    if (msg.protection == mime::Protection::none) {
      const std::string& why = msg.not_protected_reason;
      return fail(Errc::data,
                  fmt::format("the message is not end-to-end encrypted (strict PGP/MIME or S/MIME "
                              "enveloped-data){}{}; nothing was sent",
                              why.empty() ? "" : ": ",
                              why),
                  "E2E-01",
                  "encrypt it first: peermail encrypt MESSAGE | peermail send --message -");
    }
    m_message_smime = msg.protection == mime::Protection::smime_enveloped;
    m_message_auth = msg.smime_authenticated;
    std::vector<mime::Mailbox> to;
    std::vector<mime::Mailbox> cc;
    std::vector<mime::Mailbox> bcc;
    std::set<std::string> seen;
    // Every envelope recipient in the one address rule's normal form (lower
    // case, A-labels): the form keys are judged for and RCPT TO carries.
    auto take = [&seen](const std::vector<std::string>& from,
                        std::string_view field,
                        std::vector<mime::Mailbox>& into) -> Result<void> {
      for (const auto& a : from) {
        PEERMAIL_TRY_ASSIGN(auto mb, address::parse_mailbox(a, field));
        if (seen.insert(mb.address).second) {
          into.push_back({"", mb.address});
        }
      }
      return {};
    };
    if (!m_req.envelope_to.empty()) {
      for (const auto& t : m_req.envelope_to) {
        PEERMAIL_TRY_ASSIGN(auto mb, mime::parse_address(t, "--to", m_req.limits));
        PEERMAIL_TRY(take({mb.address}, "--to", to));
      }
    } else {
      PEERMAIL_TRY(take(msg.to, "To", to));
      PEERMAIL_TRY(take(msg.cc, "Cc", cc));
      PEERMAIL_TRY(take(msg.bcc, "Bcc", bcc));
    }
    if (seen.empty()) {
      return fail(Errc::data,
                  "the message has no recipients (no To, Cc or Bcc)",
                  "",
                  "add a To header, or give --to ADDR");
    }
    if (seen.size() > m_req.limits.max_recipients) {
      return fail(Errc::data,
                  fmt::format("{} recipients exceed the limit of {}",
                              seen.size(),
                              m_req.limits.max_recipients));
    }
    // One ciphertext for everyone: its proof needs every recipient's key ID
    // or certificate in it, so a Bcc recipient would be named to the others
    // (E2E-05). Only a message to the Bcc recipient alone keeps the secret.
    if (!bcc.empty() && seen.size() > 1) {
      return fail(Errc::usage,
                  fmt::format("the message has Bcc recipients ({}), and an already encrypted "
                              "message names every recipient's {} to all of them; nothing was "
                              "sent",
                              bcc.size(),
                              m_message_smime ? "certificate" : "key ID"),
                  "E2E-05",
                  "give each Bcc recipient a message of their own (peermail encrypt -r ADDR | "
                  "peermail send --message - --to ADDR), or let peermail send encrypt it: it "
                  "gives each Bcc recipient their own copy");
    }
    PEERMAIL_TRY(util::write_fd(m_plain->fd(), msg.wire));
    m_wire_sha256 = util::sha256_hex(msg.wire);
    m_ciphertext = std::move(msg.ciphertext);
    m_report.message_id = msg.message_id;
    m_report.signer_fpr.clear(); // not signed here
    add_recipients(to, "to");
    add_recipients(cc, "cc");
    add_recipients(bcc, "bcc");
    return {};
  }

  // `encrypted`: every recipient reads the message's protocol. An S/MIME
  // message goes only to S/MIME peers ([[peer]] protocol = "smime"), whose
  // pinned certificates are then judged; a PGP/MIME one to no S/MIME peer.
  Result<void>
  route_message()
  {
    std::vector<std::string> other;
    for (auto& rr : m_report.recipients) {
      const config::Peer* peer = m_cfg.peer(rr.address);
      const bool smime = peer != nullptr && peer->protocol == config::PeerProtocol::smime;
      if (smime) {
        rr.protocol = std::string(k_smime);
      }
      if (smime != m_message_smime) {
        other.push_back(rr.address);
      }
    }
    if (!other.empty()) {
      const bool one = other.size() == 1;
      Error e(Errc::no_key,
              m_message_smime
                ? fmt::format("the message is S/MIME, but {} read{} OpenPGP (no [[peer]] entry "
                              "with protocol = \"smime\"); nothing was sent",
                              fmt::join(other, ", "),
                              one ? "s" : "")
                : fmt::format("the message is PGP/MIME, but {} read{} S/MIME ([[peer]] protocol "
                              "= \"smime\"); nothing was sent",
                              fmt::join(other, ", "),
                              one ? "s" : ""),
              "E2E-01",
              m_message_smime
                ? "send them a PGP/MIME message of their own (peermail encrypt), or pin their "
                  "S/MIME certificate in a [[peer]] entry with protocol = \"smime\""
                : "send them an S/MIME message encrypted to their pinned certificate, or compose "
                  "it with peermail send --to ADDR, which writes S/MIME for them");
      for (auto& rr : m_report.recipients) {
        const bool refused = std::find(other.begin(), other.end(), rr.address) != other.end();
        rr.status = refused ? "refused" : "not-sent";
        if (refused) {
          rr.reason = m_message_smime ? "reads OpenPGP, the message is S/MIME"
                                      : "reads S/MIME, the message is PGP/MIME";
          rr.check_id = e.check_id;
          rr.fix = e.fix;
        }
      }
      return refuse(std::move(e));
    }
    if (!m_message_smime) {
      return {};
    }
    return open_smime();
  }

  // Start gpgsm for this run (m_smime); a failure is a refusal.
  Result<void>
  open_smime()
  {
    if (!m_s.make_smime) {
      return fail(Errc::internal, "no S/MIME service");
    }
    auto made = m_s.make_smime(m_cfg, m_req.gnupg_home);
    if (!made) {
      return refuse(made.error());
    }
    m_smime = std::move(*made);
    return {};
  }

  // `encrypted`: prove from the ciphertext that the message is encrypted to
  // the judged key or certificate of every recipient (E2E-01; S/MIME also
  // AES-256, E2E-02).
  Result<void>
  prove_recipients(const std::vector<std::optional<crypto::KeyFacts>>& keys)
  {
    std::function<crypto::ProofVerdict(std::size_t)> verdict;
    std::vector<std::string> ids;
    std::optional<crypto::CmsEnvelope> env;
    if (m_message_smime) {
      if (!m_s.cms_envelope) {
        return fail(Errc::internal, "no recipient proof service");
      }
      std::vector<std::string> fprs;
      for (const auto& k : keys) {
        fprs.push_back(k->fingerprint);
      }
      auto read = m_s.cms_envelope(m_req.gnupg_home, m_ciphertext, fprs);
      if (read && read->authenticated != m_message_auth) {
        // RFC 8551 §3.2.2: the label must say what the object is; readers
        // that trust the one or the other must not differ.
        std::string why = fmt::format("its smime-type says {}, but the CMS object is {}",
                                      m_message_auth ? "authEnveloped-data" : "enveloped-data",
                                      read->authenticated ? "AuthEnvelopedData" : "EnvelopedData");
        read = Result<crypto::CmsEnvelope>(unexpected(Error(Errc::data, std::move(why))));
      }
      if (!read) {
        Error e = read.error();
        if (e.code == Errc::data) {
          e.message =
            fmt::format("the message is not end-to-end encrypted: {}; nothing was sent", e.message);
          e.check_id = "E2E-01";
          e.fix =
            "encrypt it to the recipients' pinned certificates (openssl cms -encrypt "
            "-aes256, or gpgsm --encrypt) and send that";
        }
        return refuse(std::move(e));
      }
      env = std::move(*read);
      if (auto whole = crypto::judge_cms_envelope(*env); !whole.ok) {
        return refuse(Error(Errc::no_key,
                            whole.check_id == "E2E-01"
                              ? fmt::format("cannot prove who can read the message: {}; nothing "
                                            "was sent",
                                            whole.reason)
                              : fmt::format("{}; nothing was sent", whole.reason),
                            whole.check_id,
                            whole.fix));
      }
      verdict = [&](std::size_t i) {
        return crypto::prove_cms_encrypted_to(
          *env, i, keys[i]->fingerprint, m_report.recipients[i].address);
      };
    } else {
      if (!m_s.session_key_ids) {
        return fail(Errc::internal, "no recipient proof service");
      }
      PEERMAIL_TRY_ASSIGN(ids, m_s.session_key_ids(m_req.gnupg_home, m_ciphertext));
      verdict = [&](std::size_t i) {
        return crypto::prove_encrypted_to(*keys[i], m_report.recipients[i].address, ids);
      };
    }
    std::vector<std::string> bad;
    const RecipientReport* first_bad = nullptr;
    for (std::size_t i = 0; i < m_report.recipients.size(); ++i) {
      auto& rr = m_report.recipients[i];
      const auto v = verdict(i);
      if (!v.ok) {
        rr.status = "refused";
        rr.reason = v.reason;
        rr.check_id = v.check_id;
        rr.fix = v.fix;
        bad.push_back(rr.address);
        if (first_bad == nullptr) {
          first_bad = &rr;
        }
      }
    }
    if (first_bad == nullptr) {
      return {};
    }
    const std::string msg =
      bad.size() == 1
        ? fmt::format("cannot prove that {} can read the message: {}; nothing was sent",
                      bad[0],
                      first_bad->reason)
        : fmt::format(
          "cannot prove that {} of {} recipients can read the message ({}: {}); "
          "nothing was sent",
          bad.size(),
          m_report.recipients.size(),
          fmt::join(bad, ", "),
          first_bad->reason);
    return refuse(Error(Errc::no_key, msg, first_bad->check_id, first_bad->fix));
  }

  Result<void>
  preflight()
  {
    note("checking the recipients' keys");
    // The audit log cannot be turned off (AUD-01): no path, no send.
    if (m_cfg.audit.path.empty()) {
      return fail(Errc::config,
                  "audit.path is not set: every submission is audited, so nothing was sent",
                  "AUD-01",
                  "set [audit] path (or PEERMAIL_AUDIT_PATH) to a file, e.g. "
                  "\"~/.local/state/peermail/audit.jsonl\"");
    }
    // The audit log must be writable before anything is judged or sent
    // (AUD-04: no unaudited sends).
    if (!m_s.check_audit_writable) {
      return fail(Errc::internal, "no audit log service");
    }
    if (auto w = m_s.check_audit_writable(m_cfg.audit.path); !w) {
      Error e = w.error();
      if (e.check_id.empty()) {
        e.check_id = "AUD-04";
      }
      return unexpected(std::move(e));
    }
    PEERMAIL_TRY_ASSIGN(auto keyring, m_s.open_keyring(m_req.gnupg_home));
    const auto policy = protect::key_policy(m_cfg);

    // The key plan shared with encrypt, batch and check: the signing key,
    // encrypt-to-self (E2E-05) and the archive key (policy.archive_key). An
    // already encrypted message is not signed or encrypted here: whoever
    // encrypted it answers for them (peermail encrypt honours them).
    if (!m_req.encrypted) {
      PEERMAIL_TRY_ASSIGN(auto plan, protect::judge_key_plan(*keyring, m_cfg, true, true, policy));
      auto ids = protect::require_key_plan(plan, m_cfg);
      if (!ids) {
        return refuse(ids.error());
      }
      m_report.warnings.insert(m_report.warnings.end(), ids->warnings.begin(), ids->warnings.end());
      m_report.signer_fpr = ids->signer_fpr;
      m_extra_fprs = ids->extra_fprs;
      // Unattended signing (KEY-05): known before anything is sent.
      if (m_s.signing_passphrase && plan.signer && plan.signer->key) {
        auto secret =
          m_s.signing_passphrase(m_cfg, m_req.gnupg_home, *plan.signer->key, m_req.prompt);
        if (!secret) {
          return refuse(secret.error());
        }
        m_passphrase = std::move(*secret);
      }
    }

    PEERMAIL_TRY(m_req.encrypted ? route_message() : smime_preflight(policy));
    std::vector<std::string> bad;
    const RecipientReport* first_bad = nullptr;
    std::vector<std::optional<crypto::KeyFacts>> keys;
    for (auto& rr : m_report.recipients) {
      crypto::KeyJudgement j;
      if (rr.protocol == k_smime) {
        PEERMAIL_TRY_ASSIGN(
          j, m_smime->judge_recipient(m_cfg.peer(rr.address)->fingerprint, rr.address, policy));
      } else {
        PEERMAIL_TRY_ASSIGN(j, protect::judge_recipient(*keyring, m_cfg, rr.address, policy));
      }
      rr.warnings = j.warnings;
      if (j.key) {
        rr.key_fpr = j.key->fingerprint;
      }
      keys.push_back(j.key);
      if (!j.ok()) {
        rr.status = "refused";
        rr.reason = j.reason;
        rr.check_id = j.check_id;
        rr.fix = j.fix;
        bad.push_back(rr.address);
        if (first_bad == nullptr) {
          first_bad = &rr;
        }
      }
    }
    if (first_bad != nullptr) {
      for (auto& rr : m_report.recipients) {
        if (rr.status != "refused") {
          rr.status = "not-sent";
        }
      }
      const std::string msg =
        bad.size() == 1
          ? fmt::format("no usable key for {}: {}; nothing was sent", bad[0], first_bad->reason)
          : fmt::format("{} of {} recipients have no usable key ({}); nothing was sent",
                        bad.size(),
                        m_report.recipients.size(),
                        fmt::join(bad, ", "));
      return refuse(Error(Errc::no_key, msg, first_bad->check_id, first_bad->fix));
    }
    if (m_req.encrypted) {
      return prove_recipients(keys);
    }
    return {};
  }

  // S/MIME recipients ([[peer]] protocol = "smime"; not for an already
  // encrypted PGP/MIME message): each is marked, and identity.smime_cert is
  // judged for signing before any recipient (nothing is sent without it).
  Result<void>
  smime_preflight(const crypto::KeyPolicy& policy)
  {
    if (m_req.encrypted) {
      return {};
    }
    std::vector<std::string> smime;
    for (auto& rr : m_report.recipients) {
      if (protect::reads_smime(m_cfg, rr.address)) {
        rr.protocol = std::string(k_smime);
        smime.push_back(rr.address);
      }
    }
    if (smime.empty()) {
      return {};
    }
    if (m_cfg.identity.smime_cert.empty()) {
      return refuse(protect::no_smime_cert_error(smime));
    }
    PEERMAIL_TRY(open_smime());
    auto signing = protect::judge_smime_identity(*m_smime, m_cfg, policy, true, true);
    if (!signing) {
      Error e = signing.error();
      if (e.code != Errc::no_key) {
        return unexpected(std::move(e));
      }
      e.message += "; nothing was sent";
      return refuse(std::move(e));
    }
    m_report.warnings.insert(
      m_report.warnings.end(), signing->warnings.begin(), signing->warnings.end());
    m_smime_signer = signing->signer_fpr;
    m_smime_extra = signing->extra_fprs;
    return {};
  }

  // RFC 1870: a message above the server's EHLO SIZE is refused before it is
  // encrypted, from an estimate of its encoded size (docs/LIMITS.md): the
  // composed MIME message (attachments already base64) plus the armour's
  // line breaks (1/64) and 1 KiB of OpenPGP packets; OpenPGP compression of
  // the base64 parts roughly cancels the armour's 4/3. Only for a message of
  // 1 MiB or more (one extra connection: EHLO, QUIT); the exact size is
  // checked again before the first byte leaves (transport).
  Result<void>
  size_gate()
  {
    constexpr std::uint64_t k_ask_from = 1U << 20;
    if (m_req.dry_run || m_req.encrypted || !m_s.size_limit
        || m_report.plaintext_size < k_ask_from) {
      return {};
    }
    const auto limit = m_s.size_limit(m_cfg.account());
    const std::uint64_t estimate = m_report.plaintext_size + m_report.plaintext_size / 64 + 1024;
    if (limit && estimate > *limit) {
      return refuse(transport::size_refusal(m_cfg.account(), estimate, *limit, true));
    }
    return {};
  }

  // Every checklist item `check` can decide without a server must not FAIL
  // (exit 78 naming the item): the same evaluation as `peermail check`.
  Result<void>
  checklist_gate()
  {
    if (!m_s.offline_checklist) {
      return fail(Errc::internal, "no checklist service");
    }
    if (auto r = m_s.offline_checklist(m_cfg, m_req.gnupg_home, m_req.env); !r) {
      return refuse(r.error());
    }
    return {};
  }

  Result<void>
  protect_all()
  {
    if (m_req.encrypted) {
      // One copy, as it is: the message names its recipients' keys already.
      Copy c;
      c.smime = m_message_smime;
      for (std::size_t i = 0; i < m_report.recipients.size(); ++i) {
        c.recipients.push_back(i);
        c.fprs.push_back(m_report.recipients[i].key_fpr);
      }
      c.protect.content_sha256 = m_wire_sha256;
      c.file.emplace(std::move(*m_plain));
      m_plain.reset();
      m_copies.push_back(std::move(c));
      return report_copies();
    }
    // One copy for the visible recipients of each protocol (OpenPGP first,
    // then S/MIME: issue 17), one per Bcc recipient, so that no copy reveals
    // a Bcc key ID (E2E-05).
    Copy visible;
    Copy visible_smime;
    visible_smime.smime = true;
    std::vector<Copy> bcc;
    for (std::size_t i = 0; i < m_report.recipients.size(); ++i) {
      const bool smime = m_report.recipients[i].protocol == k_smime;
      if (m_report.recipients[i].field == "bcc") {
        Copy c;
        c.smime = smime;
        c.recipients.push_back(i);
        bcc.push_back(std::move(c));
      } else {
        (smime ? visible_smime : visible).recipients.push_back(i);
      }
    }
    for (auto* v : {&visible, &visible_smime}) {
      if (!v->recipients.empty()) {
        m_copies.push_back(std::move(*v));
      }
    }
    for (auto& c : bcc) {
      m_copies.push_back(std::move(c));
    }
    PEERMAIL_TRY_ASSIGN(auto protector, m_s.make_protector(m_req.gnupg_home));
    if (m_passphrase) {
      PEERMAIL_TRY(protector->use_passphrase(m_passphrase, k_passphrase_setting));
    }
    for (std::size_t k = 0; k < m_copies.size(); ++k) {
      auto& c = m_copies[k];
      note(fmt::format("encrypting message {} of {}", k + 1, m_copies.size()));
      std::set<std::string> seen;
      for (const auto i : c.recipients) {
        const auto& fpr = m_report.recipients[i].key_fpr;
        if (seen.insert(fpr).second) {
          c.fprs.push_back(fpr);
        }
      }
      for (const auto& f : c.smime ? m_smime_extra : m_extra_fprs) {
        if (seen.insert(f).second) {
          c.fprs.push_back(f);
        }
      }
      protect::ProtectOptions o;
      o.signer_fingerprint = c.smime ? m_smime_signer : m_report.signer_fpr;
      o.recipient_fingerprints = c.fprs;
      o.sign = true;
      o.encrypt = true;
      o.protect_subject = m_cfg.policy.protect_subject;
      o.temp_dir = m_req.temp_dir;
      PEERMAIL_TRY(m_plain->rewind());
      PEERMAIL_TRY_ASSIGN(auto out, util::TempFile::create(m_req.temp_dir));
      auto r =
        c.smime ? protect_smime(o, out.fd()) : protector->protect_fd(m_plain->fd(), out.fd(), o);
      if (!r) {
        Error e = r.error();
        if (e.code == Errc::no_key) {
          return refuse(std::move(e));
        }
        return fail_record(std::move(e));
      }
      c.protect = std::move(*r);
      c.protect.message.clear();
      c.file.emplace(std::move(out));
      m_report.hash_algo = c.protect.hash_algo;
    }
    return report_copies();
  }

  // One S/MIME copy of the plaintext message into `out_fd` (in memory:
  // gpgsm's CMS output is not streamed here; docs/LIMITS.md).
  Result<protect::ProtectResult>
  protect_smime(const protect::ProtectOptions& o, int out_fd)
  {
    PEERMAIL_TRY_ASSIGN(auto plain, util::read_fd(m_plain->fd()));
    PEERMAIL_TRY_ASSIGN(auto r, m_smime->protect(plain, o));
    PEERMAIL_TRY(util::write_fd(out_fd, r.message));
    return r;
  }

  Result<void>
  report_copies()
  {
    for (auto& c : m_copies) {
      CopyReport cr;
      for (const auto i : c.recipients) {
        cr.rcpt_to.push_back(m_report.recipients[i].address);
      }
      cr.recipient_fprs = c.fprs;
      cr.protocol = c.smime ? std::string(k_smime) : std::string(k_openpgp);
      cr.signer_fpr = c.smime ? m_smime_signer : m_report.signer_fpr;
      PEERMAIL_TRY_ASSIGN(cr.size, c.file->size());
      cr.status = "not-sent";
      m_report.copies.push_back(std::move(cr));
    }
    return {};
  }

  // Audit a failure before submission (crypto error, credentials).
  Unexpected<Error>
  fail_record(Error e)
  {
    audit::Record r = base_record();
    r.outcome = "failed";
    for (const auto& rr : m_report.recipients) {
      r.recipients.push_back(rr.address);
    }
    r.check_id = e.check_id;
    r.exit_code = exit_name(e.code);
    if (auto a = audit(r); !a) {
      m_report.warnings.push_back(
        fmt::format("the failure could not be audited: {}", a.error().message));
    }
    return unexpected(std::move(e));
  }

  audit::Record
  copy_record(const Copy& c) const
  {
    audit::Record r = base_record();
    for (const auto i : c.recipients) {
      r.recipients.push_back(m_report.recipients[i].address);
    }
    r.recipient_fprs = c.fprs;
    if (c.smime) {
      r.protocol = std::string(k_smime);
      r.signer_fpr = m_smime_signer;
    }
    r.hash_algo = c.protect.hash_algo;
    r.content_sha256 = c.protect.content_sha256;
    return r;
  }

  Result<void>
  finish_dry_run()
  {
    for (std::size_t k = 0; k < m_copies.size(); ++k) {
      m_report.copies[k].status = "would-send";
      for (const auto i : m_copies[k].recipients) {
        m_report.recipients[i].status = "would-send";
      }
      audit::Record r = copy_record(m_copies[k]);
      r.outcome = "dry-run";
      PEERMAIL_TRY(audit(r));
    }
    return {};
  }

  Result<void>
  check_wire_all()
  {
    // Every copy must be 7-bit CRLF text before the first one goes out
    // (transport/wire.hpp): a refusal, audited, with nothing sent.
    for (auto& c : m_copies) {
      if (auto w = transport::check_wire_fd(c.file->fd()); !w) {
        Error e = w.error();
        if (m_req.encrypted) {
          e.message = "--message: " + e.message;
        }
        return refuse(std::move(e));
      }
    }
    return {};
  }

  Result<void>
  submit_all()
  {
    const auto& account = m_cfg.account();
    transport::SessionOptions so;
    so.account = account;
    so.transcript = m_req.transcript;
    so.cancel = m_req.cancel;
    std::size_t current = 0; // the copy being sent, for the progress line
    if (m_req.progress) {
      so.upload_progress = [this, &current](std::uint64_t done, std::uint64_t total) {
        Progress p;
        p.step = done < total
                   ? fmt::format("sending message {} of {}", current + 1, m_copies.size())
                   : fmt::format("waiting for the server's reply to message {} of {}",
                                 current + 1,
                                 m_copies.size());
        p.done = done;
        p.total = total;
        m_req.progress(p);
      };
    }
    const bool needs_login = !account.password_command.empty() || !account.password_env.empty()
                             || !account.oauth2_token_command.empty();
    if (needs_login && m_s.resolve_credentials) {
      auto creds = m_s.resolve_credentials(account, m_req.env);
      if (!creds) {
        return fail_record(creds.error());
      }
      so.credentials = std::move(*creds);
    }
    note(fmt::format("connecting to {}:{}", account.host, account.port));
    auto session = m_s.make_transport(std::move(so));
    if (!session) {
      return fail_record(session.error());
    }
    auto& t = **session;
    std::optional<Error> failure;
    for (std::size_t k = 0; k < m_copies.size() && !failure; ++k) {
      if (util::cancel_requested(m_req.cancel)) {
        failure = interrupted(k); // nothing more starts (no pending record)
        break;
      }
      auto& c = m_copies[k];
      auto& cr = m_report.copies[k];
      current = k;
      note(fmt::format("sending message {} of {}", k + 1, m_copies.size()));
      transport::Envelope env;
      env.mail_from = m_cfg.identity.address;
      env.rcpt_to = cr.rcpt_to;
      if (auto rw = c.file->rewind(); !rw) {
        failure = rw.error(); // earlier copies keep their outcome in the report
        break;
      }
      // Write-ahead: the attempt is on record before anything is submitted.
      audit::Record pending = copy_record(c);
      pending.outcome = std::string(audit::k_outcome_pending);
      auto pending_seq = audit(pending);
      if (!pending_seq) {
        t.close();
        return unexpected(audit::pending_not_written(pending_seq.error(), k == 0));
      }
      auto sent = t.send_fd(env, c.file->fd());
      audit::Record r = copy_record(c);
      r.pending_seq = *pending_seq;
      if (sent) {
        cr.status = "sent";
        cr.smtp_code = sent->code;
        m_report.tls = sent->tls;
        for (const auto i : c.recipients) {
          auto& rr = m_report.recipients[i];
          rr.status = "sent";
          rr.smtp_code = sent->code;
          for (const auto& x : sent->recipients) {
            if (util::to_lower(x.address) == rr.address && x.code != 0) {
              rr.smtp_code = x.code;
            }
          }
        }
        r.outcome = "sent";
        r.smtp_code = sent->code;
        if (!sent->tls.version.empty()) {
          r.tls_version = sent->tls.version;
          r.tls_cipher = sent->tls.cipher;
          r.tls_peer_cert_sha256 = sent->tls.peer_cert_sha256;
        }
      } else {
        const Error& e = sent.error();
        // Unknown: the final "." went out and its reply never came.
        // Interrupted: a stop request aborted it before the "." (transport.hpp).
        const bool unknown = e.code == Errc::maybe_delivered;
        const bool stopped = e.code == Errc::canceled;
        cr.status = unknown ? "unknown" : stopped ? "interrupted" : "failed";
        cr.smtp_code = e.smtp_status;
        const auto replies = t.last_recipients();
        for (const auto i : c.recipients) {
          auto& rr = m_report.recipients[i];
          rr.status = cr.status;
          rr.check_id = e.check_id;
          rr.fix = e.fix;
          decide_recipient(rr, e, replies);
        }
        r.outcome = unknown                ? "unknown"
                    : stopped              ? "interrupted"
                    : e.code == Errc::temp ? "tempfail"
                                           : "failed";
        r.smtp_code = e.smtp_status;
        r.check_id = e.check_id;
        r.exit_code = exit_name(e.code);
        failure = e;
      }
      if (auto a = audit(r); !a) {
        t.close();
        if (sent) {
          return unexpected(audit::outcome_not_written(a.error(), *pending_seq));
        }
        // A copy delivered earlier, or this one's unknown outcome, outranks
        // the audit failure: the user must not resend blindly (issue 19).
        const bool some_may_have_it =
          std::any_of(m_report.recipients.begin(), m_report.recipients.end(), [](const auto& rr) {
            return rr.status == "sent" || rr.status == "unknown";
          });
        if (some_may_have_it) {
          Error e = overall_error(*failure);
          e.message += fmt::format(
            "; and the audit outcome could not be written: {} (pending "
            "record {} proves the attempt)",
            a.error().message,
            *pending_seq);
          e.check_id = "AUD-01";
          return unexpected(std::move(e));
        }
        return unexpected(a.error());
      }
    }
    t.close();
    if (failure) {
      return unexpected(overall_error(std::move(*failure)));
    }
    return {};
  }

  // The reply that decided the failed submission `e` for `rr`: its own
  // refusal at RCPT; none when the server accepted it at RCPT and another
  // recipient was refused (all-or-nothing); else the reply that failed the
  // submission (e.smtp_status, set only for a refusal), never the last
  // harmless one.
  static void
  decide_recipient(RecipientReport& rr,
                   const Error& e,
                   const std::vector<transport::RecipientResult>& replies)
  {
    const auto refused = [](const transport::RecipientResult& x) {
      return x.code >= 300 || (x.code > 0 && x.code < 200);
    };
    const transport::RecipientResult* own = nullptr;
    const transport::RecipientResult* other_refused = nullptr;
    for (const auto& x : replies) {
      if (util::to_lower(x.address) == rr.address) {
        own = &x;
      } else if (other_refused == nullptr && refused(x)) {
        other_refused = &x;
      }
    }
    if (own != nullptr && refused(*own)) {
      rr.smtp_code = own->code;
      rr.reason = fmt::format("the server refused this recipient: {}; nothing was sent to anyone",
                              own->reply.empty() ? std::to_string(own->code) : own->reply);
    } else if (own != nullptr && own->code != 0 && other_refused != nullptr) {
      rr.smtp_code.reset();
      rr.reason = fmt::format(
        "accepted at RCPT ({}), but not sent: {} was refused and a message "
        "goes to all of its recipients or to none (all-or-nothing)",
        own->code,
        other_refused->address);
      rr.check_id.clear();
      rr.fix.clear();
    } else {
      rr.smtp_code = e.smtp_status;
      rr.reason = e.message;
    }
  }

  // The error of a send in which one copy failed (`e`): when an earlier copy
  // was accepted, or this one's outcome is unknown, say who got it, who did
  // not and who may have, and never call it "safe to retry" (75): a retry
  // would deliver again to whoever already got it.
  Error
  overall_error(Error e) const
  {
    std::vector<std::string> sent;
    std::vector<std::string> unknown;
    std::vector<std::string> failed;
    std::vector<std::string> not_sent;
    for (const auto& rr : m_report.recipients) {
      auto& into = rr.status == "sent"      ? sent
                   : rr.status == "unknown" ? unknown
                   : rr.status == "failed"  ? failed
                                            : not_sent;
      into.push_back(rr.address);
    }
    if (sent.empty() && unknown.empty()) {
      return e; // nothing was or may have been delivered: e as it is
    }
    // The copy's own "nothing was delivered" is not true of the message.
    std::string msg = e.message;
    for (const std::string_view phrase : {"; nothing was sent to anyone",
                                          "; nothing was reported delivered",
                                          "; nothing was delivered",
                                          "; nothing was sent"}) {
      if (const auto at = msg.find(phrase); at != std::string::npos) {
        msg.erase(at, phrase.size());
      }
    }
    if (!sent.empty()) {
      msg += fmt::format("; it WAS delivered to {}", fmt::join(sent, ", "));
    }
    if (!unknown.empty()) {
      msg += fmt::format("; it may have been delivered to {}", fmt::join(unknown, ", "));
    }
    if (!failed.empty()) {
      msg += fmt::format("; it was not delivered to {}", fmt::join(failed, ", "));
    }
    if (!not_sent.empty()) {
      msg += fmt::format("; it was not sent to {}", fmt::join(not_sent, ", "));
    }
    e.message = std::move(msg);
    if (e.code == Errc::temp) {
      e.code = Errc::maybe_delivered;
    }
    std::vector<std::string> redo = failed;
    redo.insert(redo.end(), not_sent.begin(), not_sent.end());
    e.fix = unknown.empty() ? fmt::format(
              "do not resend the whole message; send it again only to "
              "{}",
              fmt::join(redo, ", "))
                            : fmt::format(
                              "check with {} (or the provider's logs) before sending "
                              "again; peermail does not retry it{}",
                              fmt::join(unknown, ", "),
                              redo.empty() ? std::string()
                                           : fmt::format("; to the others ({}) it "
                                                         "can be sent again",
                                                         fmt::join(redo, ", ")));
    return e;
  }
};

} // namespace

Result<void>
validate(const SendRequest& req)
{
  if (req.compose) {
    mime::ComposeRequest c = *req.compose;
    const bool no_from = c.from.empty();
    if (no_from) {
      c.from = "identity@validation.invalid"; // the identity is checked by config::load
    }
    PEERMAIL_TRY(mime::validate(c, req.limits));
    return {};
  }
  const auto check_size = [&req](std::size_t size) -> Result<void> {
    if (size > req.submission.max_bytes) {
      return fail(Errc::data,
                  fmt::format("the message is larger than {} MiB", req.submission.max_bytes >> 20));
    }
    return {};
  };
  if (req.encrypted) {
    PEERMAIL_TRY(check_size(req.encrypted->size()));
    if (req.envelope_to.size() > req.limits.max_recipients) {
      return fail(Errc::data,
                  fmt::format("{} recipients exceed the limit of {}",
                              req.envelope_to.size(),
                              req.limits.max_recipients));
    }
    for (const auto& a : req.envelope_to) {
      PEERMAIL_TRY(mime::parse_address(a, "--to", req.limits));
    }
    return {};
  }
  if (req.raw) {
    PEERMAIL_TRY(check_size(req.raw->size()));
    if (req.submission.full_name && util::has_line_break_or_nul(*req.submission.full_name)) {
      return fail(Errc::data, "-F: the name contains a line break or NUL byte (header injection)");
    }
    for (const auto& a : req.submission.extra_recipients) {
      PEERMAIL_TRY(mime::parse_address(a, "recipient argument"));
    }
    if (req.submission.envelope_from) {
      PEERMAIL_TRY(mime::parse_address(*req.submission.envelope_from, "-f"));
    }
    return {};
  }
  return fail(Errc::usage, "nothing to send");
}

SendReport
run(const config::Config& cfg, const SendRequest& req, const Services& services)
{
  return Run(cfg, req, services).go();
}

} // namespace peermail::send
