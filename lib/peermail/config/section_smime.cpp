// SPDX-License-Identifier: GPL-3.0-or-later
// [smime]: how `verify` judges S/MIME: the trust anchors and revocation.
#include "parser.hpp"

namespace peermail::config {

Result<void>
Parser::parse_smime(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "smime", k_smime_keys));
  auto& s = m_cfg.smime;
  if (auto n = t.get("anchors")) {
    PEERMAIL_TRY_ASSIGN(s.anchors, get_string(*n, "smime.anchors"));
  }
  if (auto n = t.get("revocation")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_string(*n, "smime.revocation"));
    if (v != "check" && v != "offline") {
      return unexpected(err(n->source(), "smime.revocation", "must be \"check\" or \"offline\""));
    }
    s.revocation_offline = v == "offline";
  }
  return {};
}

} // namespace peermail::config
