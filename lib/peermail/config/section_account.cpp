// SPDX-License-Identifier: GPL-3.0-or-later
// [account.NAME]: the submission server, its TLS settings and credentials
// (referenced, never stored).
#include "parser.hpp"

#include <peermail/util/fs.hpp>

#include <arpa/inet.h>

#include <cctype>

namespace peermail::config {

// One rule for account.NAME.host wherever it is set (the file or
// $PEERMAIL_HOST): a plain host name, the reference identity of TLS-05.
// `where` is "file:line:col" or "$PEERMAIL_HOST". The value is not quoted
// (it may hold line breaks).
Result<void>
check_host(const std::string& host, const std::string& where, const std::string& key)
{
  if (host.empty() || host.find_first_of(" /:@\t\r\n") != std::string::npos
      || host.find('\0') != std::string::npos) {
    return fail(Errc::config,
                fmt::format("{}: {}: must be a plain host name (no scheme, port, user, path or "
                            "spaces)",
                            where,
                            key),
                "TLS-05",
                "set it to the server's DNS name as in its certificate, e.g. "
                "\"smtp.example.org\"; the port goes in `port`");
  }
  return {};
}

bool
is_helo_name(const std::string& name)
{
  if (name.size() >= 3 && name.front() == '[' && name.back() == ']') {
    std::string lit = name.substr(1, name.size() - 2);
    const bool v6 = lit.rfind("IPv6:", 0) == 0;
    if (v6) {
      lit.erase(0, 5);
    }
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(v6 ? AF_INET6 : AF_INET, lit.c_str(), buf) == 1;
  }
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t label = 0;
  char prev = '.';
  for (const char c : name) {
    const bool ldh = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    if (c == '.') {
      if (label == 0 || prev == '-') {
        return false;
      }
      label = 0;
    } else if (!ldh || (label == 0 && c == '-') || ++label > 63) {
      return false;
    }
    prev = c;
  }
  return prev != '-' && prev != '.';
}

Result<void>
Parser::parse_account(const std::string& name, const toml::table& t)
{
  const std::string prefix = "account." + name;
  PEERMAIL_TRY(check_keys(t, prefix, k_account_keys));
  Account a;
  a.name = name;
  bool port_set = false;
  if (auto n = t.get("host")) {
    PEERMAIL_TRY_ASSIGN(a.host, get_string(*n, prefix + ".host"));
    const auto& b = n->source().begin;
    PEERMAIL_TRY(
      check_host(a.host, fmt::format("{}:{}:{}", m_path, b.line, b.column), prefix + ".host"));
  }
  if (auto n = t.get("port")) {
    PEERMAIL_TRY_ASSIGN(auto p, get_int(*n, prefix + ".port", 1, 65535));
    a.port = static_cast<int>(p);
    port_set = true;
    if (a.port == 25) {
      violate(prefix + ".port",
              "25",
              pos(n->source()),
              "TLS-01",
              "port 25 is for relay between servers, not for submission",
              "use port = 465 with tls = \"implicit\", or port = 587 with tls = \"starttls\"");
    }
  }
  if (auto n = t.get("tls")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_string(*n, prefix + ".tls"));
    if (v == "implicit") {
      a.tls = TlsMode::implicit;
    } else if (v == "starttls") {
      a.tls = TlsMode::starttls;
    } else {
      violate(prefix + ".tls",
              fmt::format("\"{}\"", v),
              pos(n->source()),
              "TLS-01",
              "only \"implicit\" and \"starttls\" (always required) exist; mail is never sent "
              "without TLS",
              "set tls = \"implicit\" (port 465) or tls = \"starttls\" (port 587)");
    }
    if (!port_set) {
      a.port = a.tls == TlsMode::implicit ? 465 : 587;
    }
  }
  if (auto n = t.get("min_tls")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_string(*n, prefix + ".min_tls"));
    if (v == "1.2") {
      a.min_tls = TlsVersion::v1_2;
    } else if (v == "1.3") {
      a.min_tls = TlsVersion::v1_3;
    } else if (v == "1.0" || v == "1.1" || v == "1" || v == "ssl3" || v == "SSLv3") {
      violate(prefix + ".min_tls",
              fmt::format("\"{}\"", v),
              pos(n->source()),
              "TLS-02",
              "TLS versions below 1.2 must not be used",
              "set min_tls = \"1.2\" or \"1.3\"");
    } else {
      return unexpected(
        err(n->source(),
            prefix + ".min_tls",
            fmt::format("\"{}\" is not a TLS version (use \"1.2\" or \"1.3\")", v)));
    }
  }
  if (auto n = t.get("ca_file")) {
    PEERMAIL_TRY_ASSIGN(a.ca_file, get_string(*n, prefix + ".ca_file"));
    a.ca_file = util::expand_home(a.ca_file, m_opts.env.count("HOME") ? m_opts.env.at("HOME") : "");
  }
  if (auto n = t.get("pin_sha256")) {
    PEERMAIL_TRY_ASSIGN(a.pin_sha256, get_string(*n, prefix + ".pin_sha256"));
    if (a.pin_sha256.size() != 44 || a.pin_sha256.back() != '=') {
      return unexpected(
        err(n->source(),
            prefix + ".pin_sha256",
            "must be the base64 SHA-256 of the server's public key (44 characters)"));
    }
  }
  if (auto n = t.get("username")) {
    PEERMAIL_TRY_ASSIGN(a.username, get_string(*n, prefix + ".username"));
  }
  int secrets = 0;
  if (auto n = t.get("password_command")) {
    PEERMAIL_TRY_ASSIGN(a.password_command, get_string(*n, prefix + ".password_command"));
    ++secrets;
  }
  if (auto n = t.get("password_env")) {
    PEERMAIL_TRY_ASSIGN(a.password_env, get_string(*n, prefix + ".password_env"));
    ++secrets;
  }
  if (auto n = t.get("oauth2_token_command")) {
    PEERMAIL_TRY_ASSIGN(a.oauth2_token_command, get_string(*n, prefix + ".oauth2_token_command"));
    ++secrets;
  }
  if (secrets > 1) {
    return unexpected(err(
      t.source(), prefix, "set only one of password_command, password_env, oauth2_token_command"));
  }
  if (secrets > 0) {
    m_cfg.references_secrets = true;
  }
  if (auto n = t.get("timeout_s")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, prefix + ".timeout_s", 1, 600));
    a.timeout_s = static_cast<int>(v);
  }
  if (auto n = t.get("data_timeout_s")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, prefix + ".data_timeout_s", 1, 3600));
    a.data_timeout_s = static_cast<int>(v);
  }
  if (auto n = t.get("helo")) {
    PEERMAIL_TRY_ASSIGN(a.helo, get_string(*n, prefix + ".helo"));
    if (!is_helo_name(a.helo)) {
      return unexpected(err(n->source(),
                            prefix + ".helo",
                            "must be this host's fully qualified domain name (letters, digits, "
                            "hyphens and dots) or an address literal such as \"[192.0.2.1]\"; "
                            "leave it out to use the host's own name"));
    }
  }
  m_cfg.accounts[name] = a;
  return {};
}

} // namespace peermail::config
