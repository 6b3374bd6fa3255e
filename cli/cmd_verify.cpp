// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail verify [--decrypt] [-o FILE] [FILE|-]`: the verdict of docs/DESIGN.md
// §6 and the facts behind it. Needs only a GnuPG home; with a config,
// --decrypt is recorded in the audit log first (an access record).
#include "app.hpp"
#include "exit_codes.hpp"
#include "message_input.hpp"
#include "output.hpp"
#include "verify_reading.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/config/config.hpp>
#include <peermail/verify/access.hpp>
#include <peermail/verify/verify.hpp>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

namespace peermail::cli {

namespace {

struct VerifyOptions
{
  bool decrypt = false;
  std::size_t max_plaintext = verify::Verifier::k_max_plaintext;
  std::string output;
  bool force = false;     // replace an existing -o file
  std::string save_dir;   // --save-attachments DIR
  bool body_only = false; // --body-only
  std::string input = "-";
};

// The config when one is present: the one named by --config or
// $PEERMAIL_CONFIG (which must then load), else the default file if it
// exists. Without one there is no access log (peermail-verify(1)) and no
// S/MIME trust anchor.
Result<std::optional<config::Config>>
present_config(const GlobalOptions& g)
{
  config::LoadOptions lo;
  lo.path = g.config_path;
  lo.env = g.env;
  const bool named = g.config_path || !g.getenv("PEERMAIL_CONFIG").empty();
  if (!named && ::access(config::resolve_path(lo).c_str(), F_OK) != 0) {
    return std::nullopt;
  }
  PEERMAIL_TRY_ASSIGN(auto cfg, g.load_config(config::Strictness::report));
  return std::optional<config::Config>(std::move(cfg));
}

// The access log of `verify --decrypt` in `cfg`, checked writable before
// anything is decrypted.
Result<verify::AccessLog>
access_log(const config::Config& cfg)
{
  PEERMAIL_TRY(audit::AuditLog::check_writable(cfg.audit.path));
  return verify::AccessLog{cfg.audit.path, cfg.identity.user_id, cfg.sha256};
}

int
run_verify(const VerifyOptions& o, const GlobalOptions& g)
{
  const bool decrypt = o.decrypt || !o.output.empty() || !o.save_dir.empty() || o.body_only;
  // An existing -o file is kept without --force, and attachments go only
  // into a real directory: refused before anything is read or recorded.
  if (auto c = check_output(o.output, overwrite_for(o.force)); !c) {
    return print_error(c.error());
  }
  std::optional<util::SaveDir> dir;
  if (!o.save_dir.empty()) {
    auto d = util::SaveDir::open(o.save_dir);
    if (!d) {
      return print_error(d.error());
    }
    dir = std::move(*d);
  }
  auto cfg = present_config(g);
  if (!cfg) {
    return print_error(cfg.error());
  }
  std::optional<verify::AccessLog> log;
  if (decrypt && *cfg) {
    auto l = access_log(**cfg);
    if (!l) {
      return print_error(l.error());
    }
    log = std::move(*l);
  } else if (decrypt) {
    print_note("no config: this access is not recorded in an audit log (see peermail-verify(1))");
  }
  verify::SmimeOptions smime;
  if (*cfg) {
    smime.anchors = (*cfg)->smime.anchors;
    smime.revocation_offline = (*cfg)->smime.revocation_offline;
  }
  auto message = read_message_input(o.input);
  if (!message) {
    return print_error(message.error());
  }
  auto verifier = verify::Verifier::create(g.gnupg_home_dir(), o.max_plaintext, smime);
  if (!verifier) {
    return print_error(verifier.error());
  }
  auto report = (*verifier)->verify(*message);
  if (!report) {
    return print_error(report.error());
  }
  // Fail closed: the access is on record before anything is released.
  if (log) {
    if (auto seq = verify::record_access(*log, *report, *message); !seq) {
      return print_error(seq.error());
    }
  }
  // Only a released plaintext is read (its Subject, attachments, body).
  auto rr = read_released(*report, dir ? &*dir : nullptr, dir || o.body_only);
  if (!rr) {
    return print_error(rr.error());
  }
  // With --decrypt and no -o the plaintext goes to stdout, the report to stderr.
  if (auto w = write_verify_report(g.json, *report, *rr, decrypt && o.output.empty()); !w) {
    return print_error(w.error());
  }
  if (decrypt) {
    const Release how{o.output, overwrite_for(o.force), o.body_only};
    if (const int rc = release_plaintext(*report, *rr, how); rc != k_ok) {
      return rc;
    }
  }
  return report->verdict == verify::Verdict::valid ? k_ok : k_negative;
}

} // namespace

void
register_verify(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<VerifyOptions>();
  sub.add_flag("--decrypt",
               opts->decrypt,
               "also write the decrypted message (to -o FILE, else stdout with the report on "
               "stderr); never on a decryption or integrity failure");
  auto* output =
    sub.add_option("-o,--output", opts->output, "write the decrypted message to FILE (mode 0600)");
  add_force_flag(sub, opts->force);
  sub.add_option("--save-attachments",
                 opts->save_dir,
                 "save the attachments into DIR (created 0700; safe names, never over a file)");
  sub
    .add_flag("--body-only", opts->body_only, "print only the text body (terminal-safe) on stdout")
    ->excludes(output);
  sub
    .add_option("--max-plaintext",
                opts->max_plaintext,
                "refuse decrypted content larger than BYTES (default 67108864, 64 MiB)")
    ->check(CLI::PositiveNumber);
  sub.add_option("file", opts->input, "message to verify (- or omitted: stdin)");
  sub.callback([opts, &g, exit_code] { *exit_code = run_verify(*opts, g); });
}

} // namespace peermail::cli
