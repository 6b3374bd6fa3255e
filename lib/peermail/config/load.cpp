// SPDX-License-Identifier: GPL-3.0-or-later
// Finding, reading and judging the config file.
#include "config.hpp"
#include "parser.hpp"

#include <peermail/util/fs.hpp>

namespace peermail::config {

std::string
resolve_path(const LoadOptions& opts)
{
  if (opts.path) {
    return *opts.path;
  }
  auto get = [&](const char* k) -> std::string {
    auto it = opts.env.find(k);
    return it == opts.env.end() ? std::string() : it->second;
  };
  if (auto p = get("PEERMAIL_CONFIG"); !p.empty()) {
    return p;
  }
  if (auto x = get("XDG_CONFIG_HOME"); !x.empty()) {
    return x + "/peermail/config.toml";
  }
  return get("HOME") + "/.config/peermail/config.toml";
}

Result<Config>
parse(std::string_view text, const std::string& path, const LoadOptions& opts)
{
  Parser p(path, opts);
  return p.run(text);
}

Result<Config>
load(const LoadOptions& opts)
{
  const std::string path = resolve_path(opts);
  // Opened once: the permissions judged are those of the file that was read.
  PEERMAIL_TRY_ASSIGN(auto file, util::read_file_with_stat(path, 1 << 20));
  PEERMAIL_TRY_ASSIGN(auto cfg, parse(file.text, path, opts));
  auto perm = util::judge_private_file(path,
                                       file.st,
                                       cfg.references_secrets ? util::Secrecy::secret
                                                              : util::Secrecy::not_secret,
                                       "AUTH-05");
  if (!perm) {
    if (opts.check_permissions) {
      return unexpected(perm.error());
    }
    cfg.violations.push_back(Violation{
      "(file)",
      "",
      SourcePos{path, 0, 0},
      perm.error().check_id,
      perm.error().message,
      perm.error().fix
    });
  }
  return cfg;
}

} // namespace peermail::config
