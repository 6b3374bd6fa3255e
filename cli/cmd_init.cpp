// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail init`: write a compliant starter config (mode 0600).
#include "app.hpp"
#include "exit_codes.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/config/config.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

namespace peermail::cli {

namespace {

struct InitOptions
{
  std::string from;
  std::string signing_key;
  std::string host;
  int port = 0;
  std::string tls = "implicit";
  std::string username;
  std::string password_command;
  std::string password_env;
  std::string audit_path;
  std::string output;
  bool force = false;
};

std::string
toml_string(const std::string& s)
{
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

// Ask for `what` on the terminal; return "" on EOF.
std::string
prompt(const std::string& what)
{
  std::cerr << what << ": " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return std::string(util::trim(line));
}

// Create the parent directories of `path` with mode 0700.
void
make_parents(const std::string& path)
{
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/') {
      ::mkdir(path.substr(0, i).c_str(), 0700);
    }
  }
}

int
run_init(const GlobalOptions& g, InitOptions o)
{
  if (o.tls != "implicit" && o.tls != "starttls") {
    return print_error(Error(Errc::insecure_config,
                             fmt::format("--tls {} is not compliant: only \"implicit\" and "
                                         "\"starttls\" exist",
                                         o.tls),
                             "TLS-01",
                             "use --tls implicit (port 465) or --tls starttls (port 587)"));
  }
  if (o.port == 0) {
    o.port = o.tls == "implicit" ? 465 : 587;
  }
  if (o.port == 25) {
    return print_error(Error(Errc::insecure_config,
                             "--port 25 is not compliant: port 25 is for relaying, not submission",
                             "TLS-01",
                             "use port 465 (implicit TLS) or 587 (STARTTLS)"));
  }
  if (!o.password_command.empty() && !o.password_env.empty()) {
    return print_error(
      Error(Errc::usage, "--password-command and --password-env exclude each other"));
  }
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  struct Field
  {
    const char* flag;
    std::string* value;
    const char* question;
  };
  const Field required[] = {
    {"--from",        &o.from,        "Your address, e.g. Dr. Ana Ruiz <ana.ruiz@clinic.example>"},
    {"--signing-key", &o.signing_key, "Full fingerprint of your signing key"                     },
    {"--host",        &o.host,        "Submission server host name"                              },
    {"--username",    &o.username,    "Your own submission user name"                            },
  };
  std::vector<std::string> missing;
  for (const auto& f : required) {
    if (f.value->empty() && tty) {
      *f.value = prompt(f.question);
    }
    if (f.value->empty()) {
      missing.emplace_back(f.flag);
    }
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) {
      names += (names.empty() ? "" : ", ") + m;
    }
    return print_error(Error(Errc::usage,
                             fmt::format("missing required values: {}", names),
                             "",
                             "pass them as options (no terminal to ask on)"));
  }
  if (o.password_command.empty() && o.password_env.empty() && tty) {
    o.password_command = prompt("Command that prints your SMTP password (e.g. pass show smtp)");
  }

  std::string text = "# peermail configuration, written by `peermail init`. Keep it mode 0600.\n";
  text += "[identity]\n";
  text += fmt::format("from = {}\n", toml_string(o.from));
  text += fmt::format("user_id = {}\n", toml_string(o.username));
  text +=
    fmt::format("signing_key = {}\n\n", toml_string(util::normalize_fingerprint(o.signing_key)));
  text += "[account.default]\n";
  text += fmt::format("host = {}\nport = {}\ntls = {}\nmin_tls = \"1.2\"\n",
                      toml_string(o.host),
                      o.port,
                      toml_string(o.tls));
  text += fmt::format("username = {}\n", toml_string(o.username));
  if (!o.password_command.empty()) {
    text += fmt::format("password_command = {}\n", toml_string(o.password_command));
  } else if (!o.password_env.empty()) {
    text += fmt::format("password_env = {}\n", toml_string(o.password_env));
  }
  text += "timeout_s = 30\n\n";
  text +=
    "[policy]\nencrypt_to_self = true\nprotect_subject = true\nmin_rsa_bits = 3072\n"
    "expiry_warning_days = 30\n\n";
  text +=
    "# Verified correspondents: add one [[peer]] per address, fingerprint checked\n"
    "# out of band.\n# [[peer]]\n# address = \"sam.lee@hospital.example\"\n"
    "# fingerprint = \"...\"\n\n";
  text += "[audit]\n";
  if (!o.audit_path.empty()) {
    text += fmt::format("path = {}\n", toml_string(o.audit_path));
  }
  text += "retention_days = 2192\n\n";
  text +=
    "# Attestations peermail cannot measure; `peermail check` fails CFG-01 until the\n"
    "# BAA is filled in.\n[compliance]\n"
    "# baa = { provider = \"...\", reference = \"...\", expires = 2027-06-30 }\n"
    "# risk_analysis = { reference = \"...\", date = 2026-03-01 }\n"
    "# emergency_access = { reference = \"...\", date = 2026-03-01 }\n";

  config::LoadOptions lo;
  lo.env = g.env;
  lo.path = o.output.empty() ? g.config_path : std::optional<std::string>(o.output);
  const std::string path = config::resolve_path(lo);
  auto parsed = config::parse(text, path, lo);
  if (!parsed) {
    return print_error(parsed.error());
  }
  struct stat st
  {
  };
  if (::stat(path.c_str(), &st) == 0 && !o.force) {
    return print_error(Error(Errc::usage,
                             fmt::format("{} exists; not overwriting it", path),
                             "",
                             "pass --force to replace it"));
  }
  make_parents(path);
  if (auto w = write_output(path, text); !w) {
    return print_error(w.error());
  }
  if (g.json) {
    print_json(nlohmann::json{
      {"written", path}
    });
  } else {
    std::cout << fmt::format("wrote {} (mode 0600)\n", path);
    print_note("fill in [compliance] and add [[peer]] entries, then run `peermail check`");
  }
  return k_ok;
}

} // namespace

void
register_init(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<InitOptions>();
  sub.add_option("--from", o->from, "your address: \"Name <addr>\"");
  sub.add_option("--signing-key", o->signing_key, "full fingerprint of your signing key");
  sub.add_option("--host", o->host, "submission server host name");
  sub.add_option("--port", o->port, "465 (implicit TLS) or 587 (STARTTLS); 25 is refused");
  sub.add_option("--tls", o->tls, "implicit (default) or starttls");
  sub.add_option("--username", o->username, "your own submission user name");
  sub.add_option("--password-command", o->password_command, "command that prints the password");
  sub.add_option("--password-env", o->password_env, "environment variable with the password");
  sub.add_option("--audit-path", o->audit_path, "audit log path");
  sub.add_option("-o,--output", o->output, "file to write (default: the config path)");
  sub.add_flag("--force", o->force, "replace an existing file");
  sub.footer(
    "Writes the config atomically with mode 0600 (parent directories 0700). Missing\n"
    "values are asked for on a terminal. Exit: 0 written; 64 missing values or the\n"
    "file exists (use --force); 74 write error; 78 a non-compliant choice (--port 25,\n"
    "--tls other than implicit/starttls).");
  sub.callback([&g, o, exit_code] { *exit_code = run_init(g, *o); });
}

} // namespace peermail::cli
