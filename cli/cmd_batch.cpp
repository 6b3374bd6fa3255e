// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail batch`: templated, personal, signed and encrypted notifications to
// many recipients, resumable through a durable journal (docs/DESIGN.md §2.2).
// Options, one call to batch_run::run (lib/peermail/batch_run/), rendering.
#include "app.hpp"
#include "batch_report.hpp"
#include "cmd_audit_seal.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "send_report.hpp"
#include "signals.hpp"

#include <peermail/batch_run/run.hpp>
#include <peermail/send/unattended.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace peermail::cli {

namespace {

// The options: most bind straight to the library's request.
struct BatchOptions
{
  batch_run::Request req; // --recipients, --template, --journal, --dry-run, --skip-…
  unsigned workers = 0;   // 0 = hardware threads
  std::string rate;       // "N/min", "N/s", "N/h", "N"
  std::string shard;      // "I/N", 1 <= I <= N
};

int
run_batch(const GlobalOptions& g, const BatchOptions& o)
{
  batch_run::Request req = o.req;
  auto rate = batch_run::parse_rate(o.rate);
  if (!rate) {
    return print_error(rate.error());
  }
  auto shard = batch_run::parse_shard(o.shard);
  if (!shard) {
    return print_error(shard.error());
  }
  auto cfg = g.load_config();
  if (!cfg) {
    return print_error(cfg.error());
  }
  req.workers = o.workers != 0 ? o.workers : std::max(1U, std::thread::hardware_concurrency());
  req.rate_per_minute = *rate;
  req.shard = *shard;
  req.gnupg_home = g.gnupg_home_dir();
  req.env = g.env;
  req.cancel = &process_cancel();
  if (auto it = g.env.find("PEERMAIL_BATCH_BACKOFF_MS"); it != g.env.end()) {
    // For tests: the first retry delay in milliseconds.
    req.backoff = std::chrono::milliseconds(std::atol(it->second.c_str()));
  }

  auto services = send::default_services();
  services.exit_name = [](Errc c) { return std::string(exit_code_name(exit_code(c))); };
  // Unattended signing (KEY-05): decided before the first message.
  auto secret = send::identity_passphrase(*cfg, req.gnupg_home, pinentry_prompt(g));
  if (!secret) {
    print_error(secret.error());
    return exit_code(secret.error().code);
  }
  send::use_passphrase(services, *secret);
  BatchReporter out(g.json, stderr_is_tty() && !g.quiet, req.dry_run, req.recipients);
  batch_run::Events events;
  events.warning = [](const std::string& w) { print_warn(w); };
  events.recipient = [&out](const batch_run::RecipientEvent& e) { out.recipient(e); };
  events.progress = [&out](const batch_run::Tally& t, bool force) { out.progress(t, force); };

  batch_run::Report report;
  int signal = 0;
  {
    StopOnSignals stop(process_cancel());
    report = batch_run::run(*cfg, req, services, exit_code, events);
    signal = stop.signal();
  }
  seal_after_run(*cfg, g); // issue 14: seal the chain head, also after an interrupt
  // 130 (SIGINT) / 143 (SIGTERM) whatever else happened (signals.hpp).
  const int code = signal > 0 ? 128 + signal : report.exit_code;
  switch (report.kind) {
  case batch_run::Report::Kind::failed:
    print_error(*report.error);
    return code;
  case batch_run::Report::Kind::refused:
    report_batch_problems(g.json, req.recipients, req.template_path, report);
    return code;
  case batch_run::Report::Kind::finished:
    break;
  }
  if (report.stopped) {
    print_error(*report.stopped);
  }
  out.summary(report.tally, code, signal);
  if (report.stopped) {
    print_note(signal > 0 ? fmt::format("interrupted by {}; rerun the same command to resume",
                                        signal_name(signal))
                          : std::string("the batch stopped early; rerun the same command to "
                                        "resume"));
  }
  return code;
}

} // namespace

void
register_batch(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<BatchOptions>();
  sub
    .add_option(
      "--recipients", o->req.recipients, "recipients: CSV with a header row, or JSON Lines")
    ->required();
  sub
    .add_option("--template", o->req.template_path, "RFC 5322 message with {{field}} placeholders")
    ->required();
  sub.add_option("--journal",
                 o->req.journal,
                 "durable journal (default: RECIPIENTS.journal, per shard "
                 "RECIPIENTS.shard-I-of-N.journal)");
  sub.add_flag("--dry-run", o->req.dry_run, "validate and protect every message, send nothing");
  sub.add_option("--workers", o->workers, "parallel workers (default: hardware threads)")
    ->check(CLI::Range(1U, 64U));
  sub.add_option("--rate", o->rate, "at most N messages per minute in total (N/min, N/s, N/h)");
  sub.add_option(
    "--max-attempts", o->req.max_attempts, "attempts per message for 4xx/timeouts (3)");
  sub.add_option("--shard", o->shard, "send only shard I of N (stable hash of the address)");
  sub.add_flag(
    "--skip-unready", o->req.skip_unready, "send to recipients with a usable key, report the rest");
  sub.add_flag("--skip-invalid",
               o->req.skip_invalid,
               "skip rows with a bad value (address, missing field), report each, send the rest");
  sub.callback([o, &g, exit_code] { *exit_code = run_batch(g, *o); });
}

} // namespace peermail::cli
