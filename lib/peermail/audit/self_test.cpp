// SPDX-License-Identifier: GPL-3.0-or-later
#include "self_test.hpp"

#include <peermail/audit/audit_log.hpp>

#include <utility>

namespace peermail::audit {

Result<nlohmann::json>
append_test_record(const std::string& path, std::string user, std::string config_sha256)
{
  Record r;
  r.action = "audit-test";
  r.outcome = "ok";
  r.protocol.clear();
  r.user = std::move(user);
  r.config_sha256 = std::move(config_sha256);
  PEERMAIL_TRY_ASSIGN(auto log, AuditLog::open(path));
  return log.append(r);
}

} // namespace peermail::audit
