// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the `audit` subcommands share: the log to read, the filter options
// and the seal key from the config (docs/DESIGN.md §7; peermail-audit(1)).

#include "app.hpp"

#include <peermail/audit/filter_args.hpp>
#include <peermail/audit/seal.hpp>

#include <memory>
#include <string>

namespace peermail::cli {

// Return the log to read: `file` (--file) if set, else [audit] path from the
// config (read even when it is not compliant). Errors: config (AUD-01).
Result<std::string> audit_log_path(const std::string& file, const GlobalOptions& g);

// The log to read and the records to select from it.
struct AuditSelection
{
  std::string path;
  audit::Filter filter;
};

// Return audit_log_path(`file`) and the filter parsed from `args`
// (audit::make_filter), in that order. Errors: config, usage.
Result<AuditSelection>
audit_selection(const std::string& file, const audit::FilterArgs& args, const GlobalOptions& g);

// Add --since, --until, --outcome, --action, --recipient and --user to `cmd`,
// bound to `f`.
void add_filter_options(CLI::App* cmd, audit::FilterArgs& f);

// What the seal commands take from the config (when there is one).
struct SealContext
{
  std::string key; // [audit] seal_key, or the override; "" = no seal key
  std::string log; // [audit] path
  std::string user;
  std::string config_sha256;
};

// Read [audit] seal_key (overridden by `key_override` when set). With an
// explicit --file (`explicit_file`) a missing config is fine: the log is then
// read without a seal key (a config that fails otherwise is a warning).
Result<SealContext>
seal_context(const std::string& key_override, bool explicit_file, const GlobalOptions& g);

// Return a checker for the seal key of `c`; null when there is none.
Result<std::shared_ptr<audit::SealChecker>> seal_checker(const SealContext& c,
                                                         const GlobalOptions& g);

} // namespace peermail::cli
