// SPDX-License-Identifier: GPL-3.0-or-later
// [audit]: where the audit log is written and how long it is kept.
#include "parser.hpp"

#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

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
  if (auto n = t.get("seal_key")) {
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*n, "audit.seal_key"));
    m_cfg.audit.seal_key = util::normalize_fingerprint(fpr);
    if (!util::is_full_fingerprint(m_cfg.audit.seal_key)) {
      return unexpected(err(n->source(),
                            "audit.seal_key",
                            "must be a full fingerprint (40 or 64 hex digits), not a key ID"));
    }
  }
  return {};
}

} // namespace peermail::config
