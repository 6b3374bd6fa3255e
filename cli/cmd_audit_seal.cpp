// SPDX-License-Identifier: GPL-3.0-or-later
// `audit seal [--file LOG] [--mail ADDR]` and the seal at the end of a run
// (docs/DESIGN.md §7.1; peermail-audit(1)).
#include "cmd_audit_seal.hpp"

#include "audit_options.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/audit/seal.hpp>
#include <peermail/audit/witness.hpp>

#include <fmt/core.h>

#include <memory>
#include <string>

namespace peermail::cli {

namespace {

struct SealCliOptions
{
  std::string file;
  std::string mail; // --mail ADDR: the witness
};

int
run_seal(const SealCliOptions& o, const GlobalOptions& g)
{
  auto c = seal_context("", !o.file.empty(), g);
  if (!c) {
    return print_error(c.error());
  }
  const std::string path = o.file.empty() ? c->log : o.file;
  if (c->key.empty()) {
    return print_error(Error(Errc::config,
                             "audit seal: no [audit] seal_key configured",
                             "AUD-03",
                             "set [audit] seal_key to the full fingerprint of the organisation's "
                             "(or a service) OpenPGP key whose secret part is in this GnuPG home"));
  }
  audit::SealOptions so{g.gnupg_home_dir(), c->key, c->user, c->config_sha256};
  auto rec = audit::seal(path, so);
  if (!rec) {
    return print_error(rec.error());
  }
  const auto& s = (*rec)["seal"];
  if (g.json && o.mail.empty()) {
    print_json(*rec);
  } else if (!g.json) {
    fmt::print("audit log {}: sealed records 1…{} (hash {}) with key {} as record {}\n",
               path,
               s["seq"].get<std::uint64_t>(),
               s["hash"].get<std::string>(),
               c->key,
               (*rec)["seq"].get<std::uint64_t>());
  }
  if (o.mail.empty()) {
    return 0;
  }
  // The witness: the seal through the normal compliant path (encrypted,
  // signed, audited) to an off-host mailbox.
  auto req = cli_request("send", false, g);
  mime::ComposeRequest cr;
  cr.to = {o.mail};
  cr.subject = "peermail audit seal";
  cr.body = audit::witness_text(path, *rec);
  req.compose = std::move(cr);
  return run_request(req, g, Verbosity::summary);
}

} // namespace

void
register_audit_seal(CLI::App& audit, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<SealCliOptions>();
  auto* seal = audit.add_subcommand(
    "seal", "sign the chain head with [audit] seal_key and append it as a seal record");
  seal->add_option("--file", o->file, "seal this log instead of the configured [audit] path");
  seal->add_option(
    "--mail", o->mail, "also mail the seal (encrypted, signed, audited) to this witness address");
  seal->callback([o, &g, exit_code] { *exit_code = run_seal(*o, g); });
}

void
seal_after_run(const config::Config& cfg, const GlobalOptions& g)
{
  if (cfg.audit.seal_key.empty() || cfg.audit.path.empty() || !audit::needs_seal(cfg.audit.path)) {
    return;
  }
  audit::SealOptions so{g.gnupg_home_dir(), cfg.audit.seal_key, cfg.identity.user_id, cfg.sha256};
  if (auto r = audit::seal(cfg.audit.path, so); !r) {
    print_warn(fmt::format("the run is complete, but the audit log was not sealed: {} [AUD-03]",
                           r.error().message));
    if (!r.error().fix.empty()) {
      print_note(fmt::format("fix: {}", r.error().fix));
    }
  }
}

} // namespace peermail::cli
