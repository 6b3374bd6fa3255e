// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail init`: write a compliant starter config (mode 0600).
#include "app.hpp"
#include "exit_codes.hpp"
#include "init_prompt.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/config/config.hpp>
#include <peermail/config/starter.hpp>

#include <unistd.h>

namespace peermail::cli {

namespace {

struct InitOptions
{
  config::Starter starter;
  std::string output;
  bool force = false;
};

int
run_init(const GlobalOptions& g, InitOptions o)
{
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
  if (auto a = ask_starter_values(o.starter, ::isatty(STDIN_FILENO) != 0); !a) {
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
  sub.add_option("--port", s.port, "465 (implicit TLS) or 587 (STARTTLS); 25 is refused");
  sub.add_option("--tls", s.tls, "implicit (default) or starttls");
  sub.add_option("--username", s.username, "your own submission user name");
  sub.add_option("--password-command", s.password_command, "command that prints the password");
  sub.add_option("--password-env", s.password_env, "environment variable with the password");
  sub.add_option("--audit-path", s.audit_path, "audit log path");
  sub.add_option("-o,--output", o->output, "file to write (default: the config path)");
  add_force_flag(sub, o->force);
  sub.footer(
    "Writes the config atomically with mode 0600 (parent directories 0700). Missing\n"
    "values are asked for on a terminal. Exit: 0 written; 64 missing values; 73 the\n"
    "file exists (use --force); 74 write error; 78 a non-compliant choice (--port 25,\n"
    "--tls other than implicit/starttls).");
  sub.callback([&g, o, exit_code] { *exit_code = run_init(g, *o); });
}

} // namespace peermail::cli
