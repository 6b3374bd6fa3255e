// SPDX-License-Identifier: GPL-3.0-or-later
#include "record.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/policy/checklist.hpp>

#include <fmt/core.h>

namespace peermail::check {

std::map<std::string, std::map<std::string, std::uint64_t>>
count_findings(const std::vector<policy::Finding>& findings)
{
  std::map<std::string, std::map<std::string, std::uint64_t>> counts;
  for (const char* s : {"pass", "warn", "fail", "skip"}) {
    counts["all"][s] = 0;
  }
  for (const auto& f : findings) {
    const std::string status(policy::to_string(f.status));
    ++counts["all"][status];
    ++counts[std::string(policy::to_string(f.level))][status];
  }
  return counts;
}

Result<std::uint64_t>
record_check(const config::Config& cfg,
             const std::vector<policy::Finding>& findings,
             CheckKind kind)
{
  audit::Record r;
  r.action = kind == CheckKind::probe ? "probe" : "check";
  r.outcome = policy::any_fail(findings) ? "not-compliant" : "compliant";
  r.protocol.clear();
  r.counts = count_findings(findings);
  r.user = cfg.identity.user_id;
  r.config_sha256 = cfg.sha256;
  PEERMAIL_TRY_ASSIGN(auto log, audit::AuditLog::open(cfg.audit.path));
  PEERMAIL_TRY_ASSIGN(auto j, log.append(r));
  return j["seq"].get<std::uint64_t>();
}

void
note_record_failure(std::vector<policy::Finding>& findings, const Error& e)
{
  const std::string id = policy::find_item(e.check_id) != nullptr ? e.check_id : "AUD-04";
  for (auto& f : findings) {
    if (f.id != id || f.status == policy::Status::fail) {
      continue;
    }
    f.status = policy::Status::fail;
    f.evidence = fmt::format("the audit log cannot take a record: {}", e.message);
    f.fix = e.fix.empty() ? "repair or move the audit log, then run `peermail audit test`" : e.fix;
  }
}

} // namespace peermail::check
