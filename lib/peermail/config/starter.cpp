// SPDX-License-Identifier: GPL-3.0-or-later
#include "starter.hpp"

#include "keys.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <sys/stat.h>

#include <algorithm>
#include <iterator>

namespace peermail::config {

namespace {

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

} // namespace

Result<void>
check_starter(Starter& s)
{
  // The words of `tls` as the config file takes them (k_tls_modes), in any case.
  s.tls = util::to_lower(s.tls);
  if (std::find(std::begin(k_tls_modes), std::end(k_tls_modes), s.tls) == std::end(k_tls_modes)) {
    return fail(Errc::insecure_config,
                fmt::format("--tls {} is not compliant: only \"implicit\" and "
                            "\"starttls\" exist",
                            s.tls),
                "TLS-01",
                "use --tls implicit (port 465) or --tls starttls (port 587)");
  }
  if (s.port == 0) {
    s.port = s.tls == "implicit" ? 465 : 587;
  }
  if (s.port == 25) {
    return fail(Errc::insecure_config,
                "--port 25 is not compliant: port 25 is for relaying, not submission",
                "TLS-01",
                "use port 465 (implicit TLS) or 587 (STARTTLS)");
  }
  if (!s.password_command.empty() && !s.password_env.empty()) {
    return fail(Errc::usage, "--password-command and --password-env exclude each other");
  }
  return {};
}

std::string
render_starter(const Starter& s)
{
  std::string text = "# peermail configuration, written by `peermail init`. Keep it mode 0600.\n";
  text += "[identity]\n";
  text += fmt::format("from = {}\n", toml_string(s.from));
  text += fmt::format("user_id = {}\n", toml_string(s.username));
  text +=
    fmt::format("signing_key = {}\n\n", toml_string(util::normalize_fingerprint(s.signing_key)));
  text += "[account.default]\n";
  text += fmt::format("host = {}\nport = {}\ntls = {}\nmin_tls = \"1.2\"\n",
                      toml_string(s.host),
                      s.port,
                      toml_string(s.tls));
  if (!s.ca_file.empty()) {
    text += fmt::format("ca_file = {}\n", toml_string(s.ca_file));
  }
  text += fmt::format("username = {}\n", toml_string(s.username));
  if (!s.password_command.empty()) {
    text += fmt::format("password_command = {}\n", toml_string(s.password_command));
  } else if (!s.password_env.empty()) {
    text += fmt::format("password_env = {}\n", toml_string(s.password_env));
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
  if (!s.audit_path.empty()) {
    text += fmt::format("path = {}\n", toml_string(s.audit_path));
  }
  text += "retention_days = 2192\n\n";
  text +=
    "# Attestations peermail cannot measure; `peermail check` fails CFG-01 until the\n"
    "# BAA is filled in.\n[compliance]\n"
    "# baa = { provider = \"...\", reference = \"...\", expires = 2027-06-30 }\n"
    "# risk_analysis = { reference = \"...\", date = 2026-03-01 }\n"
    "# emergency_access = { reference = \"...\", date = 2026-03-01 }\n";
  return text;
}

Result<void>
prepare_starter_path(const std::string& path)
{
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/') {
      ::mkdir(path.substr(0, i).c_str(), 0700);
    }
  }
  return {};
}

} // namespace peermail::config
