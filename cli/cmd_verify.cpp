// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail verify [--decrypt] [-o FILE] [FILE|-]`: the verdict of docs/DESIGN.md
// §6 and the facts behind it. Needs only a GnuPG home; with a config,
// --decrypt is recorded in the audit log first (an access record).
#include "app.hpp"
#include "exit_codes.hpp"
#include "message_input.hpp"
#include "output.hpp"
#include "verify_report.hpp"

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

// Write the decrypted message, if any, to -o FILE or stdout.
int
release_plaintext(const VerifyOptions& o, const verify::VerifyReport& report)
{
  if (report.decrypted_message.empty()) {
    print_note(report.encrypted ? "no plaintext written: the message was not decrypted intact"
                                : "no plaintext written: the message is not encrypted");
  } else if (!o.output.empty()) {
    if (auto w = write_output(o.output, report.decrypted_message); !w) {
      return print_error(w.error());
    }
  } else if (auto w = write_stdout(report.decrypted_message); !w) {
    return print_error(w.error());
  }
  return k_ok;
}

int
run_verify(const VerifyOptions& o, const GlobalOptions& g)
{
  const bool decrypt = o.decrypt || !o.output.empty();
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
  const std::string rendered = g.json ? render_verify_json(*report) : render_verify_text(*report);
  // With --decrypt and no -o the plaintext goes to stdout, the report to stderr.
  if (decrypt && o.output.empty()) {
    std::fputs(rendered.c_str(), stderr);
  } else if (auto w = write_stdout(rendered); !w) {
    return print_error(w.error());
  }
  if (decrypt) {
    if (const int rc = release_plaintext(o, *report); rc != k_ok) {
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
  sub.add_option("-o,--output", opts->output, "write the decrypted message to FILE (mode 0600)");
  sub
    .add_option("--max-plaintext",
                opts->max_plaintext,
                "refuse decrypted content larger than BYTES (default 67108864, 64 MiB)")
    ->check(CLI::PositiveNumber);
  sub.add_option("file", opts->input, "message to verify (- or omitted: stdin)");
  sub.callback([opts, &g, exit_code] { *exit_code = run_verify(*opts, g); });
}

} // namespace peermail::cli
