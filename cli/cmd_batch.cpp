// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail batch`: templated, personal, signed and encrypted notifications to
// many recipients, resumable through a durable journal (docs/DESIGN.md §2.2).
//
//   load config → read recipients + template (every problem collected) →
//   select the shard → judge the signing key, encrypt-to-self and every
//   recipient key once → render every personal message → refuse (65/67) or
//   go on → journal: skip who already got it, store each Message-ID before
//   sending → scheduler (N workers, own Protector + SMTP session each) →
//   journal + audit + output per recipient → summary → worst exit code.
#include "app.hpp"
#include "batch_report.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/write_ahead.hpp>
#include <peermail/batch/preflight.hpp>
#include <peermail/batch/resume.hpp>
#include <peermail/batch/scheduler.hpp>
#include <peermail/batch/source.hpp>
#include <peermail/pipeline.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <map>
#include <set>
#include <thread>

namespace peermail::cli {

namespace {

struct BatchOptions
{
  std::string recipients;    // --recipients
  std::string template_path; // --template
  std::string journal;       // --journal ("" = derived)
  bool dry_run = false;
  unsigned workers = 0; // 0 = hardware threads
  std::string rate;     // "N/min", "N/s", "N/h", "N"
  int max_attempts = 3;
  std::string shard; // "I/N", 1 <= I <= N
  bool skip_unready = false;
};

struct Shard
{
  std::size_t index = 0; // 0-based
  std::size_t count = 1;
};

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

// The default journal: next to the recipients file, named after it (and the
// shard), so that rerunning the same command finds it.
std::string
default_journal(const std::string& recipients, const Shard& shard)
{
  if (shard.count <= 1) {
    return recipients + ".journal";
  }
  return fmt::format("{}.shard-{}-of-{}.journal", recipients, shard.index + 1, shard.count);
}

std::string
problem_text(const BatchOptions& o, const batch::Problem& p)
{
  std::string where;
  if (p.line != 0) {
    where = fmt::format("{}:{}: ", p.in_template ? o.template_path : o.recipients, p.line);
  } else if (p.in_template) {
    where = fmt::format("{}: ", o.template_path);
  }
  if (!p.email.empty() && p.error.message.find(p.email) == std::string::npos) {
    where += p.email + ": ";
  }
  return where + p.error.message;
}

// Print every problem and return the exit code: 65 when any is about the
// input data, else 67 (keys).
int
report_problems(const GlobalOptions& g,
                const BatchOptions& o,
                const std::vector<batch::Problem>& problems)
{
  int code = k_ok;
  bool data = false;
  for (const auto& p : problems) {
    if (p.error.code == Errc::data) {
      data = true;
    }
    code = code == k_ok ? exit_code(p.error.code) : code;
  }
  // Fix the input first: a bad row or template is 65 whatever else is wrong.
  if (data) {
    code = k_dataerr;
  } else {
    code = k_nouser;
    for (const auto& p : problems) {
      if (p.error.code != Errc::no_key) {
        code = exit_code(p.error.code);
        break;
      }
    }
  }
  if (g.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) {
      list.push_back({
        {"line",     p.line                              },
        {"email",    p.email                             },
        {"kind",     std::string(to_string(p.error.code))},
        {"message",  p.error.message                     },
        {"check_id", p.error.check_id                    },
        {"fix",      p.error.fix                         }
      });
    }
    print_json(nlohmann::json({
      {"ok",        false},
      {"exit_code", code },
      {"problems",  list }
    }));
  }
  std::set<std::string> fixes;
  for (const auto& p : problems) {
    std::string line = fmt::format("peermail: error: {}", problem_text(o, p));
    if (!p.error.check_id.empty()) {
      line += fmt::format(" [{}]", p.error.check_id);
    }
    fmt::print(stderr, "{}\n", line);
    if (!p.error.fix.empty() && fixes.insert(p.error.fix).second && fixes.size() <= 5) {
      fmt::print(stderr, "peermail: fix: {}\n", p.error.fix);
    }
  }
  fmt::print(stderr,
             "peermail: error: {} problem{} in the batch; nothing was sent\n",
             problems.size(),
             problems.size() == 1 ? "" : "s");
  return code;
}

class BatchRun
{
public:
  BatchRun(const GlobalOptions& g, const BatchOptions& o)
    : m_g(g),
      m_o(o),
      m_services(pipeline::default_services())
  {
    m_services.exit_name = [](Errc c) { return std::string(exit_code_name(exit_code(c))); };
  }

  int
  go()
  {
    auto rate = parse_rate(m_o.rate);
    if (!rate) {
      return print_error(rate.error());
    }
    auto shard = parse_shard(m_o.shard);
    if (!shard) {
      return print_error(shard.error());
    }
    if (m_o.max_attempts < 1 || m_o.max_attempts > 20) {
      return print_error(Error(Errc::usage, "--max-attempts must be between 1 and 20"));
    }
    auto cfg = m_g.load_config();
    if (!cfg) {
      return print_error(cfg.error());
    }
    m_cfg = std::move(*cfg);
    auto input = batch::load_input(
      m_o.recipients, m_o.template_path, m_cfg.identity.signing_key + "\n" + m_cfg.identity.from);
    if (!input) {
      return print_error(input.error());
    }
    m_input = std::move(*input);
    for (const auto& row : m_input.rows) {
      if (!row.email.empty() && batch::shard_of(row.email, shard->count) == shard->index) {
        m_rows.push_back(&row);
      }
    }
    m_tally.total = m_rows.size();
    if (auto r = preflight(); r != k_ok) {
      return r;
    }
    return send(*shard, *rate);
  }

private:
  const GlobalOptions& m_g;
  const BatchOptions& m_o;
  pipeline::Services m_services;
  config::Config m_cfg;
  batch::Input m_input;
  std::vector<const batch::Row*> m_rows; // this shard's rows
  batch::SignerKeys m_signer;
  std::map<std::string, crypto::KeyJudgement> m_keys;
  std::vector<batch::Problem> m_unready;
  std::optional<config::Credentials> m_credentials;
  BatchTally m_tally;

  std::string
  domain() const
  {
    const auto at = m_cfg.identity.address.rfind('@');
    return at == std::string::npos ? "localhost" : m_cfg.identity.address.substr(at + 1);
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
    audit::Record r;
    r.action = "refusal";
    r.outcome = "refused";
    r.user = m_cfg.identity.user_id;
    r.signer_fpr = m_cfg.identity.signing_key;
    r.config_sha256 = m_cfg.sha256;
    std::set<std::string> seen;
    for (const auto& p : problems) {
      if (!p.email.empty() && seen.insert(p.email).second) {
        r.recipients.push_back(p.email);
      }
      if (r.check_id.empty()) {
        r.check_id = p.error.check_id;
        r.exit_code = std::string(exit_code_name(exit_code(p.error.code)));
      }
    }
    if (auto a = m_services.append_audit(m_cfg.audit.path, r); !a) {
      print_warn(fmt::format("the refusal could not be audited: {}", a.error().message));
    }
  }

  // Validate the whole batch; print every problem and return 65/67/… when
  // the batch must not start, else 0.
  int
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
    auto keyring = m_services.open_keyring(m_g.gnupg_home_dir());
    if (!keyring) {
      return print_error(keyring.error());
    }
    auto signer = batch::judge_signer(m_cfg, **keyring);
    if (!signer) {
      if (signer.error().code != Errc::no_key) {
        return print_error(signer.error());
      }
      problems.push_back({0, "", signer.error()});
    } else {
      m_signer = std::move(*signer);
      for (const auto& w : m_signer.warnings) {
        print_warn(w);
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
             "remove the duplicate row")});
        continue;
      }
      emails.push_back(row->email);
    }
    auto judged = batch::judge_recipients(m_cfg, **keyring, emails);
    if (!judged) {
      return print_error(judged.error());
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
      const auto& j = m_keys.at(row->email);
      if (!j.ok()) {
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
          print_warn(fmt::format("{}: {}", row->email, w));
        }
      }
      // Render now so that every template problem is known before sending
      // (rows the data layer already faulted are not reported twice).
      if (bad_lines.count(row->line) != 0) {
        continue;
      }
      auto msg = render(*row, make_id(row->email));
      if (!msg) {
        problems.push_back({row->line, row->email, msg.error()});
      }
    }
    const bool data_problems = !problems.empty();
    if (data_problems || (!m_unready.empty() && !m_o.skip_unready)) {
      problems.insert(problems.end(), m_unready.begin(), m_unready.end());
      if (audit_ok) {
        audit_refusal(problems);
      }
      return report_problems(m_g, m_o, problems);
    }
    // The offline checklist, as in send: after the keys, before any connection.
    if (auto c = m_services.offline_checklist(m_cfg, m_g.gnupg_home_dir(), m_g.env); !c) {
      std::vector<batch::Problem> gate{
        {0, "", c.error()}
      };
      audit_refusal(gate);
      return report_problems(m_g, m_o, gate);
    }
    return k_ok;
  }

  Result<void>
  resolve_login()
  {
    const auto& account = m_cfg.account();
    const bool needs_login = !account.password_command.empty() || !account.password_env.empty()
                             || !account.oauth2_token_command.empty();
    if (needs_login) {
      PEERMAIL_TRY_ASSIGN(auto creds, m_services.resolve_credentials(account, m_g.env));
      m_credentials = std::move(creds);
    }
    return {};
  }

  // The audit record of `o` without its outcome.
  audit::Record
  batch_record(const batch::Outcome& o) const
  {
    audit::Record r;
    r.action = "batch";
    r.message_id = o.message_id;
    r.recipients = {o.email};
    r.recipient_fprs = o.recipient_fprs;
    r.signer_fpr = m_signer.signer_fpr;
    r.hash_algo = o.hash_algo;
    r.content_sha256 = o.content_sha256;
    r.config_sha256 = m_cfg.sha256;
    r.user = m_cfg.identity.user_id;
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
  audit_outcome(const batch::Outcome& o, int code)
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
    } else if (o.status == "unready") {
      r.outcome = "refused";
    } else if (o.status == "unknown") {
      r.outcome = "unknown"; // no reply to the final "."
    } else {
      r.outcome = o.error && o.error->code == Errc::temp ? "tempfail" : "failed";
    }
    if (o.error) {
      r.check_id = o.error->check_id;
      r.exit_code = std::string(exit_code_name(code));
    }
    if (auto a = m_services.append_audit(m_cfg.audit.path, r); !a) {
      if (o.status == "sent" && o.pending_seq) {
        return unexpected(audit::outcome_not_written(a.error(), *o.pending_seq));
      }
      return unexpected(a.error());
    }
    return {};
  }

  int
  send(const Shard& shard, double rate)
  {
    const bool progress = stderr_is_tty() && !m_g.quiet;
    BatchReporter out(m_g.json, progress, m_o.dry_run);
    int worst = k_ok;

    // Unready recipients skipped with --skip-unready: reported and audited.
    for (const auto& p : m_unready) {
      ++m_tally.unready;
      worst = worse_exit(worst, k_nouser);
      batch::Outcome o;
      o.email = p.email;
      o.status = "unready";
      o.error = p.error;
      if (auto a = audit_outcome(o, k_nouser); !a) {
        return print_error(a.error());
      }
      out.recipient(p.email, "unready", "", std::nullopt, 0, p.error, k_nouser);
    }

    // The journal: who already got it, and each Message-ID stored before
    // anything is sent.
    std::unique_ptr<batch::Resume> journal;
    std::map<std::string, batch::ResumeEntry> entries;
    std::vector<std::string> ready;
    for (const auto* row : m_rows) {
      if (m_keys.at(row->email).ok()) {
        ready.push_back(row->email);
      }
    }
    if (!m_o.dry_run) {
      const auto path = m_o.journal.empty() ? default_journal(m_o.recipients, shard) : m_o.journal;
      auto j = batch::open_resume(path, m_input.batch_key);
      if (!j) {
        return print_error(j.error());
      }
      journal = std::move(*j);
      auto planned = journal->plan(ready, [this](const std::string& e) { return make_id(e); });
      if (!planned) {
        return print_error(planned.error());
      }
      entries = std::move(*planned);
    }

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
          ++m_tally.already_sent;
          out.recipient(row->email,
                        "already-sent",
                        it->second.message_id,
                        std::nullopt,
                        it->second.attempts,
                        std::nullopt,
                        k_ok);
          continue;
        }
        if (it->second.unknown) { // never resent automatically (journal.hpp)
          ++m_tally.unknown;
          worst = worse_exit(worst, exit_code(Errc::maybe_delivered));
          out.recipient(row->email,
                        "unknown",
                        it->second.message_id,
                        std::nullopt,
                        it->second.attempts,
                        Error(Errc::maybe_delivered,
                              "an earlier run got no reply to the final \".\" of its message: "
                              "it may have been delivered; not sent again",
                              "",
                              "check with the recipient before sending it again"),
                        exit_code(Errc::maybe_delivered));
          continue;
        }
        job.message_id = it->second.message_id;
      }
      auto msg = render(*row, job.message_id);
      if (!msg) { // rendered in preflight already; only a changed journal gets here
        return print_error(msg.error());
      }
      job.message = std::move(*msg);
      job.recipient_fprs.push_back(judgement.key ? judgement.key->fingerprint : "");
      for (const auto& f : m_signer.extra_fprs) {
        if (f != job.recipient_fprs.front()) {
          job.recipient_fprs.push_back(f);
        }
      }
      jobs.push_back(std::move(job));
    }
    m_tally.to_send = jobs.size();

    if (!jobs.empty() && !m_o.dry_run) {
      if (auto l = resolve_login(); !l) {
        return print_error(l.error());
      }
    }

    batch::Options opts;
    opts.workers =
      m_o.workers != 0 ? m_o.workers : std::max(1U, std::thread::hardware_concurrency());
    opts.rate_per_minute = rate;
    opts.max_attempts = m_o.max_attempts;
    opts.dry_run = m_o.dry_run;
    opts.mail_from = m_cfg.identity.address;
    opts.signer_fpr = m_signer.signer_fpr;
    opts.protect_subject = m_cfg.policy.protect_subject;
    if (auto it = m_g.env.find("PEERMAIL_BATCH_BACKOFF_MS"); it != m_g.env.end()) {
      // For tests: the first retry delay in milliseconds.
      opts.backoff = std::chrono::milliseconds(std::atol(it->second.c_str()));
    }

    const std::string home = m_g.gnupg_home_dir();
    batch::Hooks hooks;
    hooks.make_protector = [this, home]() { return m_services.make_protector(home); };
    hooks.make_transport = [this]() {
      transport::SessionOptions so;
      so.account = m_cfg.account();
      so.credentials = m_credentials;
      return m_services.make_transport(std::move(so));
    };
    hooks.before_submit = [this](const batch::Outcome& o) { return audit_pending(o); };
    hooks.on_outcome = [&](const batch::Outcome& o) -> Result<void> {
      int code = k_ok;
      if (o.status == "sent" || o.status == "would-send") {
        ++m_tally.sent;
      } else if (o.status == "failed") {
        ++m_tally.failed;
        code = exit_code(o.error ? o.error->code : Errc::internal);
      } else if (o.status == "unknown") {
        ++m_tally.unknown;
        code = exit_code(Errc::maybe_delivered);
      } else {
        ++m_tally.not_sent;
        code = o.error ? exit_code(o.error->code) : k_tempfail;
      }
      worst = worse_exit(worst, code);
      out.recipient(o.email, o.status, o.message_id, o.smtp_code, o.attempts, o.error, code);
      if (o.status == "not-sent") {
        return {};
      }
      if (journal) {
        PEERMAIL_TRY(journal->record(o));
      }
      PEERMAIL_TRY(audit_outcome(o, code));
      out.progress(m_tally);
      return {};
    };
    hooks.on_progress = [&]() { out.progress(m_tally); };

    const auto summary = jobs.empty() ? batch::Summary{} : batch::run(jobs, opts, hooks);
    if (summary.stopped) {
      const auto code = exit_code(summary.stopped->code);
      worst = worse_exit(worst, code);
      out.progress(m_tally, true);
      print_error(summary.stopped.value());
      print_note("the batch stopped early; rerun the same command to resume");
    }
    out.summary(m_tally, worst);
    return worst;
  }
};

} // namespace

void
register_batch(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<BatchOptions>();
  sub.add_option("--recipients", o->recipients, "recipients: CSV with a header row, or JSON Lines")
    ->required();
  sub.add_option("--template", o->template_path, "RFC 5322 message with {{field}} placeholders")
    ->required();
  sub.add_option("--journal",
                 o->journal,
                 "durable journal (default: RECIPIENTS.journal, per shard "
                 "RECIPIENTS.shard-I-of-N.journal)");
  sub.add_flag("--dry-run", o->dry_run, "validate and protect every message, send nothing");
  sub.add_option("--workers", o->workers, "parallel workers (default: hardware threads)")
    ->check(CLI::Range(1U, 64U));
  sub.add_option("--rate", o->rate, "at most N messages per minute in total (N/min, N/s, N/h)");
  sub.add_option("--max-attempts", o->max_attempts, "attempts per message for 4xx/timeouts (3)");
  sub.add_option("--shard", o->shard, "send only shard I of N (stable hash of the address)");
  sub.add_flag(
    "--skip-unready", o->skip_unready, "send to recipients with a usable key, report the rest");
  sub.callback([o, &g, exit_code] { *exit_code = BatchRun(g, *o).go(); });
}

} // namespace peermail::cli
