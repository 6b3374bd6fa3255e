// SPDX-License-Identifier: GPL-3.0-or-later
// Defaults that depend on the environment, and the keys that must be set.
#include "parser.hpp"

#include <peermail/util/fs.hpp>

namespace peermail::config {

Result<void>
Parser::finish()
{
  auto home = m_opts.env.count("HOME") ? m_opts.env.at("HOME") : std::string();
  if (m_cfg.audit.path.empty() && !m_cfg.positions.count("audit.path")) {
    auto st = m_opts.env.find("XDG_STATE_HOME");
    m_cfg.audit.path = st != m_opts.env.end() && !st->second.empty()
                         ? st->second + "/peermail/audit.jsonl"
                         : home + "/.local/state/peermail/audit.jsonl";
  }
  m_cfg.audit.path = util::expand_home(m_cfg.audit.path, home);
  m_cfg.smime.anchors = util::expand_home(m_cfg.smime.anchors, home);
  if (m_cfg.accounts.empty()) {
    return fail(Errc::config,
                fmt::format("{}: no [account.NAME] table; add [account.default]", m_path));
  }
  for (const auto& [name, a] : m_cfg.accounts) {
    if (a.host.empty()) {
      return fail(Errc::config, fmt::format("{}: account.{}.host: missing", m_path, name));
    }
  }
  if (m_cfg.identity.address.empty()) {
    return fail(Errc::config, fmt::format("{}: identity.from: missing", m_path));
  }
  if (m_cfg.identity.signing_key.empty()) {
    return fail(Errc::config,
                fmt::format("{}: identity.signing_key: missing (the full fingerprint of your "
                            "signing key; see `gpg --list-secret-keys --with-colons`)",
                            m_path),
                "SIG-01");
  }
  return {};
}

} // namespace peermail::config
