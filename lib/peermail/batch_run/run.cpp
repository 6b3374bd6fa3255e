// SPDX-License-Identifier: GPL-3.0-or-later
#include "run.hpp"

#include "reconcile.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/write_ahead.hpp>
#include <peermail/batch/resume.hpp>
#include <peermail/batch/scheduler.hpp>
#include <peermail/batch/source.hpp>
#include <peermail/send/run_record.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>

namespace peermail::batch_run {

namespace {

constexpr int k_ok = 0;
constexpr int k_tempfail = 75; // DESIGN.md §3: a rerun may fix it
constexpr std::string_view k_smime = "S/MIME";
constexpr std::string_view k_openpgp = "OpenPGP";

class Run
{
public:
  Run(const config::Config& cfg,
      const Request& req,
      const send::Services& services,
      const std::function<int(Errc)>& exit_code,
      const Events& events)
    : m_cfg(cfg),
      m_req(req),
      m_services(services),
      m_exit_code(exit_code),
      m_events(events)
  {
  }

  Report
  go()
  {
    auto input = batch::load_input(m_req.recipients,
                                   m_req.template_path,
                                   m_cfg.identity.signing_key + "\n" + m_cfg.identity.from);
    if (!input) {
      failed(input.error());
      return std::move(m_report);
    }
    m_input = std::move(*input);
    for (const auto& row : m_input.rows) {
      if (!row.email.empty()
          && batch::shard_of(row.email, m_req.shard.count) == m_req.shard.index) {
        m_rows.push_back(&row);
      }
    }
    m_report.tally.total = m_rows.size();
    if (!preflight()) {
      return std::move(m_report);
    }
    tally().total = m_rows.size() + m_invalid.size(); // rows skipped as invalid included
    send();
    return std::move(m_report);
  }

private:
  const config::Config& m_cfg;
  const Request& m_req;
  const send::Services& m_services;
  const std::function<int(Errc)>& m_exit_code;
  const Events& m_events;
  Report m_report;
  int m_resume_worst = 0; // unknown outcomes of earlier runs (never resent)
  batch::Input m_input;
  std::vector<const batch::Row*> m_rows; // this shard's rows
  batch::SignerKeys m_signer;
  // S/MIME peers' rows (issue 17): gpgsm judges their certificates in
  // preflight; identity.smime_cert signs them.
  std::set<std::string> m_smime_rows;
  std::unique_ptr<protect::SmimeProtector> m_smime;
  protect::SmimeIdentity m_smime_signing;
  std::map<std::string, crypto::KeyJudgement> m_keys;
  std::vector<batch::Problem> m_unready;
  std::vector<batch::Problem> m_invalid; // rows skipped with --skip-invalid
  std::optional<config::Credentials> m_credentials;

  Tally&
  tally()
  {
    return m_report.tally;
  }

  void
  failed(const Error& e)
  {
    m_report.kind = Report::Kind::failed;
    m_report.exit_code = m_exit_code(e.code);
    m_report.error = e;
  }

  void
  warn(const std::string& w) const
  {
    if (m_events.warning) {
      m_events.warning(w);
    }
  }

  void
  recipient(const RecipientEvent& e) const
  {
    if (m_events.recipient) {
      m_events.recipient(e);
    }
  }

  void
  progress(bool force = false)
  {
    if (m_events.progress) {
      m_events.progress(tally(), force);
    }
  }

  std::string
  exit_name(Errc c) const
  {
    return m_services.exit_name ? m_services.exit_name(c) : std::string(to_string(c));
  }

  std::string
  domain() const
  {
    return address::domain_of(m_cfg.identity.address);
  }

  // How `email` reads mail, as its events name it.
  std::string
  protocol_of(const std::string& email) const
  {
    return std::string(m_smime_rows.count(email) != 0 ? k_smime : k_openpgp);
  }

  std::string
  make_id(const std::string& email) const
  {
    return batch::deterministic_message_id(m_input.batch_key, email, domain());
  }

  Result<std::string>
  render(const batch::Row& row, const std::string& message_id) const
  {
    PEERMAIL_TRY_ASSIGN(auto text, m_input.render(row));
    return batch::personal_message(text, row.email, message_id, m_cfg.identity);
  }

  void
  audit_refusal(const std::vector<batch::Problem>& problems)
  {
    audit::Record r = send::run_record(m_cfg, "refusal", "", m_cfg.identity.signing_key);
    r.outcome = "refused";
    std::set<std::string> seen;
    for (const auto& p : problems) {
      if (!p.email.empty() && seen.insert(p.email).second) {
        r.recipients.push_back(p.email);
      }
      if (r.check_id.empty()) {
        r.check_id = p.error.check_id;
        r.exit_code = exit_name(p.error.code);
      }
    }
    if (auto a = m_services.append_audit(m_cfg.audit.path, r); !a) {
      warn(fmt::format("the refusal could not be audited: {}", a.error().message));
    }
  }

  void
  refuse(std::vector<batch::Problem> problems)
  {
    m_report.kind = Report::Kind::refused;
    m_report.exit_code = refusal_exit(problems, m_exit_code);
    m_report.problems = std::move(problems);
  }

  // Validate the whole batch. Return false when it must not start (the
  // report says why).
  bool
  preflight()
  {
    std::vector<batch::Problem> problems = m_input.problems;
    bool audit_ok = true;
    if (auto w = m_services.check_audit_writable(m_cfg.audit.path); !w) {
      Error e = w.error();
      e.check_id = e.check_id.empty() ? "AUD-04" : e.check_id;
      problems.push_back({0, "", e});
      audit_ok = false;
    }
    auto keyring = m_services.open_keyring(m_req.gnupg_home);
    if (!keyring) {
      failed(keyring.error());
      return false;
    }
    auto signer = batch::judge_signer(m_cfg, **keyring);
    if (!signer) {
      if (signer.error().code != Errc::no_key) {
        failed(signer.error());
        return false;
      }
      problems.push_back({0, "", signer.error()});
    } else {
      m_signer = std::move(*signer);
      for (const auto& w : m_signer.warnings) {
        warn(w);
      }
    }
    std::vector<std::string> emails;
    std::map<std::string, std::size_t> first_line;
    for (const auto* row : m_rows) {
      auto [it, fresh] = first_line.emplace(row->email, row->line);
      if (!fresh) {
        problems.push_back(
          {row->line,
           row->email,
           Error(
             Errc::data,
             fmt::format("{} is listed twice (lines {} and {})", row->email, it->second, row->line),
             "",
             "remove the duplicate row"),
           false,
           true});
        continue;
      }
      emails.push_back(row->email);
      if (protect::reads_smime(m_cfg, row->email)) {
        m_smime_rows.insert(row->email);
      }
    }
    if (!m_smime_rows.empty() && !smime_preflight(problems)) {
      return false;
    }
    auto judged = batch::judge_recipients(m_cfg, **keyring, emails, m_smime.get());
    if (!judged) {
      failed(judged.error());
      return false;
    }
    m_keys = std::move(*judged);
    std::set<std::size_t> bad_lines;
    for (const auto& p : m_input.problems) {
      if (!p.in_template && p.line != 0) {
        bad_lines.insert(p.line);
      }
    }
    std::set<std::string> warned;
    for (const auto* row : m_rows) {
      // An S/MIME row goes unjudged only when the batch is refused anyway.
      const auto judged_row = m_keys.find(row->email);
      const crypto::KeyJudgement unjudged;
      const auto& j = judged_row == m_keys.end() ? unjudged : judged_row->second;
      if (judged_row != m_keys.end() && !j.ok()) {
        if (warned.insert(row->email).second) {
          batch::Problem p{row->line,
                           row->email,
                           Error(Errc::no_key,
                                 fmt::format("no usable key for {}: {}", row->email, j.reason),
                                 j.check_id,
                                 j.fix)};
          m_unready.push_back(p);
        }
        continue;
      }
      for (const auto& w : j.warnings) {
        if (warned.insert(row->email).second) {
          warn(fmt::format("{}: {}", row->email, w));
        }
      }
      // Render now so that every template problem is known before sending
      // (rows the data layer already faulted are not reported twice).
      if (bad_lines.count(row->line) != 0) {
        continue;
      }
      auto msg = render(*row, make_id(row->email));
      if (!msg) {
        problems.push_back({row->line, row->email, msg.error(), false, true});
      }
    }
    if (m_req.skip_invalid) {
      skip_invalid_rows(problems);
    }
    const bool data_problems = !problems.empty();
    if (data_problems || (!m_unready.empty() && !m_req.skip_unready)) {
      problems.insert(problems.end(), m_unready.begin(), m_unready.end());
      if (audit_ok) {
        audit_refusal(problems);
      }
      refuse(std::move(problems));
      return false;
    }
    // The offline checklist, as in send: after the keys, before any connection.
    if (auto c = m_services.offline_checklist(m_cfg, m_req.gnupg_home, m_req.env); !c) {
      std::vector<batch::Problem> gate{
        {0, "", c.error()}
      };
      audit_refusal(gate);
      refuse(std::move(gate));
      return false;
    }
    return true;
  }

  // S/MIME rows (issue 17), before their certificates are judged: gpgsm is
  // opened and identity.smime_cert judged for signing (protect/smime.hpp, as
  // send does); what is wrong is added to `problems` (78 when the setting
  // is unset, 67 when the certificate is unusable). Return false when the
  // run failed (gpgsm could not judge).
  bool
  smime_preflight(std::vector<batch::Problem>& problems)
  {
    if (m_cfg.identity.smime_cert.empty()) {
      const std::vector<std::string> smime(m_smime_rows.begin(), m_smime_rows.end());
      problems.push_back({0, "", protect::no_smime_cert_error(smime)});
    }
    if (!m_services.make_smime) {
      failed(Error(Errc::internal, "no S/MIME service"));
      return false;
    }
    auto made = m_services.make_smime(m_cfg, m_req.gnupg_home);
    if (!made) {
      problems.push_back({0, "", made.error()});
      return true;
    }
    m_smime = std::move(*made);
    if (m_cfg.identity.smime_cert.empty()) {
      return true;
    }
    auto signing = protect::judge_smime_identity(
      *m_smime, m_cfg, peermail::protect::key_policy(m_cfg), true, true);
    if (!signing) {
      if (signing.error().code != Errc::no_key) {
        failed(signing.error());
        return false;
      }
      problems.push_back({0, "", signing.error()});
      return true;
    }
    m_smime_signing = std::move(*signing);
    for (const auto& w : m_smime_signing.warnings) {
      warn(w);
    }
    return true;
  }

  // --skip-invalid: when every problem in `problems` is a row's own
  // (batch::Problem::row) and some row of the file stays valid, move them to
  // m_invalid and drop their rows from this run; otherwise leave them (the
  // batch is refused with all of them).
  void
  skip_invalid_rows(std::vector<batch::Problem>& problems)
  {
    const bool all_rows =
      std::all_of(problems.begin(), problems.end(), [](const auto& p) { return p.row; });
    if (problems.empty() || !all_rows) {
      return;
    }
    std::set<std::size_t> lines;
    for (const auto& p : problems) {
      lines.insert(p.line);
    }
    const bool any_valid =
      std::any_of(m_input.rows.begin(), m_input.rows.end(), [&lines](const auto& r) {
        return lines.count(r.line) == 0;
      });
    if (!any_valid) {
      return; // nothing valid left to send: refused as without the flag
    }
    auto skipped = [&lines](std::size_t line) { return lines.count(line) != 0; };
    m_rows.erase(std::remove_if(m_rows.begin(),
                                m_rows.end(),
                                [&skipped](const batch::Row* r) { return skipped(r->line); }),
                 m_rows.end());
    m_unready.erase(std::remove_if(m_unready.begin(),
                                   m_unready.end(),
                                   [&skipped](const batch::Problem& p) { return skipped(p.line); }),
                    m_unready.end());
    std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
      return a.line < b.line;
    });
    // One report per row: the problems of a row in one message.
    for (auto& p : problems) {
      if (!m_invalid.empty() && m_invalid.back().line == p.line) {
        auto& e = m_invalid.back().error;
        e.message = fmt::format("{}; {}", e.message, p.error.message);
        continue;
      }
      m_invalid.push_back(std::move(p));
    }
    problems.clear();
  }

  Result<void>
  resolve_login()
  {
    const auto& account = m_cfg.account();
    const bool needs_login = !account.password_command.empty() || !account.password_env.empty()
                             || !account.oauth2_token_command.empty();
    if (needs_login) {
      PEERMAIL_TRY_ASSIGN(auto creds, m_services.resolve_credentials(account, m_req.env));
      m_credentials = std::move(creds);
    }
    return {};
  }

  // The audit record of `o` without its outcome.
  audit::Record
  batch_record(const batch::Outcome& o) const
  {
    audit::Record r = send::run_record(m_cfg, "batch", o.message_id, m_signer.signer_fpr);
    if (!o.email.empty()) { // an invalid row whose address is what is wrong has none
      r.recipients = {o.email};
    }
    r.recipient_fprs = o.recipient_fprs;
    if (o.smime) { // as send's copy_record
      r.protocol = std::string(k_smime);
      r.signer_fpr = m_smime_signing.signer_fpr;
    }
    r.hash_algo = o.hash_algo;
    r.content_sha256 = o.content_sha256;
    return r;
  }

  // Write-ahead: the "pending" record of `o`, before it is submitted. Called
  // from worker threads (the audit log locks each append).
  Result<std::uint64_t>
  audit_pending(const batch::Outcome& o) const
  {
    audit::Record r = batch_record(o);
    r.outcome = std::string(audit::k_outcome_pending);
    auto seq = m_services.append_audit(m_cfg.audit.path, r);
    if (!seq) {
      return unexpected(audit::pending_not_written(seq.error()));
    }
    return *seq;
  }

  Result<void>
  audit_outcome(const batch::Outcome& o)
  {
    audit::Record r = batch_record(o);
    r.pending_seq = o.pending_seq;
    r.smtp_code = o.smtp_code;
    if (o.tls && !o.tls->version.empty()) {
      r.tls_version = o.tls->version;
      r.tls_cipher = o.tls->cipher;
      r.tls_peer_cert_sha256 = o.tls->peer_cert_sha256;
    }
    if (o.status == "sent") {
      r.outcome = "sent";
    } else if (o.status == "would-send") {
      r.outcome = "dry-run";
    } else if (o.status == "unready" || o.status == "invalid") {
      r.outcome = "refused";
    } else if (o.status == "unknown") {
      r.outcome = "unknown"; // no reply to the final "."
    } else if (o.status == "interrupted") {
      r.outcome = "interrupted"; // aborted before the final ".": not delivered
    } else {
      r.outcome = o.error && o.error->code == Errc::temp ? "tempfail" : "failed";
    }
    if (o.error) {
      r.check_id = o.error->check_id;
      r.exit_code = exit_name(o.error->code);
    }
    if (auto a = m_services.append_audit(m_cfg.audit.path, r); !a) {
      if (o.status == "sent" && o.pending_seq) {
        return unexpected(audit::outcome_not_written(a.error(), *o.pending_seq));
      }
      return unexpected(a.error());
    }
    return {};
  }

  // The journal: who already got it, and each Message-ID stored before
  // anything is sent. Empty on a dry run.
  Result<std::map<std::string, batch::ResumeEntry>>
  plan_journal(std::unique_ptr<batch::Resume>& journal)
  {
    if (m_req.dry_run) {
      return std::map<std::string, batch::ResumeEntry>{};
    }
    std::vector<std::string> ready;
    for (const auto* row : m_rows) {
      if (m_keys.at(row->email).ok()) {
        ready.push_back(row->email);
      }
    }
    const auto path =
      m_req.journal.empty() ? default_journal(m_req.recipients, m_req.shard) : m_req.journal;
    PEERMAIL_TRY_ASSIGN(journal, batch::open_resume(path, m_input.batch_key));
    PEERMAIL_TRY_ASSIGN(auto entries,
                        journal->plan(ready, [this](const std::string& e) { return make_id(e); }));
    PEERMAIL_TRY(resolve_earlier(entries));
    return entries;
  }

  // Resume: the pending audit records an earlier run left without an
  // outcome get one from the journal (reconcile.hpp).
  Result<void>
  resolve_earlier(const std::map<std::string, batch::ResumeEntry>& entries)
  {
    const bool resumed = std::any_of(entries.begin(), entries.end(), [](const auto& kv) {
      const auto& e = kv.second;
      return e.sent || e.unknown || e.failed || e.attempts > 0;
    });
    if (!resumed || !m_services.append_audit) {
      return {};
    }
    const audit::Record base = send::run_record(m_cfg, "", "", m_signer.signer_fpr);
    PEERMAIL_TRY_ASSIGN(
      tally().resolved,
      resolve_pending(m_cfg.audit.path, entries, base, [this](const audit::Record& r) {
        return m_services.append_audit(m_cfg.audit.path, r);
      }));
    return {};
  }

  // The jobs of this run; recipients the journal says got theirs are
  // reported as "already-sent".
  Result<std::vector<batch::Job>>
  make_jobs(const std::map<std::string, batch::ResumeEntry>& entries)
  {
    std::vector<batch::Job> jobs;
    std::set<std::string> queued;
    for (const auto* row : m_rows) {
      const auto& judgement = m_keys.at(row->email);
      if (!judgement.ok() || !queued.insert(row->email).second) {
        continue;
      }
      batch::Job job;
      job.index = row->line;
      job.email = row->email;
      job.message_id = make_id(row->email);
      if (auto it = entries.find(row->email); it != entries.end()) {
        if (it->second.sent) {
          ++tally().already_sent;
          recipient({row->email,
                     "already-sent",
                     it->second.message_id,
                     std::nullopt,
                     it->second.attempts,
                     std::nullopt,
                     k_ok,
                     0,
                     protocol_of(row->email)});
          continue;
        }
        if (it->second.unknown) { // never resent automatically (journal.hpp)
          ++tally().unknown;
          const int code = m_exit_code(Errc::maybe_delivered);
          m_resume_worst = worse_exit(m_resume_worst, code);
          recipient({row->email,
                     "unknown",
                     it->second.message_id,
                     std::nullopt,
                     it->second.attempts,
                     Error(Errc::maybe_delivered,
                           "an earlier run got no reply to the final \".\" of its message, "
                           "or stopped while submitting it: it may have been delivered; not "
                           "sent again",
                           "",
                           "check with the recipient before sending it again"),
                     code,
                     0,
                     protocol_of(row->email)});
          continue;
        }
        job.message_id = it->second.message_id;
      }
      // Rendered in preflight already; only a changed journal fails here.
      PEERMAIL_TRY_ASSIGN(job.message, render(*row, job.message_id));
      job.recipient_fprs.push_back(judgement.key ? judgement.key->fingerprint : "");
      job.smime = m_smime_rows.count(row->email) != 0;
      for (const auto& f : job.smime ? m_smime_signing.extra_fprs : m_signer.extra_fprs) {
        if (f != job.recipient_fprs.front()) {
          job.recipient_fprs.push_back(f);
        }
      }
      jobs.push_back(std::move(job));
    }
    return jobs;
  }

  batch::Options
  scheduler_options() const
  {
    batch::Options opts;
    opts.workers = std::max(1U, m_req.workers);
    opts.rate_per_minute = m_req.rate_per_minute;
    opts.max_attempts = m_req.max_attempts;
    opts.dry_run = m_req.dry_run;
    opts.mail_from = m_cfg.identity.address;
    opts.signer_fpr = m_signer.signer_fpr;
    opts.smime_signer_fpr = m_smime_signing.signer_fpr;
    opts.protect_subject = m_cfg.policy.protect_subject;
    opts.cancel = m_req.cancel;
    if (m_req.backoff) {
      opts.backoff = *m_req.backoff;
    }
    return opts;
  }

  // The exit code of one scheduler outcome, counted in the tally.
  int
  count(const batch::Outcome& o)
  {
    if (o.status == "sent" || o.status == "would-send") {
      ++tally().sent;
      return k_ok;
    }
    if (o.status == "failed") {
      ++tally().failed;
      return m_exit_code(o.error ? o.error->code : Errc::internal);
    }
    if (o.status == "unknown") {
      ++tally().unknown;
      return m_exit_code(Errc::maybe_delivered);
    }
    if (o.status == "interrupted") {
      ++tally().interrupted;
      return m_exit_code(Errc::canceled);
    }
    ++tally().not_sent;
    return o.error ? m_exit_code(o.error->code) : k_tempfail;
  }

  void
  send()
  {
    int worst = k_ok;
    // Unready recipients skipped with --skip-unready: reported and audited.
    for (const auto& p : m_unready) {
      ++tally().unready;
      const int code = m_exit_code(Errc::no_key);
      worst = worse_exit(worst, code);
      batch::Outcome o;
      o.email = p.email;
      o.smime = m_smime_rows.count(p.email) != 0;
      o.status = "unready";
      o.error = p.error;
      if (auto a = audit_outcome(o); !a) {
        failed(a.error());
        return;
      }
      recipient(
        {p.email, "unready", "", std::nullopt, 0, p.error, code, p.line, protocol_of(p.email)});
    }
    // Rows skipped with --skip-invalid: reported with their line, audited
    // without their values (the address only when it is a valid one).
    for (const auto& p : m_invalid) {
      ++tally().invalid;
      const int code = m_exit_code(p.error.code);
      worst = worse_exit(worst, code);
      batch::Outcome o;
      o.email = p.email;
      o.status = "invalid";
      o.error = p.error;
      if (auto a = audit_outcome(o); !a) {
        failed(a.error());
        return;
      }
      recipient({p.email, "invalid", "", std::nullopt, 0, p.error, code, p.line, ""});
    }

    std::unique_ptr<batch::Resume> journal;
    auto entries = plan_journal(journal);
    if (!entries) {
      failed(entries.error());
      return;
    }
    auto jobs = make_jobs(*entries);
    if (!jobs) {
      failed(jobs.error());
      return;
    }
    worst = worse_exit(worst, m_resume_worst);
    tally().to_send = jobs->size();
    if (!jobs->empty() && !m_req.dry_run) {
      if (auto l = resolve_login(); !l) {
        failed(l.error());
        return;
      }
    }

    batch::Hooks hooks;
    hooks.make_protector = [this]() { return m_services.make_protector(m_req.gnupg_home); };
    hooks.make_smime = [this]() -> Result<std::unique_ptr<protect::SmimeProtector>> {
      if (!m_services.make_smime) {
        return fail(Errc::internal, "no S/MIME service");
      }
      return m_services.make_smime(m_cfg, m_req.gnupg_home);
    };
    hooks.make_transport = [this]() {
      transport::SessionOptions so;
      so.account = m_cfg.account();
      so.credentials = m_credentials;
      so.cancel = m_req.cancel;
      return m_services.make_transport(std::move(so));
    };
    hooks.before_submit = [this, &journal](const batch::Outcome& o) -> Result<std::uint64_t> {
      PEERMAIL_TRY_ASSIGN(auto seq, audit_pending(o));
      if (journal) {
        PEERMAIL_TRY(journal->in_flight(o));
      }
      return seq;
    };
    hooks.on_outcome = [&](const batch::Outcome& o) -> Result<void> {
      const int code = count(o);
      worst = worse_exit(worst, code);
      recipient({o.email,
                 o.status,
                 o.message_id,
                 o.smtp_code,
                 o.attempts,
                 o.error,
                 code,
                 0,
                 protocol_of(o.email)});
      if (o.status == "not-sent") {
        return {};
      }
      if (journal) {
        PEERMAIL_TRY(journal->record(o));
      }
      PEERMAIL_TRY(audit_outcome(o));
      progress();
      return {};
    };
    hooks.on_progress = [&]() { progress(); };

    const auto summary =
      jobs->empty() ? batch::Summary{} : batch::run(*jobs, scheduler_options(), hooks);
    if (summary.stopped) {
      worst = worse_exit(worst, m_exit_code(summary.stopped->code));
      progress(true);
      m_report.stopped = summary.stopped;
    }
    tally().worst = worst;
    m_report.kind = Report::Kind::finished;
    m_report.exit_code = worst;
  }
};

} // namespace

Result<double>
parse_rate(const std::string& text)
{
  if (text.empty()) {
    return 0.0;
  }
  const auto slash = text.find('/');
  const std::string num = text.substr(0, slash);
  const std::string unit = slash == std::string::npos ? "min" : text.substr(slash + 1);
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(num, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  double factor = 0;
  if (unit == "min" || unit == "m") {
    factor = 1;
  } else if (unit == "s" || unit == "sec") {
    factor = 60;
  } else if (unit == "h" || unit == "hour") {
    factor = 1.0 / 60;
  }
  if (used != num.size() || num.empty() || !(v > 0) || factor == 0) {
    return fail(Errc::usage,
                fmt::format("--rate {}: expected a positive number per minute, e.g. 120/min", text),
                "",
                "write --rate N/min (or N/s, N/h)");
  }
  return v * factor;
}

Result<Shard>
parse_shard(const std::string& text)
{
  if (text.empty()) {
    return Shard{};
  }
  const auto slash = text.find('/');
  std::size_t i = 0;
  std::size_t n = 0;
  bool ok = slash != std::string::npos;
  if (ok) {
    const auto* b = text.data();
    auto r1 = std::from_chars(b, b + slash, i);
    auto r2 = std::from_chars(b + slash + 1, b + text.size(), n);
    ok = r1.ec == std::errc() && r1.ptr == b + slash && r2.ec == std::errc()
         && r2.ptr == b + text.size() && n >= 1 && i >= 1 && i <= n;
  }
  if (!ok) {
    return fail(Errc::usage,
                fmt::format("--shard {}: expected I/N with 1 <= I <= N, e.g. 2/4", text),
                "",
                "give --shard I/N");
  }
  return Shard{i - 1, n};
}

std::string
default_journal(const std::string& recipients, const Shard& shard)
{
  if (shard.count <= 1) {
    return recipients + ".journal";
  }
  return fmt::format("{}.shard-{}-of-{}.journal", recipients, shard.index + 1, shard.count);
}

int
worse_exit(int a, int b)
{
  if (a == k_ok || b == k_ok) {
    return a == k_ok ? b : a;
  }
  if (a == k_tempfail || b == k_tempfail) {
    return a == k_tempfail ? b : a;
  }
  return a > b ? a : b;
}

int
refusal_exit(const std::vector<batch::Problem>& problems, const std::function<int(Errc)>& exit_code)
{
  // Fix the input first: a bad row or template is 65 whatever else is wrong.
  const bool data = std::any_of(
    problems.begin(), problems.end(), [](const auto& p) { return p.error.code == Errc::data; });
  if (data) {
    return exit_code(Errc::data);
  }
  for (const auto& p : problems) {
    if (p.error.code != Errc::no_key) {
      return exit_code(p.error.code);
    }
  }
  return exit_code(Errc::no_key);
}

Report
run(const config::Config& cfg,
    const Request& req,
    const send::Services& services,
    const std::function<int(Errc)>& exit_code,
    const Events& events)
{
  if (req.max_attempts < 1 || req.max_attempts > 20) {
    Report r;
    r.kind = Report::Kind::failed;
    r.error = Error(Errc::usage, "--max-attempts must be between 1 and 20");
    r.exit_code = exit_code(Errc::usage);
    return r;
  }
  return Run(cfg, req, services, exit_code, events).go();
}

} // namespace peermail::batch_run
