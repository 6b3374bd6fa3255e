// SPDX-License-Identifier: GPL-3.0-or-later
#include "msmtprc.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>

namespace peermail::foreign {

namespace {

// The commands of msmtp 1.8 (msmtp(1), "Commands of configuration files").
constexpr std::array<std::string_view, 46> k_commands = {
  "defaults",
  "account",
  "host",
  "port",
  "source_ip",
  "proxy_host",
  "proxy_port",
  "socket",
  "timeout",
  "protocol",
  "domain",
  "auth",
  "user",
  "password",
  "passwordeval",
  "ntlmdomain",
  "tls",
  "tls_starttls",
  "tls_trust_file",
  "tls_crl_file",
  "tls_fingerprint",
  "tls_key_file",
  "tls_cert_file",
  "tls_certcheck",
  "tls_min_dh_prime_bits",
  "tls_priorities",
  "tls_host_override",
  "tls_nocertcheck",
  "dsn_return",
  "dsn_notify",
  "set_from_header",
  "set_date_header",
  "set_msgid_header",
  "remove_bcc_headers",
  "undisclosed_recipients",
  "logfile",
  "logfile_time_format",
  "syslog",
  "aliases",
  "from",
  "from_full_name",
  "allow_from_override",
  "auto_from",
  "maildomain",
  "add_missing_from_header",
  "add_missing_date_header",
};

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view
trim(std::string_view s)
{
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// The argument as msmtp reads it: quotes removed, \" and \\ unescaped.
std::string
unquote(std::string_view arg)
{
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < arg.size(); ++i) {
    const char c = arg[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\\' && quoted && i + 1 < arg.size()) {
      out += arg[++i];
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string>
split_parents(std::string_view list)
{
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto part = trim(list.substr(0, comma));
    if (!part.empty()) {
      out.emplace_back(part);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return out;
}

} // namespace

const MsmtpSetting*
MsmtpAccount::find(std::string_view command) const
{
  const auto it = settings.find(std::string(command));
  return it == settings.end() ? nullptr : &it->second;
}

const MsmtpAccount*
MsmtpFile::select(std::string_view name) const
{
  const auto by_name = [&](std::string_view n) -> const MsmtpAccount* {
    const auto it = std::find_if(
      accounts.begin(), accounts.end(), [&](const MsmtpAccount& a) { return a.name == n; });
    return it == accounts.end() ? nullptr : &*it;
  };
  if (!name.empty()) {
    return by_name(name);
  }
  if (!default_account.empty()) {
    return by_name(default_account);
  }
  if (const auto* d = by_name("default")) {
    return d;
  }
  return accounts.empty() ? nullptr : &accounts.front();
}

std::optional<bool>
msmtp_bool(const MsmtpSetting* s)
{
  if (s == nullptr) {
    return std::nullopt;
  }
  if (s->value.empty() || s->value == "on") {
    return true;
  }
  if (s->value == "off") {
    return false;
  }
  return std::nullopt;
}

MsmtpFile
parse_msmtprc(std::string_view text)
{
  MsmtpFile out;
  std::map<std::string, MsmtpSetting> defaults;
  MsmtpAccount* current = nullptr;
  bool in_defaults = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    const auto raw = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const auto line = trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto sep = std::find_if(line.begin(), line.end(), is_space);
    const std::string command(line.begin(), sep);
    const auto arg_text = trim(line.substr(command.size()));
    if (command == "defaults") {
      in_defaults = true;
      current = nullptr;
      continue;
    }
    if (command == "account") {
      const auto colon = arg_text.find(':');
      const std::string name(trim(arg_text.substr(0, colon)));
      const auto parents = colon == std::string_view::npos
                             ? std::vector<std::string>()
                             : split_parents(arg_text.substr(colon + 1));
      if (name == "default" && parents.size() == 1) {
        out.default_account = parents.front();
        in_defaults = false;
        current = nullptr;
        continue;
      }
      MsmtpAccount a;
      a.name = name;
      a.line = line_no;
      a.settings = defaults;
      for (const auto& p : parents) {
        const auto it = std::find_if(out.accounts.begin(),
                                     out.accounts.end(),
                                     [&](const MsmtpAccount& x) { return x.name == p; });
        if (it == out.accounts.end()) {
          out.notes.push_back(
            {line_no,
             fmt::format("account {} inherits from {}, which is not defined above", name, p)});
          continue;
        }
        for (const auto& [k, v] : it->settings) {
          a.settings[k] = v;
        }
      }
      out.accounts.push_back(std::move(a));
      current = &out.accounts.back();
      in_defaults = false;
      continue;
    }
    if (command == "eval") {
      out.notes.push_back(
        {line_no,
         "eval: the configuration comes from a command's output, which peermail does not run; "
         "what it sets is not judged"});
      continue;
    }
    if (std::find(k_commands.begin(), k_commands.end(), command) == k_commands.end()) {
      out.notes.push_back({line_no, fmt::format("unknown command {}: not judged", command)});
      continue;
    }
    MsmtpSetting s{unquote(arg_text), line_no};
    if (in_defaults) {
      defaults[command] = s;
    } else if (current != nullptr) {
      current->settings[command] = s;
    } else {
      out.notes.push_back(
        {line_no,
         fmt::format("{} comes before any `defaults` or `account` line: msmtp does not apply it",
                     command)});
    }
  }
  return out;
}

} // namespace peermail::foreign
