// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail init`: write a compliant starter config (mode 0600).
#include "app.hpp"
#include "exit_codes.hpp"
#include "init_prompt.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/config/config.hpp>
#include <peermail/config/starter.hpp>
#include <peermail/foreign/msmtp_migration.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>

#include <unistd.h>

namespace peermail::cli {

namespace {

struct InitOptions
{
  config::Starter starter;
  std::string output;
  bool force = false;
  std::string from_msmtprc;
  const CLI::Option* tls_opt = nullptr;
  const CLI::Option* port_opt = nullptr;
};

// --from-msmtprc: start from an msmtp account; options given win. Each
// non-compliant setting left behind is said (a warning with its ID).
Result<void>
apply_msmtprc(const GlobalOptions& g, InitOptions& o)
{
  PEERMAIL_TRY_ASSIGN(auto text, util::read_file(o.from_msmtprc, 1 << 20));
  const auto file = foreign::parse_msmtprc(text);
  const auto* account = file.select(g.account.value_or(""));
  if (account == nullptr) {
    return fail(Errc::config,
                fmt::format("{}: no account {}", o.from_msmtprc, g.account.value_or("")),
                "",
                "name one of its accounts with --account NAME");
  }
  PEERMAIL_TRY_ASSIGN(auto m, foreign::migrate_msmtp_account(*account, o.from_msmtprc));
  for (const auto& n : file.notes) {
    print_warn(fmt::format("{}:{}: {}", o.from_msmtprc, n.line, n.message));
  }
  for (const auto& c : m.changes) {
    print_warn(c);
  }
  auto& s = o.starter;
  for (auto [to, from] : {
         std::pair{&s.from,     &m.from    },
         std::pair{&s.host,     &m.host    },
         std::pair{&s.username, &m.username},
         std::pair{&s.ca_file,  &m.ca_file }
  }) {
    if (to->empty()) {
      *to = *from;
    }
  }
  if (s.password_command.empty() && s.password_env.empty()) {
    s.password_command = m.password_command;
  }
  if (o.tls_opt->count() == 0) {
    s.tls = m.tls;
  }
  if (o.port_opt->count() == 0 && (o.tls_opt->count() == 0 || s.tls == m.tls)) {
    s.port = m.port;
  }
  print_note(
    fmt::format("from msmtp account {} ({}:{})", account->name, o.from_msmtprc, account->line));
  return {};
}

int
run_init(const GlobalOptions& g, InitOptions o)
{
  if (!o.from_msmtprc.empty()) {
    if (auto m = apply_msmtprc(g, o); !m) {
      return print_error(m.error());
    }
  }
  if (auto c = config::check_starter(o.starter); !c) {
    return print_error(c.error());
  }
  config::LoadOptions lo;
  lo.env = g.env;
  lo.path = o.output.empty() ? g.config_path : std::optional<std::string>(o.output);
  const std::string path = config::resolve_path(lo);
  // An existing file is kept without --force: said before any question.
  if (auto c = check_output(path, overwrite_for(o.force)); !c) {
    return print_error(c.error());
  }
  if (auto a = ask_starter_values(o.starter, ::isatty(STDIN_FILENO) != 0, g.gnupg_home_dir()); !a) {
    return print_error(a.error());
  }
  const std::string text = config::render_starter(o.starter);
  // What is written must load: the same parser and rules as every command.
  if (auto parsed = config::parse(text, path, lo); !parsed) {
    return print_error(parsed.error());
  }
  if (auto p = config::prepare_starter_path(path); !p) {
    return print_error(p.error());
  }
  if (auto w = write_output(path, text, overwrite_for(o.force)); !w) {
    return print_error(w.error());
  }
  render_init_written(g, path);
  return k_ok;
}

} // namespace

void
register_init(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<InitOptions>();
  auto& s = o->starter;
  sub.add_option("--from", s.from, "your address: \"Name <addr>\"");
  sub.add_option("--signing-key", s.signing_key, "full fingerprint of your signing key");
  sub.add_option("--host", s.host, "submission server host name");
  o->port_opt =
    sub.add_option("--port", s.port, "465 (implicit TLS) or 587 (STARTTLS); 25 is refused");
  o->tls_opt = sub.add_option("--tls", s.tls, "implicit (default) or starttls");
  sub.add_option("--username", s.username, "your own submission user name");
  sub.add_option("--password-command", s.password_command, "command that prints the password");
  sub.add_option("--password-env", s.password_env, "environment variable with the password");
  sub.add_option("--audit-path", s.audit_path, "audit log path");
  sub.add_option("-o,--output", o->output, "file to write (default: the config path)");
  add_force_flag(sub, o->force);
  sub.add_option("--from-msmtprc",
                 o->from_msmtprc,
                 "start from an msmtp account (--account NAME; default: msmtp's default)");
  sub.footer(
    "Writes the config atomically with mode 0600 (parent directories 0700). Missing\n"
    "values are asked for on a terminal. The signing key is the usable secret key for\n"
    "--from (offered from the keyring; --signing-key is judged the same way). Exit: 0\n"
    "written; 64 missing values; 67 no usable signing key; 73 the file exists (use\n"
    "--force); 74 write error; 78 a non-compliant choice (--port 25, --tls other than\n"
    "implicit/starttls).");
  sub.callback([&g, o, exit_code] { *exit_code = run_init(g, *o); });
}

} // namespace peermail::cli
