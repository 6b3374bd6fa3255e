// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/process.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <set>
#include <tuple>

namespace peermail::config {

std::string_view
to_string(TlsMode mode)
{
  return mode == TlsMode::implicit ? "implicit" : "starttls";
}

std::string_view
to_string(TlsVersion version)
{
  return version == TlsVersion::v1_3 ? "1.3" : "1.2";
}

long
Date::days_since_epoch() const
{
  // Howard Hinnant's days_from_civil.
  const int y = year - (month <= 2 ? 1 : 0);
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(month + (month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string
Date::to_string() const
{
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

const Account&
Config::account() const
{
  auto it = accounts.find(account_name);
  assert(it != accounts.end());
  return it->second;
}

std::string
Config::where(const std::string& key) const
{
  auto it = positions.find(key);
  if (it == positions.end()) {
    return "default";
  }
  if (it->second.line == 0) {
    return it->second.file;
  }
  return fmt::format("{}:{}", it->second.file, it->second.line);
}

std::optional<std::string>
Config::pinned_fingerprint(const std::string& address) const
{
  const auto want = util::to_lower(address);
  for (const auto& p : peers) {
    if (p.address == want) {
      return p.fingerprint;
    }
  }
  return std::nullopt;
}

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

namespace {

// identity.user_id is written to every audit record (docs/LIMITS.md).
constexpr std::size_t k_max_user_id_bytes = 128;

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

struct Key
{
  std::string_view name;
  enum class Type { string, integer, boolean, date_table } type;
};

constexpr Key k_identity_keys[] = {
  {"from",               Key::Type::string },
  {"user_id",            Key::Type::string },
  {"signing_key",        Key::Type::string },
  {"passphrase_command", Key::Type::string },
  {"rewrite_from",       Key::Type::boolean},
};
constexpr Key k_account_keys[] = {
  {"host",                 Key::Type::string },
  {"port",                 Key::Type::integer},
  {"tls",                  Key::Type::string },
  {"min_tls",              Key::Type::string },
  {"ca_file",              Key::Type::string },
  {"pin_sha256",           Key::Type::string },
  {"username",             Key::Type::string },
  {"password_command",     Key::Type::string },
  {"password_env",         Key::Type::string },
  {"oauth2_token_command", Key::Type::string },
  {"timeout_s",            Key::Type::integer},
  {"data_timeout_s",       Key::Type::integer},
};
constexpr Key k_policy_keys[] = {
  {"encrypt_to_self",     Key::Type::boolean},
  {"archive_key",         Key::Type::string },
  {"protect_subject",     Key::Type::boolean},
  {"min_rsa_bits",        Key::Type::integer},
  {"expiry_warning_days", Key::Type::integer},
};
constexpr Key k_peer_keys[] = {
  {"address",     Key::Type::string},
  {"fingerprint", Key::Type::string},
};
constexpr Key k_audit_keys[] = {
  {"path",           Key::Type::string },
  {"retention_days", Key::Type::integer},
};
constexpr Key k_compliance_keys[] = {
  {"baa",              Key::Type::date_table},
  {"risk_analysis",    Key::Type::date_table},
  {"emergency_access", Key::Type::date_table},
};
constexpr std::string_view k_top_level[] = {
  "identity", "account", "policy", "peer", "audit", "compliance"};
constexpr std::string_view k_attestation_keys[] = {"provider", "reference", "date", "expires"};

// Keys that exist in other mail tools to weaken security. They are refused as
// non-compliant (exit 78), not merely as unknown, so the message says why.
struct Weakening
{
  std::string_view key;
  std::string_view check_id;
  std::string_view problem;
  std::string_view fix;
};
constexpr Weakening k_weakening[] = {
  {"password",
   "AUTH-04",                   "a literal password must not be stored in the config",
   "remove it and set password_command (e.g. \"pass show smtp\") or password_env"                                                 },
  {"pass",
   "AUTH-04",                   "a literal password must not be stored in the config",
   "remove it and set password_command or password_env"                                                                           },
  {"secret",
   "AUTH-04",                   "a literal secret must not be stored in the config",
   "remove it and set password_command or password_env"                                                                           },
  {"token",
   "AUTH-04",                   "a literal token must not be stored in the config",
   "remove it and set oauth2_token_command"                                                                                       },
  {"oauth2_token",
   "AUTH-04",                   "a literal token must not be stored in the config",
   "remove it and set oauth2_token_command"                                                                                       },
  {"passphrase",
   "AUTH-04",                   "a literal passphrase must not be stored in the config",
   "remove it; set identity.passphrase_command, or let gpg-agent ask for it"                                                      },
  {"insecure",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; point ca_file at the CA that signed the server certificate"                                                   },
  {"verify",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"verify_peer",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; point ca_file at the CA that signed the server certificate"                                                   },
  {"verify_host",
   "TLS-05",                    "hostname verification cannot be turned off",
   "remove the key; set host to a name in the server certificate"                                                                 },
  {"verify_hostname",
   "TLS-05",                    "hostname verification cannot be turned off",
   "remove the key; set host to a name in the server certificate"                                                                 },
  {"tls_verify",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"tls_certcheck",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"tls_nocertcheck",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"skip_verify",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"allow_plaintext",
   "TLS-01",                    "plaintext submission is never allowed",
   "remove the key; use tls = \"implicit\" (port 465) or \"starttls\" (port 587)"                                                 },
  {"allow_insecure",  "CFG-04", "insecure overrides cannot be set in the config",        "remove the key"                         },
  {"always_trust",
   "E2E-04",                    "\"always trust\" would encrypt to unverified keys",
   "remove the key; pin the peer's fingerprint in a [[peer]] entry"                                                               },
  {"trust_model",
   "E2E-04",                    "the trust model cannot be weakened",
   "remove the key; pin the peer's fingerprint in a [[peer]] entry"                                                               },
  {"encrypt",
   "E2E-01",                    "end-to-end encryption cannot be turned off",
   "remove the key; every message is encrypted"                                                                                   },
  {"sign",            "SIG-01", "signing cannot be turned off",                          "remove the key; every message is signed"},
  {"enabled",
   "AUD-04",                    "the audit log cannot be turned off",
   "remove the key; the audit log is always on"                                                                                   },
};

class Parser
{
public:
  Parser(std::string path, const LoadOptions& opts)
    : m_path(std::move(path)),
      m_opts(opts)
  {
  }

  Result<Config> run(std::string_view text);

private:
  std::string m_path;
  const LoadOptions& m_opts;
  Config m_cfg;

  SourcePos
  pos(const toml::source_region& src) const
  {
    return SourcePos{m_path, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)};
  }

  Error
  err(const toml::source_region& src, const std::string& key, const std::string& msg) const
  {
    return Error(
      Errc::config,
      fmt::format("{}:{}:{}: {}: {}", m_path, src.begin.line, src.begin.column, key, msg));
  }

  void
  violate(const std::string& key,
          const std::string& value,
          SourcePos where,
          std::string_view check_id,
          std::string_view problem,
          std::string_view fix)
  {
    m_cfg.violations.push_back(Violation{
      key, value, std::move(where), std::string(check_id), std::string(problem), std::string(fix)});
  }

  template<typename KeyRange>
  Result<void> check_keys(const toml::table& tbl, const std::string& prefix, const KeyRange& known);

  Result<std::string> get_string(const toml::node& n, const std::string& key);
  Result<long> get_int(const toml::node& n, const std::string& key, long lo, long hi);
  Result<bool> get_bool(const toml::node& n, const std::string& key);

  Result<void> parse_identity(const toml::table& t);
  Result<void> parse_account(const std::string& name, const toml::table& t);
  Result<void> parse_policy(const toml::table& t);
  Result<void> parse_peers(const toml::node& n);
  Result<void> parse_audit(const toml::table& t);
  Result<void> parse_compliance(const toml::table& t);
  Result<void> apply_env();
  Result<void> finish();
};

std::string
did_you_mean(std::string_view key, const std::vector<std::string_view>& known)
{
  std::string best;
  std::size_t best_d = 3;
  for (auto k : known) {
    const auto d = util::edit_distance(util::to_lower(key), k);
    if (d < best_d || (d == best_d && best.empty() && d <= 2)) {
      best_d = d;
      best = std::string(k);
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean \"{}\"?)", best);
}

template<typename KeyRange>
Result<void>
Parser::check_keys(const toml::table& tbl, const std::string& prefix, const KeyRange& known)
{
  std::vector<std::string_view> names;
  for (const auto& k : known) {
    if constexpr (std::is_same_v<std::decay_t<decltype(k)>, Key>) {
      names.push_back(k.name);
    } else {
      names.push_back(k);
    }
  }
  for (auto&& [k, v] : tbl) {
    const std::string name(k.str());
    const std::string full = prefix.empty() ? name : prefix + "." + name;
    bool ok = false;
    for (auto n : names) {
      ok = ok || n == name;
    }
    if (ok) {
      m_cfg.positions[full] = pos(v.source());
      continue;
    }
    bool weak = false;
    for (const auto& w : k_weakening) {
      if (w.key == util::to_lower(name)) {
        const bool secret = w.check_id == "AUTH-04";
        std::string shown = secret ? std::string("\"…\"") : std::string();
        if (!secret) {
          if (auto s = v.template value<std::string>()) {
            shown = fmt::format("\"{}\"", *s);
          } else if (auto b = v.template value<bool>()) {
            shown = *b ? "true" : "false";
          } else {
            shown = "…";
          }
        }
        violate(full, shown, pos(v.source()), w.check_id, w.problem, w.fix);
        m_cfg.positions[full] = pos(v.source());
        weak = true;
        break;
      }
    }
    if (!weak) {
      return unexpected(
        err(k.source(), full, fmt::format("unknown key{}", did_you_mean(name, names))));
    }
  }
  return {};
}

Result<std::string>
Parser::get_string(const toml::node& n, const std::string& key)
{
  if (!n.is_string()) {
    return unexpected(err(n.source(), key, "expected a string"));
  }
  auto s = *n.value<std::string>();
  if (s.find('\0') != std::string::npos) {
    return unexpected(err(n.source(), key, "contains a NUL byte"));
  }
  return s;
}

Result<long>
Parser::get_int(const toml::node& n, const std::string& key, long lo, long hi)
{
  if (!n.is_integer()) {
    return unexpected(err(n.source(), key, "expected an integer"));
  }
  const long v = static_cast<long>(*n.value<int64_t>());
  if (v < lo || v > hi) {
    return unexpected(err(n.source(), key, fmt::format("{} is out of range ({}..{})", v, lo, hi)));
  }
  return v;
}

Result<bool>
Parser::get_bool(const toml::node& n, const std::string& key)
{
  if (!n.is_boolean()) {
    return unexpected(err(n.source(), key, "expected true or false"));
  }
  return *n.value<bool>();
}

Result<void>
Parser::parse_identity(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "identity", k_identity_keys));
  auto& id = m_cfg.identity;
  if (auto n = t.get("from")) {
    PEERMAIL_TRY_ASSIGN(id.from, get_string(*n, "identity.from"));
    auto mb = address::parse_mailbox(id.from, "");
    if (!mb) {
      auto e = err(n->source(), "identity.from", mb.error().message);
      e.fix = mb.error().fix;
      return unexpected(std::move(e));
    }
    id.display_name = mb->display_name;
    id.address = mb->address;
  }
  if (auto n = t.get("user_id")) {
    PEERMAIL_TRY_ASSIGN(id.user_id, get_string(*n, "identity.user_id"));
    // It goes into every audit record (`user`): bounded, one printable line.
    const bool control = std::any_of(id.user_id.begin(), id.user_id.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (id.user_id.size() > k_max_user_id_bytes || control) {
      auto e = err(n->source(),
                   "identity.user_id",
                   fmt::format("must be at most {} bytes without control characters (it is "
                               "written to every audit record)",
                               k_max_user_id_bytes));
      e.fix = "set user_id to the operator's login or staff ID, e.g. \"ana.ruiz\"";
      return unexpected(std::move(e));
    }
  }
  if (auto n = t.get("signing_key")) {
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*n, "identity.signing_key"));
    id.signing_key = util::normalize_fingerprint(fpr);
    if (id.signing_key.size() != 40 && id.signing_key.size() != 64) {
      return unexpected(err(n->source(),
                            "identity.signing_key",
                            "must be a full fingerprint (40 or 64 hex digits), not a key ID"));
    }
    if (id.signing_key.find_first_not_of("0123456789ABCDEF") != std::string::npos) {
      return unexpected(err(n->source(), "identity.signing_key", "must be hexadecimal"));
    }
  }
  if (auto n = t.get("passphrase_command")) {
    PEERMAIL_TRY_ASSIGN(id.passphrase_command, get_string(*n, "identity.passphrase_command"));
  }
  if (auto n = t.get("rewrite_from")) {
    PEERMAIL_TRY_ASSIGN(id.rewrite_from, get_bool(*n, "identity.rewrite_from"));
  }
  return {};
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
  m_cfg.accounts[name] = a;
  return {};
}

Result<void>
Parser::parse_policy(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "policy", k_policy_keys));
  auto& p = m_cfg.policy;
  if (auto n = t.get("encrypt_to_self")) {
    PEERMAIL_TRY_ASSIGN(p.encrypt_to_self, get_bool(*n, "policy.encrypt_to_self"));
  }
  if (auto n = t.get("archive_key")) {
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*n, "policy.archive_key"));
    p.archive_key = util::normalize_fingerprint(fpr);
    if (!p.archive_key.empty() && p.archive_key.size() != 40 && p.archive_key.size() != 64) {
      return unexpected(err(n->source(), "policy.archive_key", "must be a full fingerprint"));
    }
  }
  if (auto n = t.get("protect_subject")) {
    PEERMAIL_TRY_ASSIGN(p.protect_subject, get_bool(*n, "policy.protect_subject"));
    if (!p.protect_subject) {
      violate("policy.protect_subject",
              "false",
              pos(n->source()),
              "E2E-06",
              "the real Subject would travel unencrypted",
              "set protect_subject = true (the outer Subject becomes \"[...]\")");
    }
  }
  if (auto n = t.get("min_rsa_bits")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, "policy.min_rsa_bits", 1, 16384));
    p.min_rsa_bits = static_cast<int>(v);
    if (v < 2048) {
      violate("policy.min_rsa_bits",
              std::to_string(v),
              pos(n->source()),
              "KEY-01",
              "RSA keys below 2048 bits give less than 112-bit security",
              "set min_rsa_bits = 3072 (or at least 2048)");
    }
  }
  if (auto n = t.get("expiry_warning_days")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, "policy.expiry_warning_days", 0, 3650));
    p.expiry_warning_days = static_cast<int>(v);
  }
  return {};
}

Result<void>
Parser::parse_peers(const toml::node& n)
{
  const auto* arr = n.as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return unexpected(err(n.source(), "peer", "use [[peer]] tables"));
  }
  std::set<std::string> seen;
  std::size_t i = 0;
  for (const auto& e : *arr) {
    const auto& t = *e.as_table();
    const std::string prefix = fmt::format("peer[{}]", i++);
    PEERMAIL_TRY(check_keys(t, prefix, k_peer_keys));
    Peer p;
    auto a = t.get("address");
    auto f = t.get("fingerprint");
    if (a == nullptr || f == nullptr) {
      return unexpected(err(t.source(), prefix, "needs both address and fingerprint"));
    }
    PEERMAIL_TRY_ASSIGN(auto addr, get_string(*a, prefix + ".address"));
    auto mb = address::check_address(addr);
    if (!mb) {
      const auto bad = address::invalid("", addr, mb.error().message);
      auto refusal = err(a->source(), prefix + ".address", bad.message);
      refusal.fix = bad.fix;
      return unexpected(std::move(refusal));
    }
    p.address = *mb;
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*f, prefix + ".fingerprint"));
    p.fingerprint = util::normalize_fingerprint(fpr);
    if ((p.fingerprint.size() != 40 && p.fingerprint.size() != 64)
        || p.fingerprint.find_first_not_of("0123456789ABCDEF") != std::string::npos) {
      return unexpected(err(f->source(),
                            prefix + ".fingerprint",
                            "must be a full fingerprint (40 or 64 hex digits), not a key ID"));
    }
    if (!seen.insert(p.address).second) {
      return unexpected(
        err(a->source(), prefix + ".address", fmt::format("{} is listed twice", p.address)));
    }
    m_cfg.positions[prefix + ".address"] = pos(a->source());
    m_cfg.peers.push_back(p);
  }
  return {};
}

Result<void>
Parser::parse_audit(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "audit", k_audit_keys));
  if (auto n = t.get("path")) {
    PEERMAIL_TRY_ASSIGN(auto p, get_string(*n, "audit.path"));
    if (p.empty()) {
      violate("audit.path",
              "\"\"",
              pos(n->source()),
              "AUD-04",
              "the audit log cannot be turned off",
              "set path to a file, e.g. \"~/.local/state/peermail/audit.jsonl\"");
    }
    m_cfg.audit.path = p;
  }
  if (auto n = t.get("retention_days")) {
    PEERMAIL_TRY_ASSIGN(auto v, get_int(*n, "audit.retention_days", 0, 100000));
    m_cfg.audit.retention_days = static_cast<int>(v);
  }
  return {};
}

Result<void>
Parser::parse_compliance(const toml::table& t)
{
  PEERMAIL_TRY(check_keys(t, "compliance", k_compliance_keys));
  auto attest = [&](const char* name) -> Result<std::optional<Attestation>> {
    auto n = t.get(name);
    if (n == nullptr) {
      return std::optional<Attestation>();
    }
    const std::string prefix = fmt::format("compliance.{}", name);
    const auto* tbl = n->as_table();
    if (tbl == nullptr) {
      return unexpected(err(n->source(), prefix, "expected a table { reference = ..., ... }"));
    }
    PEERMAIL_TRY(check_keys(*tbl, prefix, k_attestation_keys));
    Attestation a;
    if (auto v = tbl->get("provider")) {
      PEERMAIL_TRY_ASSIGN(a.provider, get_string(*v, prefix + ".provider"));
    }
    if (auto v = tbl->get("reference")) {
      PEERMAIL_TRY_ASSIGN(a.reference, get_string(*v, prefix + ".reference"));
    }
    for (const char* dk : {"date", "expires"}) {
      if (auto v = tbl->get(dk)) {
        if (!v->is_date()) {
          return unexpected(
            err(v->source(), prefix + "." + dk, "expected a date such as 2027-06-30 (no quotes)"));
        }
        const auto d = *v->value<toml::date>();
        Date out{d.year, d.month, d.day};
        (std::string_view(dk) == "date" ? a.date : a.expires) = out;
      }
    }
    m_cfg.positions[prefix] = pos(n->source());
    return std::optional<Attestation>(a);
  };
  PEERMAIL_TRY_ASSIGN(m_cfg.compliance.baa, attest("baa"));
  PEERMAIL_TRY_ASSIGN(m_cfg.compliance.risk_analysis, attest("risk_analysis"));
  PEERMAIL_TRY_ASSIGN(m_cfg.compliance.emergency_access, attest("emergency_access"));
  return {};
}

// Environment overrides (precedence: flags > PEERMAIL_* > file). Each applies
// to the selected account and is validated like the file.
Result<void>
Parser::apply_env()
{
  auto it = m_cfg.accounts.find(m_cfg.account_name);
  if (it == m_cfg.accounts.end()) {
    return {};
  }
  Account& a = it->second;
  const std::string prefix = "account." + a.name;
  auto env = [&](const char* k) -> const std::string* {
    auto e = m_opts.env.find(k);
    return e == m_opts.env.end() || e->second.empty() ? nullptr : &e->second;
  };
  auto src = [](const char* k) { return SourcePos{fmt::format("${}", k), 0, 0}; };
  if (auto v = env("PEERMAIL_HOST")) {
    PEERMAIL_TRY(check_host(*v, "$PEERMAIL_HOST", prefix + ".host"));
    a.host = *v;
    m_cfg.positions[prefix + ".host"] = src("PEERMAIL_HOST");
  }
  if (auto v = env("PEERMAIL_PORT")) {
    char* end = nullptr;
    const long p = std::strtol(v->c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) {
      return fail(Errc::config, fmt::format("$PEERMAIL_PORT: \"{}\" is not a port number", *v));
    }
    a.port = static_cast<int>(p);
    m_cfg.positions[prefix + ".port"] = src("PEERMAIL_PORT");
    if (p == 25) {
      violate(prefix + ".port",
              "25",
              src("PEERMAIL_PORT"),
              "TLS-01",
              "port 25 is for relay between servers, not for submission",
              "use port 465 (implicit TLS) or 587 (STARTTLS)");
    }
  }
  if (auto v = env("PEERMAIL_CA_FILE")) {
    a.ca_file = *v;
    m_cfg.positions[prefix + ".ca_file"] = src("PEERMAIL_CA_FILE");
  }
  if (auto v = env("PEERMAIL_USERNAME")) {
    a.username = *v;
    m_cfg.positions[prefix + ".username"] = src("PEERMAIL_USERNAME");
  }
  if (auto v = env("PEERMAIL_AUDIT_PATH")) {
    m_cfg.audit.path = *v;
    m_cfg.positions["audit.path"] = src("PEERMAIL_AUDIT_PATH");
  }
  return {};
}

Result<void>
Parser::finish()
{
  auto home = m_opts.env.count("HOME") ? m_opts.env.at("HOME") : std::string();
  if (m_cfg.audit.path.empty() && !m_cfg.positions.count("audit.path")) {
    auto st = m_opts.env.find("XDG_STATE_HOME");
    m_cfg.audit.path = st != m_opts.env.end() && !st->second.empty()
                         ? st->second + "/peermail/audit.jsonl"
                         : home + "/.local/state/peermail/audit.jsonl";
  }
  m_cfg.audit.path = util::expand_home(m_cfg.audit.path, home);
  if (m_cfg.accounts.empty()) {
    return fail(Errc::config,
                fmt::format("{}: no [account.NAME] table; add [account.default]", m_path));
  }
  for (const auto& [name, a] : m_cfg.accounts) {
    if (a.host.empty()) {
      return fail(Errc::config, fmt::format("{}: account.{}.host: missing", m_path, name));
    }
  }
  if (m_cfg.identity.address.empty()) {
    return fail(Errc::config, fmt::format("{}: identity.from: missing", m_path));
  }
  if (m_cfg.identity.signing_key.empty()) {
    return fail(Errc::config,
                fmt::format("{}: identity.signing_key: missing (the full fingerprint of your "
                            "signing key; see `gpg --list-secret-keys --with-colons`)",
                            m_path),
                "SIG-01");
  }
  return {};
}

Result<Config>
Parser::run(std::string_view text)
{
  m_cfg.path = m_path;
  m_cfg.sha256 = util::sha256_hex(text);
  toml::table root;
  try {
    root = toml::parse(text, m_path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return fail(Errc::config,
                fmt::format("{}:{}:{}: {}", m_path, b.line, b.column, e.description()));
  }
  for (auto&& [k, v] : root) {
    const std::string name(k.str());
    bool known = false;
    for (auto t : k_top_level) {
      known = known || t == name;
    }
    if (!known) {
      std::vector<std::string_view> names(std::begin(k_top_level), std::end(k_top_level));
      return unexpected(
        err(k.source(), name, fmt::format("unknown key{}", did_you_mean(name, names))));
    }
    if (name != "peer" && !v.is_table()) {
      return unexpected(err(v.source(), name, "expected a table"));
    }
  }
  if (auto t = root["identity"].as_table()) {
    PEERMAIL_TRY(parse_identity(*t));
  }
  if (auto t = root["account"].as_table()) {
    for (auto&& [k, v] : *t) {
      const std::string name(k.str());
      if (!v.is_table()) {
        return unexpected(
          err(v.source(), "account." + name, "expected a table such as [account.default]"));
      }
      PEERMAIL_TRY(parse_account(name, *v.as_table()));
    }
  }
  if (auto t = root["policy"].as_table()) {
    PEERMAIL_TRY(parse_policy(*t));
  }
  if (auto n = root.get("peer")) {
    PEERMAIL_TRY(parse_peers(*n));
  }
  if (auto t = root["audit"].as_table()) {
    PEERMAIL_TRY(parse_audit(*t));
  }
  if (auto t = root["compliance"].as_table()) {
    PEERMAIL_TRY(parse_compliance(*t));
  }

  // Account selection: --account > $PEERMAIL_ACCOUNT > "default" > the only one.
  std::string want;
  SourcePos want_src;
  if (m_opts.account) {
    want = *m_opts.account;
    want_src = {"--account", 0, 0};
  } else if (auto e = m_opts.env.find("PEERMAIL_ACCOUNT");
             e != m_opts.env.end() && !e->second.empty()) {
    want = e->second;
    want_src = {"$PEERMAIL_ACCOUNT", 0, 0};
  }
  if (!want.empty()) {
    if (!m_cfg.accounts.count(want)) {
      std::vector<std::string_view> names;
      for (const auto& [n, a] : m_cfg.accounts) {
        names.push_back(n);
      }
      return fail(
        Errc::config,
        fmt::format(
          "{}: no account \"{}\" in {}{}", want_src.file, want, m_path, did_you_mean(want, names)));
    }
    m_cfg.account_name = want;
  } else if (m_cfg.accounts.count("default")) {
    m_cfg.account_name = "default";
  } else if (m_cfg.accounts.size() == 1) {
    m_cfg.account_name = m_cfg.accounts.begin()->first;
  } else if (!m_cfg.accounts.empty()) {
    return fail(
      Errc::config,
      fmt::format("{}: several accounts and none is \"default\"; choose one with --account",
                  m_path));
  }
  PEERMAIL_TRY(apply_env());
  PEERMAIL_TRY(finish());
  // toml++ iterates tables in key order; report violations in file order.
  std::stable_sort(
    m_cfg.violations.begin(), m_cfg.violations.end(), [](const auto& a, const auto& b) {
      return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
    });

  if (m_opts.strictness == Strictness::refuse && !m_cfg.violations.empty()) {
    const auto& v = m_cfg.violations.front();
    const std::string where =
      v.pos.line > 0 ? fmt::format("{}:{}:{}", v.pos.file, v.pos.line, v.pos.column) : v.pos.file;
    return fail(Errc::insecure_config,
                fmt::format("{}: {} = {} is not compliant: {}", where, v.key, v.value, v.problem),
                v.check_id,
                v.fix);
  }
  return std::move(m_cfg);
}

} // namespace

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

Result<Credentials>
resolve_credentials(const Account& account, const std::map<std::string, std::string>& env)
{
  Credentials c;
  c.username = account.username;
  const std::string prefix = "account." + account.name;
  // timeout_s bounds the helper too; then its whole process group is ended.
  const std::chrono::milliseconds helper_timeout = std::chrono::seconds(account.timeout_s);
  if (!account.password_command.empty()) {
    PEERMAIL_TRY_ASSIGN(
      c.password,
      util::run_capture(account.password_command, prefix + ".password_command", helper_timeout));
    if (c.password.empty()) {
      return fail(Errc::auth,
                  fmt::format("{}.password_command printed an empty first line", prefix),
                  "AUTH-04",
                  "make the command print the password on its first line");
    }
  } else if (!account.password_env.empty()) {
    auto it = env.find(account.password_env);
    if (it == env.end() || it->second.empty()) {
      return fail(Errc::auth,
                  fmt::format("{}.password_env: ${} is not set", prefix, account.password_env),
                  "AUTH-04",
                  fmt::format("export {} before running peermail", account.password_env));
    }
    c.password = it->second;
  } else if (!account.oauth2_token_command.empty()) {
    PEERMAIL_TRY_ASSIGN(c.oauth2_token,
                        util::run_capture(account.oauth2_token_command,
                                          prefix + ".oauth2_token_command",
                                          helper_timeout));
    if (c.oauth2_token.empty()) {
      return fail(Errc::auth,
                  fmt::format("{}.oauth2_token_command printed an empty first line", prefix),
                  "AUTH-04",
                  "make the command print the token on its first line");
    }
  }
  return c;
}

} // namespace peermail::config
