// SPDX-License-Identifier: GPL-3.0-or-later
// [compliance]: attestations the tool cannot measure (BAA, risk analysis,
// emergency access).
#include "parser.hpp"

namespace peermail::config {

Result<void>
Parser::parse_compliance(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "compliance", k_compliance_keys));
  auto attest = [&](const char* name) -> Result<std::optional<Attestation>> {
    auto n = t.get(name);
    if (n == nullptr) {
      return std::optional<Attestation>();
    }
    const std::string prefix = fmt::format("compliance.{}", name);
    const auto* tbl = n->as_table();
    if (tbl == nullptr) {
      return unexpected(err(n->source(), prefix, "expected a table { reference = ..., ... }"));
    }
    PEERMAIL_TRY(check_keys(*tbl, prefix, k_attestation_keys));
    Attestation a;
    if (auto v = tbl->get("provider")) {
      PEERMAIL_TRY_ASSIGN(a.provider, get_string(*v, prefix + ".provider"));
    }
    if (auto v = tbl->get("reference")) {
      PEERMAIL_TRY_ASSIGN(a.reference, get_string(*v, prefix + ".reference"));
    }
    for (const char* dk : {"date", "expires"}) {
      if (auto v = tbl->get(dk)) {
        if (!v->is_date()) {
          return unexpected(
            err(v->source(), prefix + "." + dk, "expected a date such as 2027-06-30 (no quotes)"));
        }
        const auto d = *v->value<toml::date>();
        Date out{d.year, d.month, d.day};
        (std::string_view(dk) == "date" ? a.date : a.expires) = out;
      }
    }
    m_cfg.positions[prefix] = pos(n->source());
    return std::optional<Attestation>(a);
  };
  PEERMAIL_TRY_ASSIGN(m_cfg.compliance.baa, attest("baa"));
  PEERMAIL_TRY_ASSIGN(m_cfg.compliance.risk_analysis, attest("risk_analysis"));
  PEERMAIL_TRY_ASSIGN(m_cfg.compliance.emergency_access, attest("emergency_access"));
  return {};
}

} // namespace peermail::config
