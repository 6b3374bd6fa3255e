// SPDX-License-Identifier: GPL-3.0-or-later
// [audit]: where the audit log is written and how long it is kept.
#include "parser.hpp"

namespace peermail::config {

Result<void>
Parser::parse_audit(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "audit", k_audit_keys));
  if (auto n = t.get("path")) {
    PEERMAIL_TRY_ASSIGN(auto p, get_string(*n, "audit.path"));
    if (p.empty()) {
      violate("audit.path",
              "\"\"",
              pos(n->source()),
              "AUD-04",
              "the audit log cannot be turned off",
              "set path to a file, e.g. \"~/.local/state/peermail/audit.jsonl\"");
    }
    m_cfg.audit.path = p;
  }
  if (auto n = t.get("retention_days")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, "audit.retention_days", 0, 100000));
    m_cfg.audit.retention_days = static_cast<int>(v);
  }
  return {};
}

} // namespace peermail::config
