// SPDX-License-Identifier: GPL-3.0-or-later
#include "mutt_rules.hpp"

#include <peermail/foreign/smtp_url.hpp>
#include <peermail/policy/board.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <charconv>
#include <optional>
#include <string>

namespace peermail::policy {

namespace {

using foreign::mutt_bool;
using foreign::MuttFile;
using foreign::MuttSetting;
using foreign::parse_smtp_url;
using foreign::SmtpUrl;

// The variables that hold a secret: never quoted in a finding.
bool
is_secret(std::string_view name)
{
  return name == "smtp_pass" || name == "imap_pass" || name == "pop_pass";
}

class Judge
{
public:
  Judge(const MuttFile& rc, const std::vector<ForeignFileFacts>& files)
    : m_rc(rc),
      m_path(files.empty() ? std::string("muttrc") : files.front().path)
  {
    if (const auto* s = set("smtp_url")) {
      m_url = parse_smtp_url(s->value);
      m_smtp = m_url && (m_url->scheme == "smtp" || m_url->scheme == "smtps");
    }
  }

  // "~/.muttrc:12: set ssl_force_tls=no", or "~/.muttrc: ssl_force_tls is
  // not set (Mutt's default: …)". Never the value of a secret.
  std::string
  cite(std::string_view name, std::string_view unset_default = {}) const
  {
    const auto* s = m_rc.find(name);
    if (s == nullptr) {
      return unset_default.empty()
               ? fmt::format("{}: {} is not set", m_path, name)
               : fmt::format("{}: {} is not set (Mutt's default: {})", m_path, name, unset_default);
    }
    const auto where = fmt::format("{}:{}", s->file, s->line);
    if (s->unset) {
      return fmt::format("{}: unset {}", where, name);
    }
    if (is_secret(name)) {
      return fmt::format("{}: set {} (the secret itself, in the file)", where, name);
    }
    if (name == "smtp_url" && m_url) {
      return fmt::format("{}: set smtp_url={}", where, m_url->shown);
    }
    return fmt::format("{}: set {}={}", where, name, util::terminal_safe(s->value));
  }

  void
  transport(Board& b)
  {
    if (!m_smtp) {
      handed_off(b);
      return;
    }
    tls(b);
    versions(b);
    const auto* dh = set("ssl_min_dh_prime_bits");
    int bits = 0;
    if (dh != nullptr) {
      std::from_chars(dh->value.data(), dh->value.data() + dh->value.size(), bits);
    }
    if (dh != nullptr && bits > 0 && bits < 2048) {
      b.fail("TLS-03",
             cite("ssl_min_dh_prime_bits") + ": Diffie-Hellman groups under 2048 bits are accepted",
             "set ssl_min_dh_prime_bits=2048");
    } else {
      b.skip("TLS-03",
             "the server's cipher suites are not in the file: judge them with peermail check "
             "--probe");
    }
    certificate(b);
  }

  void
  login(Board& b) const
  {
    const bool login =
      (m_url && !m_url->user.empty()) || set("smtp_user") != nullptr || set("smtp_pass") != nullptr;
    if (!m_smtp || !login) {
      const auto why = !m_smtp ? fmt::format("{}: no smtp_url: Mutt does not log in", m_path)
                               : cite("smtp_url") + ": no login";
      for (const char* id : {"AUTH-02", "AUTH-03"}) {
        b.skip(id, why);
      }
    } else {
      if (m_tls_assured) {
        b.pass("AUTH-02", cite("smtp_url") + ": the login happens inside TLS");
      } else {
        b.fail("AUTH-02",
               cite("smtp_url") + ": the password can travel in clear text (TLS-01)",
               "set ssl_force_tls=yes (or smtp_url=smtps://HOST/)");
      }
      const auto* authn = set("smtp_authenticators");
      const auto methods = authn != nullptr ? util::to_lower(authn->value) : std::string();
      if (methods.find("cram-md5") != std::string::npos
          || methods.find("digest-md5") != std::string::npos) {
        b.fail("AUTH-03",
               cite("smtp_authenticators") + ": a weak challenge-response method",
               "set smtp_authenticators=\"scram-sha-256:plain\" (plain only inside TLS)");
      } else {
        b.pass("AUTH-03",
               authn != nullptr ? cite("smtp_authenticators")
                                : cite("smtp_authenticators")
                                    + ": Mutt uses the methods the server and SASL offer");
      }
    }
    secrets(b);
  }

  void
  crypto(Board& b) const
  {
    const auto enc = mutt_bool(m_rc.find("crypt_autoencrypt")).value_or(false);
    if (to_peermail()) {
      b.pass("E2E-01",
             cite("sendmail") + ": peermail sendmail encrypts every message by its policy");
    } else if (enc) {
      b.pass("E2E-01",
             cite("crypt_autoencrypt")
               + ": every message is encrypted (Mutt asks for a key where it finds none)");
    } else {
      const auto fix = "set crypt_autoencrypt=yes";
      if (mutt_bool(m_rc.find("crypt_opportunistic_encrypt")).value_or(false)) {
        b.fail("E2E-01",
               cite("crypt_opportunistic_encrypt")
                 + ": a message to anyone whose key is not found goes out in clear text, "
                   "without asking",
               fix);
      } else {
        b.fail("E2E-01",
               cite("crypt_autoencrypt", "no")
                 + ": messages go out in clear text unless the sender chooses encryption",
               fix);
      }
      if (mutt_bool(m_rc.find("crypt_replyencrypt")) == false) {
        b.fail("E2E-01",
               cite("crypt_replyencrypt") + ": even replies to encrypted messages go out in clear",
               fix);
      }
    }
    // Mutt files its copy before $sendmail sees the message: only Mutt's
    // own encryption keeps the copy encrypted.
    sent_copies(b, enc);
    if (!mutt_bool(m_rc.find("crypt_autosign")).value_or(false)) {
      b.fail("SIG-01",
             cite("crypt_autosign", "no")
               + ": messages are not signed unless the sender chooses to",
             "set crypt_autosign=yes pgp_default_key=FINGERPRINT (the key of your From address)");
    } else if (set("pgp_default_key") == nullptr) {
      b.warn("SIG-01",
             cite("crypt_autosign") + ", but pgp_default_key is not set: GnuPG's default key signs, "
                                      "which need not be the key of the From address",
             "set pgp_default_key=FINGERPRINT (the key of your From address)");
    } else {
      b.pass("SIG-01", fmt::format("{}; {}", cite("crypt_autosign"), cite("pgp_default_key")));
    }
  }

  void
  log(Board& b) const
  {
    if (to_peermail()) {
      b.pass("AUD-04", cite("sendmail") + ": peermail sendmail writes its audit log");
    } else {
      b.warn("AUD-04",
             fmt::format("{}: Mutt keeps no record of what it sent", m_path),
             "send through peermail: set sendmail=\"peermail sendmail\" (it writes the audit log)");
    }
  }

private:
  // A variable that is set (not unset, not left at its default).
  const MuttSetting*
  set(std::string_view name) const
  {
    const auto* s = m_rc.find(name);
    return s == nullptr || s->unset || s->value.empty() ? nullptr : s;
  }

  // The program of $sendmail (default /usr/sbin/sendmail).
  std::string
  sendmail_program() const
  {
    const auto* s = set("sendmail");
    const std::string cmd = s != nullptr ? s->value : std::string("/usr/sbin/sendmail -oem -oi");
    const auto word = cmd.substr(0, cmd.find_first_of(" \t"));
    const auto slash = word.rfind('/');
    return slash == std::string::npos ? word : word.substr(slash + 1);
  }

  bool
  to_peermail() const
  {
    return set("smtp_url") == nullptr && sendmail_program() == "peermail";
  }

  // No smtp:// URL: Mutt pipes the message into $sendmail (or, with some
  // other URL, cannot send at all).
  void
  handed_off(Board& b) const
  {
    std::string why;
    if (set("smtp_url") != nullptr) {
      b.fail("TLS-01",
             cite("smtp_url") + ": not an smtp:// or smtps:// URL",
             "set smtp_url=smtps://USER@HOST/ (implicit TLS on port 465)");
      why = "no SMTP URL (TLS-01)";
    } else if (to_peermail()) {
      why = cite("sendmail") + ": peermail sendmail submits the mail; `peermail check` judges "
                               "its configuration";
    } else {
      why = fmt::format(
        "{}: Mutt hands the mail to {}; judge that program's configuration (for "
        "msmtp: peermail check --msmtprc FILE)",
        cite("sendmail", "/usr/sbin/sendmail -oem -oi"),
        sendmail_program());
    }
    for (const char* id : {"TLS-01", "TLS-02", "TLS-03", "TLS-04", "TLS-05"}) {
      b.skip(id, why);
    }
  }

  void
  tls(Board& b)
  {
    const auto& u = *m_url;
    const bool implicit = u.scheme == "smtps";
    const auto port = u.port.empty() ? std::string(implicit ? "465" : "25") : u.port;
    if (port == "25") {
      b.fail("TLS-01",
             cite("smtp_url") + ": port 25 is for relaying between servers, not submission",
             "set smtp_url=smtps://USER@HOST/ (port 465), or smtp://USER@HOST:587/ with "
             "ssl_force_tls=yes");
    }
    if (implicit) {
      m_tls_assured = true;
      b.pass("TLS-01", cite("smtp_url") + ": implicit TLS on port " + port);
      return;
    }
    const auto force = mutt_bool(m_rc.find("ssl_force_tls"));
    const auto starttls = m_rc.find("ssl_starttls");
    if (starttls != nullptr && mutt_bool(starttls) == false) {
      b.fail("TLS-01",
             cite("ssl_starttls") + ": Mutt never starts TLS on an smtp:// URL",
             "set ssl_starttls=yes ssl_force_tls=yes (or smtp_url=smtps://USER@HOST/)");
    } else if (force == true) {
      m_tls_assured = true;
      b.pass("TLS-01",
             fmt::format("{}; {}: STARTTLS required (Mutt stops when the server does not offer "
                         "it)",
                         cite("smtp_url"),
                         cite("ssl_force_tls")));
    } else if (force == false) {
      b.fail("TLS-01",
             cite("ssl_force_tls")
               + ": Mutt goes on in clear text when the server (or a man in the middle) offers "
                 "no STARTTLS",
             "set ssl_force_tls=yes (or smtp_url=smtps://USER@HOST/)");
    } else {
      b.warn("TLS-01",
             cite("ssl_force_tls", "yes or no, depending on the version")
               + ": without it Mutt goes on in clear text when no STARTTLS is offered",
             "set ssl_force_tls=yes (or smtp_url=smtps://USER@HOST/)");
    }
  }

  void
  versions(Board& b) const
  {
    bool judged = false;
    for (const char* v : {"ssl_use_sslv2", "ssl_use_sslv3", "ssl_use_tlsv1", "ssl_use_tlsv1_1"}) {
      if (mutt_bool(m_rc.find(v)) == true) {
        judged = true;
        b.fail(
          "TLS-02", cite(v) + ": a legacy protocol version is allowed", fmt::format("unset {}", v));
      }
    }
    if (mutt_bool(m_rc.find("ssl_use_tlsv1_3")) == false) {
      judged = true;
      b.fail("TLS-02", cite("ssl_use_tlsv1_3") + ": TLS 1.3 is off", "set ssl_use_tlsv1_3=yes");
    }
    if (judged) {
      return;
    }
    const auto v1 = mutt_bool(m_rc.find("ssl_use_tlsv1"));
    const auto v11 = mutt_bool(m_rc.find("ssl_use_tlsv1_1"));
    if (v1 == false && v11 == false) {
      b.pass("TLS-02", fmt::format("{}; {}", cite("ssl_use_tlsv1"), cite("ssl_use_tlsv1_1")));
    } else {
      b.warn("TLS-02",
             fmt::format("{}: TLS 1.0 and 1.1 are not turned off in the file (the default "
                         "depends on the Mutt version and the TLS library)",
                         v1 == false ? cite("ssl_use_tlsv1_1") : cite("ssl_use_tlsv1")),
             "unset ssl_use_tlsv1 ssl_use_tlsv1_1");
    }
  }

  void
  certificate(Board& b) const
  {
    if (mutt_bool(m_rc.find("ssl_verify_dates")) == false) {
      b.fail("TLS-04",
             cite("ssl_verify_dates") + ": expired and not yet valid certificates are accepted",
             "set ssl_verify_dates=yes");
    } else if (set("ssl_ca_certificates_file") != nullptr) {
      b.pass("TLS-04", cite("ssl_ca_certificates_file"));
    } else {
      b.pass("TLS-04", fmt::format("{}: the system's trust store", m_path));
    }
    if (mutt_bool(m_rc.find("ssl_verify_host")) == false) {
      b.fail("TLS-05",
             cite("ssl_verify_host")
               + ": the certificate is not checked against the host name (a man in the middle "
                 "with any valid certificate reads everything)",
             "set ssl_verify_host=yes");
      return;
    }
    const auto& host = m_url->host;
    const bool ip = host.find_first_not_of("0123456789.") == std::string::npos
                    || host.find(':') != std::string::npos;
    if (host.empty()) {
      b.fail("TLS-05", cite("smtp_url") + ": no host", "set smtp_url=smtps://USER@HOST/");
    } else if (ip) {
      b.warn("TLS-05",
             cite("smtp_url") + ": an IP address: the certificate must name it (iPAddress SAN)",
             "use the DNS name on the server's certificate in smtp_url");
    } else {
      b.pass("TLS-05", cite("smtp_url") + ": the certificate must name " + host);
    }
  }

  void
  secrets(Board& b) const
  {
    bool any = false;
    for (const char* v : {"smtp_pass", "imap_pass", "pop_pass"}) {
      const auto* s = set(v);
      if (s == nullptr) {
        continue;
      }
      any = true;
      if (s->from_command) {
        b.pass("AUTH-04", fmt::format("{}:{}: {} comes from a command", s->file, s->line, v));
      } else {
        b.fail("AUTH-04",
               cite(v),
               fmt::format("remove {}: Mutt then asks for it; or take it from a command, e.g. "
                           "set {}=\"`pass show mail`\"",
                           v,
                           v));
      }
    }
    if (m_smtp && m_url->has_password) {
      any = true;
      b.fail("AUTH-04",
             cite("smtp_url") + ": the URL holds the password",
             "remove the password from smtp_url");
    }
    if (!any) {
      b.pass("AUTH-04", fmt::format("{}: no password in the file (Mutt asks for it)", m_path));
    }
  }

  void
  sent_copies(Board& b, bool encrypted) const
  {
    const auto* record = m_rc.find("record");
    if (record != nullptr && (record->unset || record->value.empty())) {
      b.pass("E2E-05", cite("record") + ": no copies of sent mail are kept");
      return;
    }
    const auto where = cite("record", "~/sent");
    if (!encrypted) {
      b.fail("E2E-05",
             where + ": copies of messages sent in clear text are kept there",
             "set crypt_autoencrypt=yes (copies are then kept encrypted), or unset record");
    } else if (mutt_bool(m_rc.find("fcc_clear")) == true) {
      b.fail("E2E-05",
             cite("fcc_clear") + ": copies of encrypted messages are kept decrypted",
             "unset fcc_clear");
    } else {
      b.pass("E2E-05", where + ": copies are kept as sent (encrypted)");
    }
  }

  const MuttFile& m_rc;
  std::string m_path;
  std::optional<SmtpUrl> m_url;
  bool m_smtp = false; // smtp_url is an smtp:// or smtps:// URL
  bool m_tls_assured = false;
};

} // namespace

std::vector<Finding>
judge_muttrc(const foreign::MuttFile& rc, const std::vector<ForeignFileFacts>& files)
{
  Board b;
  Judge j(rc, files);
  j.transport(b);
  j.login(b);
  j.crypto(b);
  judge_foreign_files(b, files, "~/.muttrc");
  j.log(b);
  return finish_observed(b);
}

} // namespace peermail::policy
