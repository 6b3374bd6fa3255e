// SPDX-License-Identifier: GPL-3.0-or-later
#include "msmtp_rules.hpp"

#include <peermail/policy/board.hpp>
#include <peermail/policy/checklist.hpp>

#include <fmt/core.h>

namespace peermail::policy {

namespace {

using foreign::msmtp_bool;
using foreign::MsmtpAccount;
using foreign::MsmtpSetting;

constexpr std::string_view k_tls_priorities =
  "tls_priorities \"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2\"";

class Judge
{
public:
  Judge(const MsmtpAccount& a, const ForeignFileFacts& f)
    : m_a(a),
      m_f(f)
  {
  }

  // "~/.msmtprc:12: tls off", or "~/.msmtprc: tls is not set (msmtp's default: off)".
  std::string
  cite(std::string_view command, std::string_view unset_default = {}) const
  {
    const auto* s = m_a.find(command);
    if (s == nullptr) {
      return unset_default.empty()
               ? fmt::format("{}: {} is not set", m_f.path, command)
               : fmt::format(
                 "{}: {} is not set (msmtp's default: {})", m_f.path, command, unset_default);
    }
    if (command == "password") {
      return fmt::format("{}:{}: password (the secret itself, in the file)", m_f.path, s->line);
    }
    return s->value.empty() ? fmt::format("{}:{}: {}", m_f.path, s->line, command)
                            : fmt::format("{}:{}: {} {}", m_f.path, s->line, command, s->value);
  }

  void
  tls(Board& b) const
  {
    const bool on = msmtp_bool(m_a.find("tls")).value_or(false);
    if (!on) {
      b.fail("TLS-01",
             cite("tls", "off") + ": mail and the password travel in clear text",
             "tls on (with tls_starttls off and port 465, or tls_starttls on and port 587)");
      for (const char* id : {"TLS-02", "TLS-03", "TLS-04", "TLS-05"}) {
        b.skip(id, "no TLS (TLS-01)");
      }
      return;
    }
    const bool starttls = msmtp_bool(m_a.find("tls_starttls")).value_or(true);
    const auto* port_s = m_a.find("port");
    const std::string port = port_s != nullptr ? port_s->value : (starttls ? "25" : "465");
    if (port == "25") {
      b.fail("TLS-01",
             fmt::format("{}: port 25 is for relaying between servers, not submission",
                         port_s != nullptr ? cite("port") : cite("port", "25")),
             "port 465 with tls_starttls off (implicit TLS), or port 587");
    } else {
      b.pass("TLS-01",
             starttls ? fmt::format("{}: STARTTLS required on port {} (msmtp stops when the server "
                                    "does not offer it)",
                                    cite("tls"),
                                    port)
                      : fmt::format("{}: implicit TLS on port {}", cite("tls_starttls"), port));
    }
    const auto* prio = m_a.find("tls_priorities");
    if (prio == nullptr) {
      b.skip("TLS-02",
             fmt::format("{}: the TLS library's defaults decide the versions (not in the file); "
                         "set {}",
                         m_f.path,
                         k_tls_priorities));
    } else {
      const auto& v = prio->value;
      const bool legacy = v.find("+VERS-TLS1.0") != std::string::npos
                          || v.find("+VERS-TLS1.1") != std::string::npos
                          || v.find("+VERS-SSL3.0") != std::string::npos;
      const bool pinned = v.find("-VERS-ALL") != std::string::npos
                          && (v.find("+VERS-TLS1.2") != std::string::npos
                              || v.find("+VERS-TLS1.3") != std::string::npos);
      if (legacy) {
        b.fail("TLS-02",
               cite("tls_priorities") + ": allows TLS 1.0/1.1 or SSL 3.0",
               std::string(k_tls_priorities));
      } else if (pinned) {
        b.pass("TLS-02", cite("tls_priorities"));
      } else {
        b.skip("TLS-02",
               fmt::format("{}: the minimum version cannot be told from it; set {}",
                           cite("tls_priorities"),
                           k_tls_priorities));
      }
    }
    b.skip("TLS-03",
           "the server's cipher suites are not in the file: judge them with peermail check "
           "--probe");
    certificate(b);
  }

  void
  certificate(Board& b) const
  {
    const auto certcheck = msmtp_bool(m_a.find("tls_certcheck"));
    if ((certcheck.has_value() && !*certcheck) || m_a.find("tls_nocertcheck") != nullptr) {
      b.fail(
        "TLS-04",
        (m_a.find("tls_nocertcheck") != nullptr ? cite("tls_nocertcheck") : cite("tls_certcheck"))
          + ": any certificate is accepted (a man in the middle reads everything)",
        "tls_certcheck on (and remove tls_nocertcheck)");
    } else if (m_a.find("tls_fingerprint") != nullptr) {
      b.fail("TLS-04",
             cite("tls_fingerprint")
               + ": the pinned certificate replaces chain validation (pinning may only add to "
                 "it)",
             "remove tls_fingerprint; tls_trust_file system");
    } else {
      b.pass("TLS-04",
             m_a.find("tls_trust_file") != nullptr
               ? cite("tls_trust_file")
               : fmt::format("{}: tls_certcheck on, the system's trust store", m_f.path));
    }
    if (m_a.find("tls_host_override") != nullptr) {
      b.warn("TLS-05",
             cite("tls_host_override") + ": the certificate is checked against this name, not host",
             "remove tls_host_override and connect to the name on the certificate");
    } else if (const auto* h = m_a.find("host")) {
      const bool ip = h->value.find_first_not_of("0123456789.") == std::string::npos
                      || h->value.find(':') != std::string::npos;
      if (ip) {
        b.warn("TLS-05",
               cite("host") + ": an IP address: the certificate must name it (iPAddress SAN)",
               "host NAME (the DNS name on the server's certificate)");
      } else {
        b.pass("TLS-05", cite("host") + ": the certificate must name it");
      }
    } else {
      b.fail("TLS-05", cite("host"), "host smtp.example.org");
    }
  }

  void
  auth(Board& b) const
  {
    const auto* auth = m_a.find("auth");
    const auto method = auth != nullptr ? auth->value : std::string("off");
    const bool tls_on = msmtp_bool(m_a.find("tls")).value_or(false);
    if (method == "off") {
      for (const char* id : {"AUTH-02", "AUTH-03", "AUTH-04"}) {
        b.skip(id, fmt::format("{}: no login", cite("auth", "off")));
      }
      return;
    }
    if (!tls_on) {
      b.fail(
        "AUTH-02", cite("auth") + " without tls: the password travels in clear text", "tls on");
    } else {
      b.pass("AUTH-02", cite("auth") + " inside TLS (msmtp never logs in before TLS)");
    }
    if (method == "cram-md5" || method == "digest-md5" || method == "ntlm") {
      b.fail("AUTH-03",
             cite("auth") + ": a weak challenge-response method",
             "auth scram-sha-256 (or auth plain, inside TLS)");
    } else if (method == "on" || method.empty()) {
      b.pass("AUTH-03",
             cite("auth") + ": msmtp chooses the best method the server offers (SCRAM, then PLAIN "
                            "inside TLS)");
    } else {
      b.pass("AUTH-03", cite("auth"));
    }
    if (m_a.find("password") != nullptr) {
      b.fail("AUTH-04",
             cite("password"),
             "remove password; passwordeval \"secret-tool lookup host HOST user USER\" (or a "
             "gpg-encrypted file: passwordeval \"gpg -q -d ~/.msmtp-pw.gpg\")");
    } else if (const auto* pe = m_a.find("passwordeval")) {
      const auto& cmd = pe->value;
      if (cmd.rfind("echo", 0) == 0 || cmd.rfind("printf", 0) == 0) {
        b.fail("AUTH-04",
               fmt::format("{}:{}: passwordeval prints a literal", m_f.path, pe->line),
               "passwordeval \"secret-tool lookup host HOST user USER\"");
      } else {
        b.pass("AUTH-04", fmt::format("{}:{}: passwordeval (a command)", m_f.path, pe->line));
      }
    } else {
      b.warn("AUTH-04",
             fmt::format("{}: no password or passwordeval: msmtp reads ~/.netrc (plain text) or "
                         "the system keyring",
                         m_f.path),
             "passwordeval \"secret-tool lookup host HOST user USER\"");
    }
  }

  void
  file_and_log(Board& b) const
  {
    judge_foreign_files(b, {m_f}, "~/.msmtprc");
    const auto* syslog = m_a.find("syslog");
    if (m_a.find("logfile") != nullptr || (syslog != nullptr && syslog->value != "off")) {
      b.pass("AUD-04", m_a.find("logfile") != nullptr ? cite("logfile") : cite("syslog"));
    } else {
      b.warn("AUD-04",
             fmt::format("{}: neither logfile nor syslog: msmtp keeps no record of what it sent",
                         m_f.path),
             "syslog LOG_MAIL (or logfile ~/.msmtp.log)");
    }
    b.warn("E2E-01",
           fmt::format("{}: msmtp sends what it is given; nothing in this file encrypts", m_f.path),
           "encrypt before sending: peermail sendmail is a drop-in for msmtp's sendmail mode");
  }

private:
  const MsmtpAccount& m_a;
  const ForeignFileFacts& m_f;
};

} // namespace

std::vector<Finding>
judge_msmtp_account(const foreign::MsmtpAccount& account, const ForeignFileFacts& file)
{
  Board b;
  Judge j(account, file);
  j.tls(b);
  j.auth(b);
  j.file_and_log(b);
  return finish_observed(b);
}

} // namespace peermail::policy
