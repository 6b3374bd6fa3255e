// SPDX-License-Identifier: GPL-3.0-or-later
#include "app.hpp"

#include <cstdlib>

namespace peermail::cli {

std::string
GlobalOptions::getenv(const std::string& name) const
{
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

std::string
GlobalOptions::gnupg_home_dir() const
{
  if (gnupg_home) {
    return *gnupg_home;
  }
  if (auto v = getenv("PEERMAIL_GNUPG_HOME"); !v.empty()) {
    return v;
  }
  return getenv("GNUPGHOME");
}

Result<config::Config>
GlobalOptions::load_config(config::Strictness strictness) const
{
  config::LoadOptions o;
  o.path = config_path;
  o.account = account;
  o.env = env;
  o.strictness = strictness;
  o.check_permissions = strictness == config::Strictness::refuse;
  auto cfg = config::load(o);
  if (cfg) {
    // The password stays in `env` (our copy) but leaves the process
    // environment before any child exists: gpg-agent, started by GnuPG from
    // this process, and every helper would otherwise inherit it (AUTH-04).
    for (const auto& [name, acct] : cfg->accounts) {
      if (!acct.password_env.empty()) {
        ::unsetenv(acct.password_env.c_str());
      }
    }
  }
  return cfg;
}

const std::vector<Command>&
commands()
{
  static const std::vector<Command> k_commands = {
    {"init",     "write a compliant starter config (mode 0600)",                  register_init    },
    {"check",
     "run the compliance checklist over config, keyring and (--probe) server",    register_check   },
    {"keys",     "key readiness per address: list, check, import",                register_keys    },
    {"encrypt",  "turn an RFC 5322 message into PGP/MIME, signed and encrypted",  register_encrypt },
    {"sign",     "sign an RFC 5322 message as PGP/MIME multipart/signed",         register_sign    },
    {"verify",   "verify (and decrypt) a received message and print the verdict", register_verify  },
    {"send",     "compose, sign, encrypt, submit over TLS and audit a message",   register_send    },
    {"sendmail", "sendmail-compatible entry point with the same policy",          register_sendmail},
    {"batch",    "templated, resumable notifications to many recipients",         register_batch   },
    {"audit",    "show, verify or export the tamper-evident audit log",           register_audit   },
  };
  return k_commands;
}

void
build_app(CLI::App& app, GlobalOptions& g, int* exit_code)
{
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("peermail ") + PEERMAIL_VERSION);
  app.add_option("--config",
                 g.config_path,
                 "config file (default: $PEERMAIL_CONFIG, "
                 "else $XDG_CONFIG_HOME/peermail/config.toml)");
  app.add_option("--account",
                 g.account,
                 "account to use (default: \"default\"; "
                 "env PEERMAIL_ACCOUNT)");
  app.add_option("--gnupg-home", g.gnupg_home, "GnuPG home directory (default: $GNUPGHOME)");
  app.add_flag("--json", g.json, "machine-readable JSON output");
  app.add_flag("-v,--verbose", g.verbose, "more detail (repeat for more); secrets are redacted");
  app.add_flag("-q,--quiet", g.quiet, "only errors");
  app.fallthrough();
  for (const auto& c : commands()) {
    auto* sub = app.add_subcommand(c.name, c.summary);
    c.register_fn(*sub, g, exit_code);
  }
}

} // namespace peermail::cli
