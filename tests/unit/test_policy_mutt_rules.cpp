// SPDX-License-Identifier: GPL-3.0-or-later
#include "finding_lookup.hpp"

#include <peermail/foreign/muttrc.hpp>
#include <peermail/policy/mutt_rules.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using peermail::test::item;
using policy::Status;

namespace {

std::vector<policy::Finding>
judge(const std::string& text, unsigned mode = 0600)
{
  return policy::judge_muttrc(foreign::parse_muttrc(text, "~/.muttrc"),
                              {
                                policy::ForeignFileFacts{"~/.muttrc", mode, true}
  });
}

// A configuration that does everything right.
constexpr const char* k_good =
  "set smtp_url=\"smtps://ana@mail.clinic.example/\"\n"
  "set ssl_force_tls=yes\n"
  "unset ssl_use_tlsv1 ssl_use_tlsv1_1\n"
  "set crypt_autosign crypt_autoencrypt\n"
  "set pgp_default_key=0x0123456789ABCDEF0123456789ABCDEF01234567\n";

} // namespace

TEST_SUITE("peermail::policy::mutt_rules")
{
  TEST_CASE("policy::judge_muttrc: a careful configuration")
  {
    const auto fs = judge(k_good);
    CHECK(item(fs, "TLS-01").status == Status::pass);
    CHECK(item(fs, "TLS-01").evidence
          == "~/.muttrc:1: set smtp_url=smtps://ana@mail.clinic.example/: implicit TLS on port "
             "465");
    CHECK(item(fs, "TLS-02").status == Status::pass);
    CHECK(item(fs, "TLS-02").evidence
          == "~/.muttrc:3: unset ssl_use_tlsv1; ~/.muttrc:3: unset ssl_use_tlsv1_1");
    CHECK(item(fs, "TLS-03").status == Status::skip);
    CHECK(item(fs, "TLS-04").status == Status::pass);
    CHECK(item(fs, "TLS-05").status == Status::pass);
    CHECK(item(fs, "TLS-05").evidence
          == "~/.muttrc:1: set smtp_url=smtps://ana@mail.clinic.example/: the certificate must "
             "name mail.clinic.example");
    CHECK(item(fs, "E2E-01").status == Status::pass);
    CHECK(item(fs, "E2E-05").status == Status::pass);
    CHECK(item(fs, "E2E-05").evidence
          == "~/.muttrc: record is not set (Mutt's default: ~/sent): copies are kept as sent "
             "(encrypted)");
    CHECK(item(fs, "SIG-01").status == Status::pass);
    CHECK(item(fs, "AUTH-02").status == Status::pass);
    CHECK(item(fs, "AUTH-03").status == Status::pass);
    CHECK(item(fs, "AUTH-04").status == Status::pass);
    CHECK(item(fs, "AUTH-05").status == Status::pass);
    CHECK(item(fs, "AUD-04").status == Status::warn);
    CHECK_FALSE(policy::any_fail(fs));
    std::string ids;
    for (const auto& f : fs) {
      ids.append(f.id).append(" ");
    }
    CHECK(ids
          == "TLS-01 TLS-02 TLS-03 TLS-04 TLS-05 E2E-01 E2E-05 SIG-01 AUTH-02 AUTH-03 AUTH-04 "
             "AUTH-05 AUD-04 ");
  }

  TEST_CASE("policy::judge_muttrc: STARTTLS without ssl_force_tls, legacy versions, weak DH")
  {
    auto fs = judge(
      "set smtp_url=smtp://ana@mail.clinic.example:587/\n"
      "set ssl_force_tls=no\nset ssl_use_tlsv1_1=yes\nset ssl_min_dh_prime_bits=1024\n");
    CHECK(item(fs, "TLS-01").status == Status::fail);
    CHECK(item(fs, "TLS-01").evidence
          == "~/.muttrc:2: set ssl_force_tls=no: Mutt goes on in clear text when the server (or a "
             "man in the middle) offers no STARTTLS");
    CHECK(item(fs, "TLS-01").fix == "set ssl_force_tls=yes (or smtp_url=smtps://USER@HOST/)");
    CHECK(item(fs, "AUTH-02").status == Status::fail);
    CHECK(item(fs, "TLS-02").status == Status::fail);
    CHECK(item(fs, "TLS-02").evidence
          == "~/.muttrc:3: set ssl_use_tlsv1_1=yes: a legacy protocol version is allowed");
    CHECK(item(fs, "TLS-02").fix == "unset ssl_use_tlsv1_1");
    CHECK(item(fs, "TLS-03").status == Status::fail);
    CHECK(item(fs, "TLS-03").fix == "set ssl_min_dh_prime_bits=2048");
    // Not set at all: the default depends on the version, so a warning.
    fs = judge("set smtp_url=smtp://mail.clinic.example:587/\n");
    CHECK(item(fs, "TLS-01").status == Status::warn);
    CHECK(item(fs, "TLS-02").status == Status::warn);
    CHECK(item(fs, "AUTH-02").status == Status::skip);
    // Required: a pass.
    fs = judge("set smtp_url=smtp://mail.clinic.example:587/ ssl_force_tls\n");
    CHECK(item(fs, "TLS-01").status == Status::pass);
    // ssl_starttls off: Mutt never starts TLS.
    fs = judge("set smtp_url=smtp://mail.clinic.example:587/ ssl_force_tls=yes ssl_starttls=no\n");
    CHECK(item(fs, "TLS-01").status == Status::fail);
    // Port 25.
    fs = judge("set smtp_url=smtps://mail.clinic.example:25/\n");
    CHECK(item(fs, "TLS-01").status == Status::fail);
  }

  TEST_CASE("policy::judge_muttrc: certificate and host checks off")
  {
    const auto fs = judge(
      "set smtp_url=smtps://192.0.2.7/ ssl_verify_dates=no\n"
      "set ssl_ca_certificates_file=/etc/ssl/certs/ca-certificates.crt\n");
    CHECK(item(fs, "TLS-04").status == Status::fail);
    CHECK(item(fs, "TLS-04").fix == "set ssl_verify_dates=yes");
    CHECK(item(fs, "TLS-05").status == Status::warn);
    const auto gs = judge(
      "set smtp_url=smtps://mail.clinic.example/ ssl_verify_host=no\n"
      "set ssl_ca_certificates_file=/etc/ssl/certs/ca-certificates.crt\n");
    CHECK(item(gs, "TLS-04").status == Status::pass);
    CHECK(item(gs, "TLS-04").evidence
          == "~/.muttrc:2: set ssl_ca_certificates_file=/etc/ssl/certs/ca-certificates.crt");
    CHECK(item(gs, "TLS-05").status == Status::fail);
    CHECK(item(gs, "TLS-05").fix == "set ssl_verify_host=yes");
  }

  TEST_CASE("policy::judge_muttrc: secrets in the file are named, never quoted")
  {
    auto fs = judge(
      "set smtp_url=smtps://ana:Hunter2-secret@mail.clinic.example/\n"
      "set smtp_pass='Sup3r-secret'\n",
      0644);
    CHECK(item(fs, "AUTH-04").status == Status::fail);
    CHECK(item(fs, "AUTH-04").evidence
          == "~/.muttrc:2: set smtp_pass (the secret itself, in the file); ~/.muttrc:1: set "
             "smtp_url=smtps://ana:…@mail.clinic.example/: the URL holds the password");
    CHECK(item(fs, "AUTH-05").status == Status::fail);
    CHECK(item(fs, "AUTH-05").fix == "chmod 600 ~/.muttrc");
    for (const auto& f : fs) {
      for (const char* secret : {"Hunter2", "Sup3r"}) {
        CHECK(f.evidence.find(secret) == std::string::npos);
        CHECK(f.fix.find(secret) == std::string::npos);
      }
    }
    // A "/" in the password does not end the user information.
    fs = judge("set smtp_url=smtps://ana:Hunter2/x@mail.clinic.example/\n");
    for (const auto& f : fs) {
      CHECK(f.evidence.find("Hunter2") == std::string::npos);
    }
    CHECK(item(fs, "TLS-05").evidence
          == "~/.muttrc:1: set smtp_url=smtps://ana:…@mail.clinic.example/: the certificate must "
             "name mail.clinic.example");
    // From a command: not in the file.
    fs = judge("set smtp_url=smtps://ana@mail.clinic.example/ smtp_pass=\"`pass show smtp`\"\n");
    CHECK(item(fs, "AUTH-04").status == Status::pass);
    CHECK(item(fs, "AUTH-04").evidence == "~/.muttrc:1: smtp_pass comes from a command");
  }

  TEST_CASE("policy::judge_muttrc: encryption and signing left to the sender")
  {
    auto fs = judge(
      "set smtp_url=smtps://mail.clinic.example/\n"
      "set crypt_opportunistic_encrypt\nunset crypt_replyencrypt\n");
    CHECK(item(fs, "E2E-01").status == Status::fail);
    CHECK(item(fs, "E2E-01").evidence
          == "~/.muttrc:2: set crypt_opportunistic_encrypt=yes: a message to anyone whose key is "
             "not found goes out in clear text, without asking; ~/.muttrc:3: unset "
             "crypt_replyencrypt: even replies to encrypted messages go out in clear");
    CHECK(item(fs, "E2E-01").fix == "set crypt_autoencrypt=yes");
    CHECK(item(fs, "E2E-05").status == Status::fail);
    CHECK(item(fs, "E2E-05").evidence
          == "~/.muttrc: record is not set (Mutt's default: ~/sent): copies of messages sent in "
             "clear text are kept there");
    CHECK(item(fs, "SIG-01").status == Status::fail);
    CHECK(item(fs, "SIG-01").evidence
          == "~/.muttrc: crypt_autosign is not set (Mutt's default: no): messages are not signed "
             "unless the sender chooses to");
    // Signing without a key named: a warning.
    fs = judge("set smtp_url=smtps://mail.clinic.example/ crypt_autosign\nunset record\n");
    CHECK(item(fs, "SIG-01").status == Status::warn);
    CHECK(item(fs, "E2E-05").status == Status::pass);
    CHECK(item(fs, "E2E-05").evidence
          == "~/.muttrc:2: unset record: no copies of sent mail are kept");
    // Encrypted, but the copy kept decrypted.
    fs = judge("set smtp_url=smtps://mail.clinic.example/ crypt_autoencrypt fcc_clear\n");
    CHECK(item(fs, "E2E-05").status == Status::fail);
    CHECK(item(fs, "E2E-05").fix == "unset fcc_clear");
  }

  TEST_CASE("policy::judge_muttrc: $sendmail instead of smtp_url")
  {
    auto fs = judge("set sendmail=\"/usr/bin/msmtp -a work\"\nset crypt_autoencrypt\n");
    CHECK(item(fs, "TLS-01").status == Status::skip);
    CHECK(item(fs, "TLS-01").evidence
          == "~/.muttrc:1: set sendmail=/usr/bin/msmtp -a work: Mutt hands the mail to msmtp; "
             "judge that program's configuration (for msmtp: peermail check --msmtprc FILE)");
    CHECK(item(fs, "AUTH-02").status == Status::skip);
    fs = judge("set sendmail=\"peermail sendmail\"\n");
    CHECK(item(fs, "E2E-01").status == Status::pass);
    // Mutt files its copy before peermail encrypts.
    CHECK(item(fs, "E2E-05").status == Status::fail);
    CHECK(item(fs, "AUD-04").status == Status::pass);
    CHECK(item(fs, "TLS-01").status == Status::skip);
    // Neither: /usr/sbin/sendmail.
    fs = judge("");
    CHECK(item(fs, "TLS-01").evidence
          == "~/.muttrc: sendmail is not set (Mutt's default: /usr/sbin/sendmail -oem -oi): Mutt "
             "hands the mail to sendmail; judge that program's configuration (for msmtp: "
             "peermail check --msmtprc FILE)");
    // Something that is not an SMTP URL.
    fs = judge("set smtp_url=imap://mail.clinic.example/\n");
    CHECK(item(fs, "TLS-01").status == Status::fail);
  }

  TEST_CASE("policy::judge_muttrc: every sourced file is judged for AUTH-05")
  {
    const auto fs =
      policy::judge_muttrc(foreign::parse_muttrc(k_good, "~/.muttrc"),
                           {
                             policy::ForeignFileFacts{"~/.muttrc",           0600, true},
                             policy::ForeignFileFacts{"~/.mutt/accounts.rc", 0644, true}
    });
    CHECK(item(fs, "AUTH-05").status == Status::fail);
    CHECK(item(fs, "AUTH-05").evidence == "~/.mutt/accounts.rc: mode 0644: others can read it");
  }
}
