// SPDX-License-Identifier: GPL-3.0-or-later
#include "parser.hpp"

#include <cstdlib>

namespace peermail::config {

// Environment overrides (precedence: flags > PEERMAIL_* > file). Each applies
// to the selected account and is validated like the file.
Result<void>
Parser::apply_env()
{
  auto it = m_cfg.accounts.find(m_cfg.account_name);
  if (it == m_cfg.accounts.end()) {
    return {};
  }
  Account& a = it->second;
  const std::string prefix = "account." + a.name;
  auto env = [&](const char* k) -> const std::string* {
    auto e = m_opts.env.find(k);
    return e == m_opts.env.end() || e->second.empty() ? nullptr : &e->second;
  };
  auto src = [](const char* k) { return SourcePos{fmt::format("${}", k), 0, 0}; };
  if (auto v = env("PEERMAIL_HOST")) {
    PEERMAIL_TRY(check_host(*v, "$PEERMAIL_HOST", prefix + ".host"));
    a.host = *v;
    m_cfg.positions[prefix + ".host"] = src("PEERMAIL_HOST");
  }
  if (auto v = env("PEERMAIL_PORT")) {
    char* end = nullptr;
    const long p = std::strtol(v->c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) {
      return fail(Errc::config, fmt::format("$PEERMAIL_PORT: \"{}\" is not a port number", *v));
    }
    a.port = static_cast<int>(p);
    m_cfg.positions[prefix + ".port"] = src("PEERMAIL_PORT");
    if (p == 25) {
      violate(prefix + ".port",
              "25",
              src("PEERMAIL_PORT"),
              "TLS-01",
              "port 25 is for relay between servers, not for submission",
              "use port 465 (implicit TLS) or 587 (STARTTLS)");
    }
  }
  if (auto v = env("PEERMAIL_CA_FILE")) {
    a.ca_file = *v;
    m_cfg.positions[prefix + ".ca_file"] = src("PEERMAIL_CA_FILE");
  }
  if (auto v = env("PEERMAIL_USERNAME")) {
    a.username = *v;
    m_cfg.positions[prefix + ".username"] = src("PEERMAIL_USERNAME");
  }
  if (auto v = env("PEERMAIL_AUDIT_PATH")) {
    m_cfg.audit.path = *v;
    m_cfg.positions["audit.path"] = src("PEERMAIL_AUDIT_PATH");
  }
  return {};
}

} // namespace peermail::config
