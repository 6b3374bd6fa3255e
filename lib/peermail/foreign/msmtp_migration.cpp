// SPDX-License-Identifier: GPL-3.0-or-later
#include "msmtp_migration.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace peermail::foreign {

namespace {

class Migrate
{
public:
  Migrate(const MsmtpAccount& a, const std::string& file)
    : m_a(a),
      m_file(file)
  {
  }

  Result<MsmtpMigration>
  run()
  {
    const MsmtpSetting* host = m_a.find("host");
    if (host == nullptr || host->value.empty()) {
      return fail(Errc::config,
                  fmt::format("{}:{}: account {} has no host", m_file, m_a.line, m_a.name),
                  "",
                  "add `host smtp.example.org` to the account, or run `peermail init` without "
                  "--from-msmtprc");
    }
    m_out.host = host->value;
    copy("from", m_out.from);
    copy("user", m_out.username);
    copy("passwordeval", m_out.password_command);
    tls_mode();
    trust();
    secrets();
    std::stable_sort(m_changes.begin(), m_changes.end(), [](const auto& a, const auto& b) {
      return a.first < b.first;
    });
    for (auto& c : m_changes) {
      m_out.changes.push_back(std::move(c.second));
    }
    return m_out;
  }

private:
  void
  copy(std::string_view command, std::string& to) const
  {
    if (const auto* s = m_a.find(command)) {
      to = s->value;
    }
  }

  void
  change(const MsmtpSetting* s, std::string_view what, std::string_view id)
  {
    const std::size_t line = s != nullptr ? s->line : m_a.line;
    m_changes.emplace_back(line, fmt::format("{}:{}: {} [{}]", m_file, line, what, id));
  }

  int
  port() const
  {
    const auto* s = m_a.find("port");
    int p = 0;
    if (s != nullptr) {
      std::from_chars(s->value.data(), s->value.data() + s->value.size(), p);
    }
    return p;
  }

  // msmtp: `tls on` with `tls_starttls on` (its default) is STARTTLS, with
  // `tls_starttls off` implicit TLS; `tls off` is plain text, which peermail
  // never sends: the port decides which TLS mode replaces it.
  void
  tls_mode()
  {
    const auto* tls = m_a.find("tls");
    const bool on = msmtp_bool(tls).value_or(false);
    const bool starttls = msmtp_bool(m_a.find("tls_starttls")).value_or(true);
    int p = port();
    if (on) {
      m_out.tls = starttls ? "starttls" : "implicit";
    } else {
      m_out.tls = p == 465 ? "implicit" : "starttls";
      change(tls,
             fmt::format("tls off: peermail sends over TLS only; using {} on port {}",
                         m_out.tls == "implicit" ? "implicit TLS" : "STARTTLS",
                         p == 0 || p == 25 ? (m_out.tls == "implicit" ? 465 : 587) : p),
             "TLS-01");
    }
    if (p == 0) {
      p = m_out.tls == "implicit" ? 465 : 587;
    } else if (p == 25) {
      change(m_a.find("port"), "port 25 is for relaying, not submission; using 587", "TLS-01");
      p = 587;
      m_out.tls = "starttls";
    }
    m_out.port = p;
  }

  void
  trust()
  {
    if (const auto* t = m_a.find("tls_trust_file"); t != nullptr && t->value != "system") {
      m_out.ca_file = t->value;
    }
    const auto certcheck = msmtp_bool(m_a.find("tls_certcheck"));
    if ((certcheck && !*certcheck) || m_a.find("tls_nocertcheck") != nullptr) {
      change(m_a.find("tls_nocertcheck") != nullptr ? m_a.find("tls_nocertcheck")
                                                    : m_a.find("tls_certcheck"),
             "certificate checks off: peermail always verifies the server's certificate "
             "and host name",
             "TLS-04");
    }
    if (const auto* f = m_a.find("tls_fingerprint")) {
      change(f,
             "tls_fingerprint is not carried over: peermail verifies the certificate chain "
             "(set ca_file to a private CA instead)",
             "TLS-04");
    }
    if (const auto* o = m_a.find("tls_host_override")) {
      change(o, "tls_host_override is not carried over: the host name is checked", "TLS-05");
    }
  }

  void
  secrets()
  {
    if (const auto* pw = m_a.find("password"); pw != nullptr && m_out.password_command.empty()) {
      change(pw,
             "a password written in the file is not carried over: give password_command "
             "(e.g. `pass show smtp`) or password_env",
             "AUTH-04");
    }
    if (const auto* auth = m_a.find("auth"); auth != nullptr && auth->value == "off") {
      change(auth, "auth off: peermail always logs in (your own account)", "AUTH-01");
    }
  }

  const MsmtpAccount& m_a;
  const std::string& m_file;
  MsmtpMigration m_out;
  std::vector<std::pair<std::size_t, std::string>> m_changes;
};

} // namespace

Result<MsmtpMigration>
migrate_msmtp_account(const MsmtpAccount& account, const std::string& file)
{
  return Migrate(account, file).run();
}

} // namespace peermail::foreign
