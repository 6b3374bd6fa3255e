// SPDX-License-Identifier: GPL-3.0-or-later
#include "evidence.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::cli {

audit::EvidenceHeader
evidence_header(const GlobalOptions& g,
                const std::string& config_path,
                const std::string& config_sha256)
{
  std::string home = g.gnupg_home_dir();
  if (home.empty()) {
    home = fmt::format("{}/.gnupg", g.getenv("HOME"));
  }
  return audit::make_evidence_header(config_path, config_sha256, home);
}

std::string
evidence_text(const audit::EvidenceHeader& h)
{
  return fmt::format("generated {} on {} by peermail {}\nconfig {} (sha256 {})\nGnuPG home {}\n",
                     h.generated,
                     util::terminal_safe(h.host),
                     h.tool_version,
                     util::terminal_safe(h.config_path.empty() ? "(none)" : h.config_path),
                     h.config_sha256.empty() ? "-" : h.config_sha256,
                     util::terminal_safe(h.gnupg_home));
}

} // namespace peermail::cli
