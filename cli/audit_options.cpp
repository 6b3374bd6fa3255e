// SPDX-License-Identifier: GPL-3.0-or-later
#include "audit_options.hpp"

#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::cli {

Result<std::string>
audit_log_path(const std::string& file, const GlobalOptions& g)
{
  if (!file.empty()) {
    return file;
  }
  // An auditor reads the log even when the config is not compliant.
  PEERMAIL_TRY_ASSIGN(auto cfg, g.load_config(config::Strictness::report));
  if (cfg.audit.path.empty()) {
    return fail(Errc::config,
                fmt::format("{}: no [audit] path configured", cfg.path),
                "AUD-01",
                "set [audit] path, or pass --file PATH");
  }
  return cfg.audit.path;
}

Result<AuditSelection>
audit_selection(const std::string& file, const audit::FilterArgs& args, const GlobalOptions& g)
{
  AuditSelection sel;
  PEERMAIL_TRY_ASSIGN(sel.path, audit_log_path(file, g));
  PEERMAIL_TRY_ASSIGN(sel.filter, audit::make_filter(args));
  return sel;
}

void
add_filter_options(CLI::App* cmd, audit::FilterArgs& f)
{
  cmd->add_option("--since", f.since, "only records at or after this time (RFC 3339 or DATE)");
  cmd->add_option("--until", f.until, "only records before this time (RFC 3339 or DATE)");
  cmd->add_option("--outcome", f.outcome, "only records with this outcome (sent, refused, …)");
  cmd->add_option("--action", f.action, "only records of this action (send, batch, verify, …)");
  cmd->add_option("--recipient", f.recipient, "only records to this address");
  cmd->add_option("--user", f.user, "only records of this user (identity.user_id)");
}

Result<SealContext>
seal_context(const std::string& key_override, bool explicit_file, const GlobalOptions& g)
{
  SealContext c;
  auto cfg = g.load_config(config::Strictness::report);
  if (cfg) {
    c.key = cfg->audit.seal_key;
    c.log = cfg->audit.path;
    c.user = cfg->identity.user_id;
    c.config_sha256 = cfg->sha256;
  } else if (!explicit_file) {
    return unexpected(cfg.error());
  } else if (cfg.error().code != Errc::no_input) {
    print_warn(
      fmt::format("the config was not read ({}): no [audit] seal_key", cfg.error().message));
  }
  if (!key_override.empty()) {
    c.key = util::normalize_fingerprint(key_override);
  }
  return c;
}

Result<std::shared_ptr<audit::SealChecker>>
seal_checker(const SealContext& c, const GlobalOptions& g)
{
  if (c.key.empty()) {
    return std::shared_ptr<audit::SealChecker>();
  }
  return audit::SealChecker::create(g.gnupg_home_dir(), c.key);
}

} // namespace peermail::cli
