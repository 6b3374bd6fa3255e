// SPDX-License-Identifier: GPL-3.0-or-later
#include "postfix_rules.hpp"

#include <peermail/policy/board.hpp>
#include <peermail/policy/checklist.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace peermail::policy {

namespace {

using foreign::PostfixConfig;
using foreign::PostfixService;

constexpr std::string_view k_ca_file = "/etc/ssl/certs/ca-certificates.crt";

// Levels at which the Postfix SMTP client defers mail rather than send it
// without TLS (postconf(5) smtp_tls_security_level).
bool
tls_required(std::string_view level)
{
  return level == "encrypt" || level == "dane-only" || level == "fingerprint" || level == "verify"
         || level == "secure";
}

bool
known_level(std::string_view level)
{
  return tls_required(level) || level == "none" || level == "may" || level == "dane";
}

// What a protocols value (">=TLSv1.2", "!SSLv2, !SSLv3", "TLSv1.2 TLSv1.3")
// lets OpenSSL negotiate.
struct Protocols
{
  bool legacy = false; // SSLv2, SSLv3, TLSv1 or TLSv1.1
  bool tls13 = false;
  std::string problem; // a token this reader does not know
};

Protocols
read_protocols(std::string_view value)
{
  static constexpr std::array<std::string_view, 6> k_versions = {
    "SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
  auto index = [](std::string_view v) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < k_versions.size(); ++i) {
      if (util::to_lower(k_versions[i]) == util::to_lower(v)) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<std::string> tokens;
  std::string cur;
  for (const char c : value) {
    if (c == ' ' || c == ',' || c == ':' || c == '\t') {
      if (!cur.empty()) {
        tokens.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    tokens.push_back(cur);
  }
  std::array<bool, 6> allowed{true, true, true, true, true, true};
  Protocols out;
  const bool inclusion = std::any_of(tokens.begin(), tokens.end(), [](const std::string& t) {
    return t.front() != '!' && t.rfind(">=", 0) != 0 && t.rfind("<=", 0) != 0;
  });
  if (inclusion) {
    allowed.fill(false);
  }
  for (const auto& t : tokens) {
    const bool neg = t.front() == '!';
    const bool ge = t.rfind(">=", 0) == 0;
    const bool le = t.rfind("<=", 0) == 0;
    const auto name = std::string_view(t).substr(neg ? 1 : (ge || le ? 2 : 0));
    const auto i = index(name);
    if (!i) {
      out.problem = fmt::format("\"{}\" is not a protocol this reader knows", t);
      return out;
    }
    for (std::size_t k = 0; k < allowed.size(); ++k) {
      if ((neg && k == *i) || (ge && k < *i) || (le && k > *i)) {
        allowed[k] = false;
      } else if (!neg && !ge && !le && k == *i) {
        allowed[k] = true;
      }
    }
  }
  out.legacy = allowed[0] || allowed[1] || allowed[2] || allowed[3];
  out.tls13 = allowed[5];
  return out;
}

// Table types whose entries sit in a local file, readable by whoever can
// read that file (pcre, regexp and cidr tables are plain text too).
bool
local_file_table(std::string_view type)
{
  for (const auto* t : {"hash",
                        "btree",
                        "lmdb",
                        "cdb",
                        "dbm",
                        "sdbm",
                        "texthash",
                        "pcre",
                        "regexp",
                        "cidr",
                        "sqlite"}) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

// Table types that ask a server; nested tables (unionmap, pipemap) and
// unknown types are neither this nor local files: not judged.
bool
lookup_service_table(std::string_view type)
{
  for (const auto* t : {"socketmap", "tcp", "ldap", "mysql", "pgsql", "memcache"}) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

class Judge
{
public:
  Judge(const PostfixConfig& c, const PostfixFiles& f)
    : m_c(c),
      m_f(f)
  {
    // The client's settings are main.cf's unless the `smtp` transport
    // (default_transport, which relayhost and MX deliveries use) overrides
    // them in master.cf.
    for (const auto& s : c.services) {
      if (s.name == "smtp" && s.type == "unix" && s.command == "smtp") {
        m_client = &s;
      }
    }
  }

  // The scope of `name`: `svc` if given, else the smtp transport when it
  // overrides `name`, else main.cf (null).
  const PostfixService*
  scope(std::string_view name, const PostfixService* svc) const
  {
    if (svc != nullptr) {
      return svc;
    }
    if (m_client != nullptr && m_client->overrides.count(std::string(name)) > 0) {
      return m_client;
    }
    return nullptr;
  }

  // "pf/main.cf:12: smtp_tls_security_level = may", or "pf/main.cf:
  // smtp_tls_security_level is not set (Postfix's default: empty)".
  std::string
  cite(std::string_view name, const PostfixService* scope_svc = nullptr) const
  {
    const auto* svc = scope(name, scope_svc);
    const auto* p = m_c.find(name, svc);
    if (p == nullptr) {
      const auto it = m_c.defaults.find(std::string(name));
      const auto def =
        it == m_c.defaults.end() || it->second.empty() ? std::string("empty") : it->second;
      return svc != nullptr
               ? fmt::format("{}: {} {}: {} is not set (Postfix's default: {})",
                             where(svc->file, svc->line, "master.cf"),
                             svc->name,
                             svc->type,
                             name,
                             def)
               : fmt::format(
                 "{}/main.cf: {} is not set (Postfix's default: {})", m_f.dir, name, def);
    }
    const bool override_ = svc != nullptr && svc->overrides.count(std::string(name)) > 0;
    if (override_) {
      return fmt::format("{}: {} {} -o {}={}{}",
                         where(p->file, p->line, "postconf -M"),
                         svc->name,
                         svc->type,
                         name,
                         p->value,
                         expanded(name, svc));
    }
    const auto main_cite =
      p->value.empty()
        ? fmt::format("{}: {} is empty", where(p->file, p->line, "postconf -n"), name)
        : fmt::format("{}: {} = {}{}",
                      where(p->file, p->line, "postconf -n"),
                      name,
                      p->value,
                      expanded(name, svc));
    if (svc != nullptr) {
      return fmt::format("{}: {} {} inherits {}",
                         where(svc->file, svc->line, "master.cf"),
                         svc->name,
                         svc->type,
                         main_cite);
    }
    return main_cite;
  }

  // " (VALUE)" when the value of `name` refers to others and expands.
  std::string
  expanded(std::string_view name, const PostfixService* svc) const
  {
    const auto* p = m_c.find(name, svc);
    if (p == nullptr || p->value.find('$') == std::string::npos) {
      return {};
    }
    const auto v = m_c.value(name, svc);
    return v.problem.empty() ? fmt::format(" ({})", v.value) : std::string();
  }

  // `postconf -e 'name = value'` (with `-c DIR` for another directory).
  // An assignment the smtp transport overrides in master.cf becomes a
  // `postconf -P` for it (`postconf -e` would not change what it uses).
  std::string
  set(std::string_view assignments) const
  {
    std::vector<std::string> words;
    std::string cur;
    char quote = 0;
    for (const char c : assignments) {
      if (quote == 0 && c == ' ') {
        if (!cur.empty()) {
          words.push_back(cur);
        }
        cur.clear();
        continue;
      }
      quote = c == '\'' ? (quote == 0 ? c : 0) : quote;
      cur += c;
    }
    if (!cur.empty()) {
      words.push_back(cur);
    }
    std::string main;
    std::string out;
    for (const auto& w : words) {
      const auto eq = w.find('=');
      std::string name = w.substr(0, eq);
      name.erase(
        std::remove_if(name.begin(), name.end(), [](char c) { return c == '\'' || c == ' '; }),
        name.end());
      if (eq != std::string::npos && scope(name, nullptr) != nullptr) {
        std::string v = w.substr(eq + 1);
        v.erase(std::remove(v.begin(), v.end(), '\''), v.end());
        const auto first = v.find_first_not_of(' ');
        out +=
          fmt::format("{}{}",
                      out.empty() ? "" : "; ",
                      set_in(*m_client, name, first == std::string::npos ? "" : v.substr(first)));
      } else {
        if (!main.empty()) {
          main += ' ';
        }
        main += w;
      }
    }
    if (!main.empty()) {
      const auto e = m_f.default_dir ? fmt::format("postconf -e {}", main)
                                     : fmt::format("postconf -c {} -e {}", m_f.dir, main);
      out = out.empty() ? e : fmt::format("{}; {}", e, out);
    }
    return out;
  }

  // `postconf -P 'service/type/name=value'` for a master.cf override.
  std::string
  set_in(const PostfixService& s, std::string_view name, std::string_view value) const
  {
    const auto arg = fmt::format("'{}/{}/{}={}'", s.name, s.type, name, value);
    return m_f.default_dir ? fmt::format("postconf -P {}", arg)
                           : fmt::format("postconf -c {} -P {}", m_f.dir, arg);
  }

  // The expanded value of `name`; an expansion problem is a note, and the
  // value is then nothing.
  std::optional<std::string>
  value(std::string_view name, const PostfixService* svc = nullptr) const
  {
    auto v = m_c.value(name, scope(name, svc));
    if (!v.problem.empty()) {
      return std::nullopt;
    }
    return v.value;
  }

  std::string
  problem(std::string_view name, const PostfixService* svc = nullptr) const
  {
    return fmt::format(
      "{}: not judged: {}", cite(name, svc), m_c.value(name, scope(name, svc)).problem);
  }

  // The client's (svc null) or a server's effective TLS level, with the
  // obsolete use_tls / enforce_tls booleans Postfix still honours when the
  // level is empty.
  std::optional<std::string>
  level(std::string_view prefix, const PostfixService* svc = nullptr) const
  {
    const auto v = value(fmt::format("{}_tls_security_level", prefix), svc);
    if (!v) {
      return std::nullopt;
    }
    if (!v->empty()) {
      return util::to_lower(*v);
    }
    if (foreign::postfix_bool(value(fmt::format("{}_enforce_tls", prefix), svc).value_or(""))) {
      return std::string("encrypt");
    }
    if (foreign::postfix_bool(value(fmt::format("{}_use_tls", prefix), svc).value_or(""))) {
      return std::string("may");
    }
    return std::string("none");
  }

  // Who uses the protocols setting judged (the checklist asks more of a client).
  enum class Side { client_required, client_opportunistic, server };

  void
  protocols(Board& b,
            std::string_view name,
            const PostfixService* svc,
            Side side,
            const std::string& fix) const
  {
    const auto v = value(name, svc);
    if (!v) {
      b.skip("TLS-02", problem(name, svc));
      return;
    }
    const auto p = read_protocols(*v);
    if (!p.problem.empty()) {
      b.skip("TLS-02", fmt::format("{}: not judged: {}", cite(name, svc), p.problem));
    } else if (p.legacy) {
      const auto ev = fmt::format(
        "{}: allows TLS 1.0/1.1 (or SSL), unless OpenSSL's own "
        "settings refuse them",
        cite(name, svc));
      if (side == Side::client_required) {
        b.fail("TLS-02", ev, fix);
      } else if (side == Side::client_opportunistic) {
        b.warn("TLS-02",
               ev + " (opportunistic TLS: a server limited to them gets clear text instead)",
               fix);
      } else {
        b.warn("TLS-02", ev, fix);
      }
    } else if (!p.tls13) {
      const auto ev = cite(name, svc) + ": TLS 1.3 is excluded";
      if (side == Side::server) {
        b.warn("TLS-02", ev, fix);
      } else {
        b.fail("TLS-02", ev, fix);
      }
    } else {
      b.pass("TLS-02", cite(name, svc));
    }
  }

  void
  ciphers(Board& b, std::string_view name, const PostfixService* svc, const std::string& fix) const
  {
    const auto v = value(name, svc);
    if (!v) {
      b.skip("TLS-03", problem(name, svc));
      return;
    }
    const auto grade = util::to_lower(*v);
    if (grade == "high") {
      b.pass("TLS-03", cite(name, svc) + ": OpenSSL's HIGH grade only");
    } else if (grade == "medium") {
      b.warn("TLS-03",
             cite(name, svc) + ": the MEDIUM grade admits suites weaker than HIGH (which ones "
                               "depends on the OpenSSL build)",
             fix);
    } else if (grade == "low" || grade == "export" || grade == "null") {
      b.fail("TLS-03", cite(name, svc) + ": admits weak or no encryption", fix);
    } else {
      b.skip("TLS-03", fmt::format("{}: not a cipher grade this reader knows", cite(name, svc)));
    }
  }

  // --- the Postfix SMTP client: relayhost and next hops ---

  void
  client(Board& b) const
  {
    const auto lvl = level("smtp");
    const auto relay = value("relayhost").value_or("");
    if (!lvl || !known_level(*lvl)) {
      const auto why = !lvl ? problem("smtp_tls_security_level")
                            : cite("smtp_tls_security_level") + ": not a level this reader knows";
      for (const char* id : {"TLS-01", "TLS-02", "TLS-03", "TLS-04", "TLS-05", "TLS-10"}) {
        b.skip(id, why);
      }
      return;
    }
    const auto lvl_cite = cite("smtp_tls_security_level");
    const auto secure_fix =
      set(fmt::format("smtp_tls_security_level=secure smtp_tls_CAfile={}", k_ca_file));
    if (!relay.empty()) {
      relayhost(b, *lvl, relay, lvl_cite, secure_fix);
    } else {
      b.skip("TLS-01",
             fmt::format("{}: no relayhost: mail goes straight to the recipients' MX hosts "
                         "(judged under TLS-10)",
                         where_main("relayhost")));
      for (const char* id : {"TLS-04", "TLS-05"}) {
        b.skip(id,
               "no relayhost: the MX hosts' certificates are judged by their DNS policy (TLS-10)");
      }
    }
    if (*lvl != "none") {
      const bool mandatory = tls_required(*lvl);
      const auto pname = mandatory ? "smtp_tls_mandatory_protocols" : "smtp_tls_protocols";
      protocols(b,
                pname,
                nullptr,
                mandatory ? Side::client_required : Side::client_opportunistic,
                set(fmt::format("'{} = >=TLSv1.2'", pname)));
      const auto cname = mandatory ? "smtp_tls_mandatory_ciphers" : "smtp_tls_ciphers";
      ciphers(b, cname, nullptr, set(fmt::format("{}=high", cname)));
    } else {
      b.skip("TLS-02", lvl_cite + ": no TLS");
      b.skip("TLS-03", lvl_cite + ": no TLS");
    }
    next_hops(b, *lvl, relay, lvl_cite);
  }

  void
  relayhost(Board& b,
            const std::string& lvl,
            const std::string& relay,
            const std::string& lvl_cite,
            const std::string& secure_fix) const
  {
    const auto rh = cite("relayhost");
    const bool bracketed = relay.front() == '[';
    const auto close = relay.find(']');
    const auto host = bracketed ? relay.substr(1, close == std::string::npos ? 0 : close - 1)
                                : relay.substr(0, relay.find(':'));
    const auto colon = relay.rfind(':');
    const std::string port = colon != std::string::npos && (!bracketed || colon > close)
                               ? relay.substr(colon + 1)
                               : std::string("25");
    if (!tls_required(lvl)) {
      b.fail("TLS-01",
             fmt::format("{}: mail to the relayhost {} may go in clear text (level {} does "
                         "not require TLS)",
                         lvl_cite,
                         relay,
                         lvl),
             secure_fix);
    } else if (port == "465" || port == "submissions" || port == "smtps") {
      if (foreign::postfix_bool(value("smtp_tls_wrappermode").value_or(""))) {
        b.pass("TLS-01", fmt::format("{}; {}: implicit TLS", rh, cite("smtp_tls_wrappermode")));
      } else {
        b.fail("TLS-01",
               fmt::format(
                 "{}: port {} expects implicit TLS but {}", rh, port, cite("smtp_tls_wrappermode")),
               set("smtp_tls_wrappermode=yes"));
      }
    } else if (port == "25" || port == "smtp") {
      b.warn("TLS-01",
             fmt::format(
               "{}: port 25 is for relaying between servers, not submission; {}", rh, lvl_cite),
             set(fmt::format("'relayhost = [{}]:587'", host)));
    } else {
      b.pass("TLS-01",
             fmt::format("{}: TLS required to the relayhost on port {} (Postfix defers the "
                         "mail when TLS fails)",
                         lvl_cite,
                         port));
    }
    certificate(b, lvl, relay, bracketed, host, lvl_cite, secure_fix);
  }

  void
  certificate(Board& b,
              const std::string& lvl,
              const std::string& relay,
              bool bracketed,
              const std::string& host,
              const std::string& lvl_cite,
              const std::string& secure_fix) const
  {
    if (lvl == "none") {
      b.skip("TLS-04", "no TLS (TLS-01)");
      b.skip("TLS-05", "no TLS (TLS-01)");
      return;
    }
    if (lvl == "may" || lvl == "encrypt") {
      b.fail("TLS-04",
             lvl_cite + ": the relayhost's certificate is not verified (a man in the middle "
                        "reads everything)",
             secure_fix);
      b.skip("TLS-05", "the certificate is not verified (TLS-04)");
      return;
    }
    if (lvl == "fingerprint") {
      b.fail("TLS-04",
             lvl_cite + ": the pinned fingerprint replaces chain validation (pinning may only "
                        "add to it)",
             secure_fix);
      b.skip("TLS-05", "the certificate is matched by fingerprint, not by name (TLS-04)");
      return;
    }
    if (lvl == "dane" || lvl == "dane-only") {
      dnssec(b, "TLS-04", lvl_cite);
      b.pass("TLS-05",
             lvl_cite + ": DANE matches the certificate through DNSSEC-signed TLSA records");
      return;
    }
    // verify, secure
    const auto ca_file = value("smtp_tls_CAfile").value_or("");
    const auto ca_path = value("smtp_tls_CApath").value_or("");
    if (!ca_file.empty()) {
      b.pass("TLS-04", lvl_cite + "; " + cite("smtp_tls_CAfile"));
    } else if (!ca_path.empty()) {
      b.pass("TLS-04", lvl_cite + "; " + cite("smtp_tls_CApath"));
    } else {
      b.warn("TLS-04",
             fmt::format("{}; {}: no trust anchors, so every delivery is deferred",
                         lvl_cite,
                         cite("smtp_tls_CAfile")),
             set(fmt::format("smtp_tls_CAfile={}", k_ca_file)));
    }
    const bool ip = host.find_first_not_of("0123456789.") == std::string::npos
                    || host.find(':') != std::string::npos || host.rfind("ipv6:", 0) == 0;
    if (ip) {
      b.warn("TLS-05",
             cite("relayhost") + ": an IP address: the certificate must name it (iPAddress SAN)",
             set("'relayhost = [smtp.example.org]:587'"));
    } else if (lvl == "verify" && !bracketed) {
      b.warn("TLS-05",
             fmt::format("{}; {}: the name checked comes from an MX lookup in unsigned DNS",
                         cite("relayhost"),
                         lvl_cite),
             set(fmt::format("'relayhost = [{}]:587'", host)));
    } else {
      b.pass(
        "TLS-05",
        fmt::format("{}: the certificate must name {} ({})", cite("relayhost"), host, lvl_cite));
    }
    (void)relay;
  }

  // DANE only works with DNSSEC lookups (smtp_dns_support_level = dnssec).
  void
  dnssec(Board& b, const char* id, const std::string& lvl_cite) const
  {
    if (util::to_lower(value("smtp_dns_support_level").value_or("")) == "dnssec") {
      b.pass(id, lvl_cite + "; " + cite("smtp_dns_support_level"));
    } else {
      b.fail(id,
             fmt::format("{}; {}: without DNSSEC lookups Postfix treats dane as may",
                         lvl_cite,
                         cite("smtp_dns_support_level")),
             set("smtp_dns_support_level=dnssec"));
    }
  }

  void
  next_hops(Board& b,
            const std::string& lvl,
            const std::string& relay,
            const std::string& lvl_cite) const
  {
    if (!relay.empty()) {
      b.skip("TLS-10",
             fmt::format("{}: the relayhost decides the later hops; judge its configuration",
                         cite("relayhost")));
    } else if (lvl == "dane" || lvl == "dane-only") {
      dnssec(b, "TLS-10", lvl_cite);
    } else if (tls_required(lvl)) {
      b.pass("TLS-10", lvl_cite + ": TLS required to every next hop");
    } else if (lvl == "none") {
      b.warn("TLS-10",
             lvl_cite + ": no TLS on the way to the recipients' servers",
             set("smtp_tls_security_level=dane smtp_dns_support_level=dnssec")
               + " (DANE, else opportunistic TLS)");
    } else {
      b.warn("TLS-10",
             lvl_cite + ": opportunistic: a man in the middle can strip STARTTLS on the way to "
                        "the recipients' servers",
             set("smtp_tls_security_level=dane smtp_dns_support_level=dnssec") +
               " (DANE); MTA-STS through smtp_tls_policy_maps (e.g. postfix-mta-sts-resolver)");
    }
    const auto maps = value("smtp_tls_policy_maps").value_or("");
    if (!maps.empty()) {
      b.skip("TLS-10",
             cite("smtp_tls_policy_maps") + ": per-destination levels (e.g. MTA-STS) are in "
                                            "that table, which is not read");
    }
  }

  void
  client_auth(Board& b) const
  {
    const auto enabled = value("smtp_sasl_auth_enable");
    if (!enabled || !foreign::postfix_bool(*enabled)) {
      for (const char* id : {"AUTH-02", "AUTH-03", "AUTH-04"}) {
        b.skip(id, fmt::format("{}: the client does not log in", cite("smtp_sasl_auth_enable")));
      }
      return;
    }
    const auto lvl = level("smtp").value_or("none");
    if (tls_required(lvl)) {
      b.pass("AUTH-02",
             fmt::format("{}; {}: the client logs in only inside TLS",
                         cite("smtp_sasl_auth_enable"),
                         cite("smtp_tls_security_level")));
    } else {
      b.fail("AUTH-02",
             fmt::format("{}; {}: the password can be sent without TLS",
                         cite("smtp_sasl_auth_enable"),
                         cite("smtp_tls_security_level")),
             set(fmt::format("smtp_tls_security_level=secure smtp_tls_CAfile={}", k_ca_file)));
    }
    const auto filter = util::to_lower(value("smtp_sasl_mechanism_filter").value_or(""));
    if (filter.find("cram-md5") != std::string::npos
        || filter.find("digest-md5") != std::string::npos
        || filter.find("ntlm") != std::string::npos) {
      b.fail("AUTH-03",
             cite("smtp_sasl_mechanism_filter") + ": a weak challenge-response method",
             set("'smtp_sasl_mechanism_filter = scram-sha-256, plain'"));
    } else if (!filter.empty()) {
      b.pass("AUTH-03", cite("smtp_sasl_mechanism_filter"));
    } else {
      b.skip("AUTH-03",
             cite("smtp_sasl_mechanism_filter") + ": the method is chosen with the server; judge "
                                                  "it with peermail check --probe");
    }
    const auto maps = value("smtp_sasl_password_maps").value_or("");
    if (maps.empty()) {
      b.skip("AUTH-04", cite("smtp_sasl_password_maps") + ": no passwords configured");
      return;
    }
    for (const auto& t : foreign::postfix_tables(maps)) {
      if (t.literal) {
        b.fail("AUTH-04",
               fmt::format("{}: {}: the password is written in main.cf itself",
                           cite_name("smtp_sasl_password_maps"),
                           t.type),
               "move the credentials out of main.cf: hash:/etc/postfix/sasl_passwd (mode 0600), "
               "or a lookup service (socketmap:, ldap:)");
      } else if (local_file_table(t.type)) {
        b.fail("AUTH-04",
               fmt::format("{}: {} holds the passwords in clear text (Postfix has no keyring)",
                           cite_name("smtp_sasl_password_maps"),
                           t.spec),
               "log in with a client certificate (smtp_tls_cert_file) or read the credentials "
               "from a secret service (socketmap:, ldap:); at the least keep the table mode 0600, "
               "owned by root");
      } else if (lookup_service_table(t.type)) {
        b.pass("AUTH-04",
               fmt::format("{}: {}: the passwords come from a lookup service",
                           cite_name("smtp_sasl_password_maps"),
                           t.spec));
      } else {
        b.skip("AUTH-04",
               fmt::format("{}: {}: not judged: a table type whose storage this reader does "
                           "not know",
                           cite_name("smtp_sasl_password_maps"),
                           t.spec));
      }
    }
  }

  // "pf/main.cf:7: smtp_sasl_password_maps" (no value).
  std::string
  cite_name(std::string_view name) const
  {
    const auto* p = m_c.find(name);
    return p == nullptr ? fmt::format("{}/main.cf: {}", m_f.dir, name)
                        : fmt::format("{}: {}", where(p->file, p->line, "postconf -n"), name);
  }

  // --- the Postfix SMTP server: submission (587) and submissions (465) ---

  void
  servers(Board& b) const
  {
    bool any = false;
    for (const auto& s : m_c.services) {
      if (s.command != "smtpd" || s.type != "inet") {
        continue;
      }
      const auto port = s.port();
      if (port == "submission" || port == "587") {
        any = true;
        submission(b, s, false);
      } else if (port == "submissions" || port == "smtps" || port == "465") {
        any = true;
        submission(b, s, true);
      } else if (port == "smtp" || port == "25") {
        mx_auth(b, s);
      }
    }
    if (!any && value("relayhost").value_or("").empty()) {
      b.skip("TLS-01",
             fmt::format("{}/master.cf: no submission or submissions service: this Postfix takes "
                         "no mail from mail programs over the network",
                         m_f.dir));
    }
  }

  std::string
  service_cite(const PostfixService& s) const
  {
    return fmt::format(
      "{}: {} {} {}", where(s.file, s.line, "postconf -M"), s.name, s.type, s.command);
  }

  void
  submission(Board& b, const PostfixService& s, bool implicit) const
  {
    const auto lvl = level("smtpd", &s);
    if (!lvl) {
      b.skip("TLS-01", problem("smtpd_tls_security_level", &s));
      return;
    }
    const bool wrapper = foreign::postfix_bool(value("smtpd_tls_wrappermode", &s).value_or(""));
    if (implicit) {
      if (wrapper) {
        b.pass("TLS-01", cite("smtpd_tls_wrappermode", &s) + ": implicit TLS");
      } else {
        b.fail("TLS-01",
               cite("smtpd_tls_wrappermode", &s) + ": the port for implicit TLS speaks clear text",
               set_in(s, "smtpd_tls_wrappermode", "yes"));
      }
    } else if (*lvl == "encrypt") {
      b.pass("TLS-01", cite("smtpd_tls_security_level", &s) + ": STARTTLS required on submission");
    } else {
      b.fail("TLS-01",
             cite("smtpd_tls_security_level", &s) + ": mail programs may submit in clear text",
             set_in(s, "smtpd_tls_security_level", "encrypt"));
    }
    const auto cert = value("smtpd_tls_cert_file", &s).value_or("");
    const auto chain = value("smtpd_tls_chain_files", &s).value_or("");
    if (cert.empty() && chain.empty()) {
      b.fail("TLS-01",
             fmt::format("{}; {}: no server certificate, so TLS cannot start",
                         service_cite(s),
                         cite("smtpd_tls_chain_files", &s)),
             set("'smtpd_tls_chain_files = /etc/postfix/key-and-chain.pem'"));
    }
    const bool mandatory = *lvl == "encrypt";
    if (*lvl == "none" && !(implicit && wrapper)) {
      for (const char* id : {"TLS-02", "TLS-03"}) {
        b.skip(id, cite("smtpd_tls_security_level", &s) + ": no TLS on this service");
      }
    } else {
      server_tls(b, s, mandatory);
    }
    submission_auth(b, s, implicit, wrapper, mandatory);
  }

  void
  server_tls(Board& b, const PostfixService& s, bool mandatory) const
  {
    const auto pname = mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
    protocols(b, pname, &s, Side::server, set_in(s, pname, ">=TLSv1.2"));
    const auto cname = mandatory ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers";
    ciphers(b, cname, &s, set_in(s, cname, "high"));
  }

  void
  submission_auth(
    Board& b, const PostfixService& s, bool implicit, bool wrapper, bool mandatory) const
  {
    const bool sasl = foreign::postfix_bool(value("smtpd_sasl_auth_enable", &s).value_or(""));
    if (!sasl) {
      b.skip("AUTH-02", cite("smtpd_sasl_auth_enable", &s) + ": no login on this service");
    } else if (implicit && wrapper) {
      b.pass("AUTH-02", service_cite(s) + ": AUTH only inside implicit TLS");
    } else if (mandatory || foreign::postfix_bool(value("smtpd_tls_auth_only", &s).value_or(""))) {
      b.pass("AUTH-02",
             (mandatory ? cite("smtpd_tls_security_level", &s) : cite("smtpd_tls_auth_only", &s))
               + ": AUTH only after STARTTLS");
    } else {
      b.fail("AUTH-02",
             cite("smtpd_tls_auth_only", &s) + ": AUTH is offered before TLS",
             set_in(s, "smtpd_tls_auth_only", "yes"));
    }
  }

  // Port 25 takes mail from other servers with optional TLS (RFC 3207);
  // only a login offered there before TLS is judged.
  void
  mx_auth(Board& b, const PostfixService& s) const
  {
    if (!foreign::postfix_bool(value("smtpd_sasl_auth_enable", &s).value_or(""))) {
      return;
    }
    const auto lvl = level("smtpd", &s).value_or("none");
    if (lvl == "encrypt" || foreign::postfix_bool(value("smtpd_tls_auth_only", &s).value_or(""))) {
      b.pass("AUTH-02", service_cite(s) + ": AUTH only after STARTTLS");
    } else {
      b.fail("AUTH-02",
             fmt::format("{}; {}: AUTH is offered before TLS on port 25",
                         cite("smtpd_sasl_auth_enable", &s),
                         cite("smtpd_tls_auth_only", &s)),
             set("smtpd_tls_auth_only=yes"));
    }
  }

  // --- files and logging ---

  void
  files(Board& b) const
  {
    // Postfix wants its configuration root's and closed to writers (`postfix
    // check`), and the password tables root's alone.
    for (const auto& f : m_f.config) {
      file(b, f, 022, "others can change it", "go-w");
    }
    for (const auto& f : m_f.secrets) {
      file(b, f, 077, "others can read the passwords", "600");
    }
  }

  static void
  file(Board& b,
       const ForeignFileFacts& f,
       unsigned forbidden,
       std::string_view why,
       std::string_view chmod)
  {
    const bool root = f.owned_by_root;
    const bool closed = (f.mode & forbidden) == 0;
    if (!root) {
      b.fail("AUTH-05",
             fmt::format("{}: not owned by root", f.path),
             fmt::format("chown root {}", f.path));
    }
    if (!closed) {
      b.fail("AUTH-05",
             fmt::format("{}: mode {:04o}: {}", f.path, f.mode, why),
             fmt::format("chmod {} {}", chmod, f.path));
    }
    if (root && closed) {
      b.pass("AUTH-05", fmt::format("{}: mode {:04o}, owned by root", f.path, f.mode));
    }
  }

  void
  logging(Board& b) const
  {
    const auto file = value("maillog_file");
    if (!file) {
      b.skip("AUD-04", problem("maillog_file"));
    } else if (*file == "/dev/null") {
      b.fail("AUD-04",
             cite("maillog_file") + ": Postfix's log is thrown away",
             set("'maillog_file ='") + " (log to syslog)");
    } else {
      b.pass("AUD-04",
             file->empty() ? fmt::format("{}: Postfix logs every delivery to syslog (facility {})",
                                         cite("maillog_file"),
                                         value("syslog_facility").value_or("mail"))
                           : cite("maillog_file") + ": Postfix logs every delivery there");
    }
    const auto level_of = [this](std::string_view name) {
      const auto v = value(name).value_or("0");
      return v.empty() || std::isdigit(static_cast<unsigned char>(v.front())) == 0
               ? 0
               : v.front() - '0';
    };
    if (level_of("smtp_tls_loglevel") == 0) {
      b.warn("AUD-04",
             cite("smtp_tls_loglevel")
               + ": whether each delivery used TLS (and which) is not logged",
             set("smtp_tls_loglevel=1"));
    }
    for (const char* name : {"smtp_tls_loglevel", "smtpd_tls_loglevel"}) {
      if (level_of(name) >= 3) {
        b.warn("AUD-02",
               cite(name)
                 + ": logs the TLS traffic itself (hex dumps), which can hold message data",
               set(fmt::format("{}=1", name)));
      }
    }
    if (!value("debug_peer_list").value_or("").empty()) {
      b.warn("AUD-02",
             cite("debug_peer_list") + ": sessions with these peers are logged in detail",
             set("'debug_peer_list ='"));
    }
    b.warn("E2E-01",
           fmt::format("{}: Postfix relays what it is given; nothing in this configuration "
                       "encrypts end to end",
                       m_f.dir),
           "encrypt before sending: peermail sendmail is a drop-in for /usr/sbin/sendmail in "
           "mail programs and scripts");
  }

private:
  // "FILE:LINE" or FILE, or `fallback` when postconf named it.
  static std::string
  where(const std::string& file, std::size_t line, std::string_view fallback)
  {
    if (file.empty()) {
      return std::string(fallback);
    }
    return line == 0 ? file : fmt::format("{}:{}", file, line);
  }

  std::string
  where_main(std::string_view name) const
  {
    const auto* p = m_c.find(name);
    return p == nullptr ? fmt::format("{}/main.cf", m_f.dir) : cite(name);
  }

  const PostfixConfig& m_c;
  const PostfixFiles& m_f;
  const PostfixService* m_client = nullptr; // master.cf's smtp transport, if any
};

} // namespace

std::vector<Finding>
judge_postfix(const foreign::PostfixConfig& c, const PostfixFiles& files)
{
  Board b;
  Judge j(c, files);
  j.client(b);
  j.servers(b);
  j.client_auth(b);
  j.files(b);
  j.logging(b);
  return finish_observed(b);
}

} // namespace peermail::policy
