// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/foreign/postfix.hpp>
#include <peermail/policy/postfix_rules.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <map>
#include <string>

using namespace peermail;
using policy::Status;

namespace {

struct Judged
{
  std::map<std::string, policy::Finding> by_id;

  const policy::Finding&
  at(const std::string& id) const
  {
    static const policy::Finding k_none{};
    const auto it = by_id.find(id);
    return it == by_id.end() ? k_none : it->second;
  }
};

policy::ForeignFileFacts
root_file(const std::string& path, unsigned mode)
{
  policy::ForeignFileFacts f;
  f.path = path;
  f.mode = mode;
  f.owned_by_user = false;
  f.owned_by_root = true;
  return f;
}

Judged
judge(std::string_view main_cf,
      std::string_view master_cf = {},
      std::vector<policy::ForeignFileFacts> secrets = {})
{
  foreign::PostfixConfig c;
  c.defaults = foreign::postfix_builtin_defaults();
  foreign::parse_main_cf(main_cf, "pf/main.cf", c);
  foreign::parse_master_cf(master_cf, "pf/master.cf", c);
  policy::PostfixFiles files;
  files.dir = "pf";
  files.default_dir = false;
  files.config = {root_file("pf/main.cf", 0644), root_file("pf/master.cf", 0644)};
  files.secrets = std::move(secrets);
  Judged j;
  for (auto& f : policy::judge_postfix(c, files)) {
    j.by_id[f.id] = f;
  }
  return j;
}

// Debian 12's main.cf with the TLS block its postinst adds.
constexpr std::string_view k_debian_main =
  "smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)\n"
  "biff = no\n"
  "append_dot_mydomain = no\n"
  "readme_directory = no\n"
  "compatibility_level = 3.6\n"
  "smtpd_tls_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem\n"
  "smtpd_tls_key_file=/etc/ssl/private/ssl-cert-snakeoil.key\n"
  "smtpd_tls_security_level=may\n"
  "smtp_tls_CApath=/etc/ssl/certs\n"
  "smtp_tls_security_level=may\n"
  "relayhost = \n";

} // namespace

TEST_SUITE("peermail::policy::postfix_rules")
{
  TEST_CASE("judge_postfix: Debian's defaults deliver opportunistically and take no submissions")
  {
    const auto j =
      judge(k_debian_main, "smtp      inet  n       -       y       -       -       smtpd\n");
    CHECK(j.at("TLS-01").status == Status::skip);
    CHECK(j.at("TLS-01").evidence
          == "pf/main.cf:11: relayhost is empty: no relayhost: mail goes straight to the recipients' "
             "MX hosts (judged under TLS-10); pf/master.cf: no submission or submissions service: "
             "this Postfix takes no mail from mail programs over the network");
    CHECK(j.at("TLS-10").status == Status::warn);
    CHECK(j.at("TLS-10").evidence
          == "pf/main.cf:10: smtp_tls_security_level = may: opportunistic: a man in the middle can "
             "strip STARTTLS on the way to the recipients' servers");
    CHECK(j.at("TLS-10").fix
          == "postconf -c pf -e smtp_tls_security_level=dane smtp_dns_support_level=dnssec (DANE); "
             "MTA-STS through smtp_tls_policy_maps (e.g. postfix-mta-sts-resolver)");
    CHECK(j.at("TLS-02").status == Status::warn);
    CHECK(j.at("TLS-02").evidence
          == "pf/main.cf: smtp_tls_protocols is not set (Postfix's default: >=TLSv1): allows TLS "
             "1.0/1.1 (or SSL), unless OpenSSL's own settings refuse them (opportunistic TLS: a "
             "server limited to them gets clear text instead)");
    CHECK(j.at("TLS-03").status == Status::warn);
    CHECK(j.at("AUTH-02").status == Status::skip);
    CHECK(j.at("AUTH-05").status == Status::pass);
    CHECK(j.at("AUD-04").status == Status::warn);
    CHECK(j.at("AUD-04").fix == "postconf -c pf -e smtp_tls_loglevel=1");
    CHECK(j.at("E2E-01").status == Status::warn);
  }

  TEST_CASE("judge_postfix: an insecure relay client is cited with postconf fixes")
  {
    const auto j = judge(
      "relayhost = [smtp.example.org]:587\n"
      "smtp_tls_security_level = encrypt\n"
      "smtp_sasl_auth_enable = yes\n"
      "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"
      "smtp_sasl_mechanism_filter = cram-md5\n",
      {},
      {root_file("/etc/postfix/sasl_passwd", 0644)});
    CHECK(j.at("TLS-01").status == Status::pass);
    CHECK(j.at("TLS-04").status == Status::fail);
    CHECK(j.at("TLS-04").evidence
          == "pf/main.cf:2: smtp_tls_security_level = encrypt: the relayhost's certificate is not "
             "verified (a man in the middle reads everything)");
    CHECK(j.at("TLS-04").fix
          == "postconf -c pf -e smtp_tls_security_level=secure "
             "smtp_tls_CAfile=/etc/ssl/certs/ca-certificates.crt");
    CHECK(j.at("TLS-02").status == Status::fail);
    CHECK(j.at("TLS-02").fix == "postconf -c pf -e 'smtp_tls_mandatory_protocols = >=TLSv1.2'");
    CHECK(j.at("AUTH-02").status == Status::pass);
    CHECK(j.at("AUTH-03").status == Status::fail);
    CHECK(j.at("AUTH-04").status == Status::fail);
    CHECK(j.at("AUTH-04").evidence
          == "pf/main.cf:4: smtp_sasl_password_maps: hash:/etc/postfix/sasl_passwd holds the "
             "passwords in clear text (Postfix has no keyring)");
    CHECK(j.at("AUTH-05").status == Status::fail);
    CHECK(j.at("AUTH-05").fix == "chmod 600 /etc/postfix/sasl_passwd");
    CHECK(j.at("TLS-10").status == Status::skip);

    const auto clear = judge("relayhost = smtp.example.org\nsmtp_sasl_auth_enable = yes\n");
    CHECK(clear.at("TLS-01").status == Status::fail);
    CHECK(clear.at("TLS-01").evidence
          == "pf/main.cf: smtp_tls_security_level is not set (Postfix's default: empty): mail to "
             "the relayhost smtp.example.org may go in clear text (level none does not require "
             "TLS)");
    CHECK(clear.at("AUTH-02").status == Status::fail);
    CHECK(clear.at("TLS-04").status == Status::skip);
  }

  TEST_CASE("judge_postfix: a careful relay client passes")
  {
    const auto j = judge(
      "relayhost = [smtp.example.org]:465\n"
      "smtp_tls_wrappermode = yes\n"
      "smtp_tls_security_level = secure\n"
      "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n"
      "smtp_tls_mandatory_protocols = >=TLSv1.2\n"
      "smtp_tls_mandatory_ciphers = high\n"
      "smtp_tls_loglevel = 1\n");
    for (const char* id : {"TLS-01", "TLS-02", "TLS-03", "TLS-04", "TLS-05", "AUD-04"}) {
      CAPTURE(id);
      CHECK(j.at(id).status == Status::pass);
    }
    CHECK(j.at("TLS-05").evidence
          == "pf/main.cf:1: relayhost = [smtp.example.org]:465: the certificate must name "
             "smtp.example.org (pf/main.cf:3: smtp_tls_security_level = secure)");
    CHECK(j.at("AUTH-04").status == Status::skip);
  }

  TEST_CASE("judge_postfix: submission services in master.cf")
  {
    const auto j = judge(
      "smtpd_tls_chain_files = /etc/postfix/chain.pem\n"
      "smtpd_tls_mandatory_protocols = >=TLSv1.2\n",
      "submission inet n - y - - smtpd\n"
      "  -o smtpd_tls_security_level=may\n"
      "  -o smtpd_sasl_auth_enable=yes\n"
      "smtps inet n - y - - smtpd\n"
      "  -o smtpd_sasl_auth_enable=yes\n");
    CHECK(j.at("TLS-01").status == Status::fail);
    CHECK(j.at("TLS-01").evidence
          == "pf/master.cf:2: submission inet -o smtpd_tls_security_level=may: mail programs may "
             "submit in clear text; pf/master.cf:4: smtps inet: smtpd_tls_wrappermode is not set "
             "(Postfix's default: no): the port for implicit TLS speaks clear text");
    CHECK(j.at("TLS-01").fix
          == "postconf -c pf -P 'submission/inet/smtpd_tls_security_level=encrypt'; postconf -c "
             "pf -P 'smtps/inet/smtpd_tls_wrappermode=yes'");
    CHECK(j.at("AUTH-02").status == Status::fail);
    CHECK(j.at("AUTH-02").fix
          == "postconf -c pf -P 'submission/inet/smtpd_tls_auth_only=yes'; postconf -c pf -P "
             "'smtps/inet/smtpd_tls_auth_only=yes'");

    const auto good = judge(
      "smtpd_tls_chain_files = /etc/postfix/chain.pem\n"
      "smtpd_tls_protocols = >=TLSv1.2\n"
      "smtpd_tls_mandatory_protocols = $smtpd_tls_protocols\n",
      "submission inet n - y - - smtpd\n"
      "  -o smtpd_tls_security_level=encrypt\n"
      "  -o smtpd_sasl_auth_enable=yes\n"
      "submissions inet n - y - - smtpd\n"
      "  -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes\n");
    CHECK(good.at("TLS-01").status == Status::pass);
    CHECK(good.at("AUTH-02").status == Status::pass);
    CHECK(good.at("TLS-02").status == Status::pass);
    CHECK(good.at("TLS-02").evidence
          == "pf/master.cf:1: submission inet inherits pf/main.cf:3: smtpd_tls_mandatory_protocols "
             "= $smtpd_tls_protocols (>=TLSv1.2); pf/master.cf:4: submissions inet inherits "
             "pf/main.cf:2: smtpd_tls_protocols = >=TLSv1.2");
  }

  TEST_CASE("judge_postfix: the smtp transport's master.cf overrides are what the client uses")
  {
    const auto j = judge(
      "relayhost = [smtp.example.org]:587\n"
      "smtp_tls_security_level = secure\n"
      "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n",
      "smtp      unix  -       -       y       -       -       smtp\n"
      "  -o smtp_tls_security_level=may\n");
    CHECK(j.at("TLS-01").status == Status::fail);
    CHECK(j.at("TLS-01").evidence
          == "pf/master.cf:2: smtp unix -o smtp_tls_security_level=may: mail to the relayhost "
             "[smtp.example.org]:587 may go in clear text (level may does not require TLS)");
    CHECK(j.at("TLS-01").fix
          == "postconf -c pf -e smtp_tls_CAfile=/etc/ssl/certs/ca-certificates.crt; postconf -c "
             "pf -P 'smtp/unix/smtp_tls_security_level=secure'");
    CHECK(j.at("TLS-04").status == Status::fail);
  }

  TEST_CASE("judge_postfix: what cannot be expanded or read is skip with the reason, never pass")
  {
    const auto j = judge(
      "relayhost = [smtp.example.org]:587\n"
      "smtp_tls_security_level = ${{$x} == {y} ? {secure} : {may}}\n");
    CHECK(j.at("TLS-01").status == Status::skip);
    CHECK(j.at("TLS-01").evidence
          == "pf/main.cf:2: smtp_tls_security_level = ${{$x} == {y} ? {secure} : {may}}: not "
             "judged: ${{$x} == {y} ? {secure} : {may}}: an expression form this reader does not "
             "evaluate");
    const auto odd = judge("smtp_tls_security_level = may\nsmtp_tls_protocols = TLSv9\n");
    CHECK(odd.at("TLS-02").status == Status::skip);
    CHECK(odd.at("TLS-02").evidence
          == "pf/main.cf:2: smtp_tls_protocols = TLSv9: not judged: \"TLSv9\" is not a protocol "
             "this reader knows");
  }

  TEST_CASE("judge_postfix: a master.cf override beats main.cf, whatever the port is called")
  {
    for (const char* name : {"submission", "587", "127.0.0.1:587", "[::1]:submission"}) {
      const auto j = judge(
        "smtpd_tls_chain_files = /etc/postfix/chain.pem\n"
        "smtpd_tls_security_level = encrypt\n",
        fmt::format("{} inet n - y - - smtpd\n"
                    "  -o smtpd_tls_security_level=may\n",
                    name));
      CHECK(j.at("TLS-01").status == Status::fail);
      CHECK(j.at("TLS-01").evidence
            == fmt::format("pf/master.cf:2: {} inet -o smtpd_tls_security_level=may: mail "
                           "programs may submit in clear text",
                           name));
    }
  }

  TEST_CASE("judge_postfix: a setting made twice is cited where it wins")
  {
    const auto j = judge(
      "relayhost = [smtp.example.org]:587\n"
      "smtp_tls_security_level = secure\n"
      "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n"
      "smtp_tls_security_level = may\n");
    CHECK(j.at("TLS-01").status == Status::fail);
    CHECK(j.at("TLS-01").evidence
          == "pf/main.cf:4: smtp_tls_security_level = may: mail to the relayhost "
             "[smtp.example.org]:587 may go in clear text (level may does not require TLS)");
  }

  TEST_CASE("judge_postfix: password tables in local files never pass AUTH-04")
  {
    const auto base = std::string(
      "relayhost = [smtp.example.org]:587\n"
      "smtp_tls_security_level = secure\n"
      "smtp_sasl_auth_enable = yes\n");
    for (const char* maps : {"pcre:/etc/postfix/sasl.pcre",
                             "regexp:/etc/postfix/sasl.re",
                             "cidr:/etc/postfix/sasl.cidr",
                             "sqlite:/etc/postfix/sasl.cf",
                             "proxy:texthash:/etc/postfix/sasl"}) {
      const auto j = judge(base + "smtp_sasl_password_maps = " + maps + "\n");
      CHECK(j.at("AUTH-04").status == Status::fail);
    }
    for (const char* maps : {"unionmap:{hash:/etc/postfix/a, ldap:/etc/postfix/b.cf}",
                             "pipemap:{ldap:/etc/postfix/b.cf, hash:/etc/postfix/a}",
                             "nosuchtype:/etc/postfix/x"}) {
      const auto j = judge(base + "smtp_sasl_password_maps = " + maps + "\n");
      CHECK(j.at("AUTH-04").status == Status::skip);
      CHECK(j.at("AUTH-04").evidence.find("not judged") != std::string::npos);
    }
    const auto ldap = judge(base + "smtp_sasl_password_maps = proxy:ldap:/etc/postfix/sasl.cf\n");
    CHECK(ldap.at("AUTH-04").status == Status::pass);
  }

  TEST_CASE("judge_postfix: logs thrown away or no TLS on a service never pass")
  {
    const auto j = judge("maillog_file = /dev/null\n");
    CHECK(j.at("AUD-04").status == Status::fail);
    CHECK(j.at("AUD-04").evidence
          == "pf/main.cf:1: maillog_file = /dev/null: Postfix's log is thrown away");
    const auto none = judge(
      "smtpd_tls_chain_files = /etc/postfix/chain.pem\n"
      "smtpd_tls_protocols = >=TLSv1.2\n"
      "smtpd_tls_ciphers = high\n",
      "submission inet n - y - - smtpd -o smtpd_tls_security_level=none\n");
    CHECK(none.at("TLS-01").status == Status::fail);
    CHECK(none.at("TLS-02").status == Status::skip);
    CHECK(none.at("TLS-03").status == Status::skip);
  }
}
