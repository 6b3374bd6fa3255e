// SPDX-License-Identifier: GPL-3.0-or-later
#include "finding_lookup.hpp"

#include <peermail/foreign/msmtprc.hpp>
#include <peermail/policy/msmtp_rules.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using peermail::test::item;

namespace {

// Debian's /usr/share/doc/msmtp/examples/msmtprc-user.example, shortened.
constexpr const char* k_typical = R"(# Set default values for all following accounts.
defaults
tls on
tls_trust_file /etc/ssl/certs/ca-certificates.crt
logfile ~/.msmtp.log

# A freemail service
account freemail
host smtp.freemail.example
from joe_smith@freemail.example
auth on
user joe.smith
passwordeval "gpg -q -d ~/.msmtp-freemail.gpg"

# A second mail address at the same freemail service
account freemail2 : freemail
from joey@freemail.example

account insecure
host 192.0.2.7
port 25
tls off
auth cram-md5
user x
password hunter2

# Set a default account
account default : freemail
)";

} // namespace

TEST_SUITE("peermail::foreign::msmtprc")
{
  TEST_CASE("foreign::parse_msmtprc: defaults, inheritance, default account, lines")
  {
    const auto f = foreign::parse_msmtprc(k_typical);
    REQUIRE(f.accounts.size() == 3);
    CHECK(f.default_account == "freemail");
    const auto* a = f.select("");
    REQUIRE(a != nullptr);
    CHECK(a->name == "freemail");
    CHECK(a->line == 8);
    CHECK(a->find("tls")->value == "on");
    CHECK(a->find("tls")->line == 3);
    CHECK(a->find("passwordeval")->value == "gpg -q -d ~/.msmtp-freemail.gpg");
    const auto* b = f.select("freemail2");
    REQUIRE(b != nullptr);
    CHECK(b->find("host")->value == "smtp.freemail.example");
    CHECK(b->find("from")->value == "joey@freemail.example");
    CHECK(f.select("nope") == nullptr);
    CHECK(f.notes.empty());
  }

  TEST_CASE("foreign::parse_msmtprc: what is not understood is reported")
  {
    const auto f = foreign::parse_msmtprc(
      "account a : ghost\nhost h.example\neval cat /x\n"
      "tls_frobnicate on\nuser \"a \\\"b\\\" c\"\n");
    REQUIRE(f.notes.size() == 3);
    CHECK(f.notes[0].line == 1);
    CHECK(f.notes[0].message == "account a inherits from ghost, which is not defined above");
    CHECK(f.notes[1].line == 3);
    CHECK(f.notes[1].message.rfind("eval:", 0) == 0);
    CHECK(f.notes[2].message == "unknown command tls_frobnicate: not judged");
    CHECK(f.select("a")->find("user")->value == "a \"b\" c");
    CHECK(foreign::msmtp_bool(f.select("a")->find("tls")) == std::nullopt);
    // As msmtp 1.8.23 --pretend shows: a setting before any account is not applied.
    const auto g = foreign::parse_msmtprc("host h.example\naccount a\n");
    CHECK(g.select("a")->find("host") == nullptr);
    REQUIRE(g.notes.size() == 1);
    CHECK(g.notes[0].message
          == "host comes before any `defaults` or `account` line: msmtp does not apply it");
  }
}

TEST_SUITE("peermail::policy::msmtp_rules")
{
  TEST_CASE("policy::judge_msmtp_account: a typical account")
  {
    const auto f = foreign::parse_msmtprc(k_typical);
    const auto fs = policy::judge_msmtp_account(*f.select(""), {"~/.msmtprc", 0600, true});
    CHECK(item(fs, "TLS-01").status == policy::Status::fail); // STARTTLS on msmtp's default port 25
    CHECK(item(fs, "TLS-01").evidence
          == "~/.msmtprc: port is not set (msmtp's default: 25): port 25 is for relaying between "
             "servers, not submission");
    CHECK(item(fs, "TLS-02").status == policy::Status::skip);
    CHECK(item(fs, "TLS-04").status == policy::Status::pass);
    CHECK(item(fs, "TLS-04").evidence
          == "~/.msmtprc:4: tls_trust_file /etc/ssl/certs/ca-certificates.crt");
    CHECK(item(fs, "AUTH-04").status == policy::Status::pass);
    CHECK(item(fs, "AUTH-05").status == policy::Status::pass);
    CHECK(item(fs, "AUD-04").status == policy::Status::pass);
    CHECK(item(fs, "E2E-01").status == policy::Status::warn);
    std::vector<std::string> ids;
    for (const auto& finding : fs) {
      ids.push_back(finding.id);
    }
    CHECK(ids
          == std::vector<std::string>{"TLS-01",
                                      "TLS-02",
                                      "TLS-03",
                                      "TLS-04",
                                      "TLS-05",
                                      "E2E-01",
                                      "AUTH-02",
                                      "AUTH-03",
                                      "AUTH-04",
                                      "AUTH-05",
                                      "AUD-04"});
  }

  TEST_CASE(
    "policy::judge_msmtp_account: an insecure account, cited by line, fixes in msmtp syntax")
  {
    const auto f = foreign::parse_msmtprc(k_typical);
    const auto fs =
      policy::judge_msmtp_account(*f.select("insecure"), {"/etc/msmtprc", 0644, false});
    CHECK(item(fs, "TLS-01").status == policy::Status::fail);
    CHECK(item(fs, "TLS-01").evidence
          == "/etc/msmtprc:22: tls off: mail and the password travel in clear text");
    CHECK(item(fs, "TLS-01").fix.rfind("tls on", 0) == 0);
    CHECK(item(fs, "TLS-04").status == policy::Status::skip);
    CHECK(item(fs, "AUTH-02").status == policy::Status::fail);
    CHECK(item(fs, "AUTH-03").status == policy::Status::fail);
    CHECK(item(fs, "AUTH-04").status == policy::Status::fail);
    CHECK(item(fs, "AUTH-04").evidence
          == "/etc/msmtprc:25: password (the secret itself, in the file)");
    CHECK(item(fs, "AUTH-04").evidence.find("hunter2") == std::string::npos);
    CHECK(item(fs, "AUTH-05").status == policy::Status::fail);
  }

  TEST_CASE("policy::judge_msmtp_account: certificate checks off, pinning instead of validation")
  {
    auto fs = policy::judge_msmtp_account(
      *foreign::parse_msmtprc("account a\nhost m.example\nport 465\ntls on\ntls_starttls off\n"
                              "tls_certcheck off\n")
         .select("a"),
      {"rc", 0600, true});
    CHECK(item(fs, "TLS-01").status == policy::Status::pass);
    CHECK(item(fs, "TLS-04").status == policy::Status::fail);
    CHECK(item(fs, "TLS-04").evidence.rfind("rc:6: tls_certcheck off", 0) == 0);
    CHECK(item(fs, "TLS-04").fix == "tls_certcheck on (and remove tls_nocertcheck)");
    fs = policy::judge_msmtp_account(
      *foreign::parse_msmtprc("account a\nhost m.example\nport 587\ntls\ntls_fingerprint AB:CD\n"
                              "tls_priorities \"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2\"\n")
         .select("a"),
      {"rc", 0600, true});
    CHECK(item(fs, "TLS-01").status == policy::Status::pass);
    CHECK(item(fs, "TLS-02").status == policy::Status::pass);
    CHECK(item(fs, "TLS-04").status == policy::Status::fail);
    fs = policy::judge_msmtp_account(
      *foreign::parse_msmtprc("account a\nhost m.example\nport 587\ntls on\n"
                              "tls_priorities NORMAL:+VERS-TLS1.0\n")
         .select("a"),
      {"rc", 0600, true});
    CHECK(item(fs, "TLS-02").status == policy::Status::fail);
  }
}
