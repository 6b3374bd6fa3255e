// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/foreign/postfix.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <string>
#include <vector>

using namespace peermail;
using foreign::PostfixConfig;

namespace {

PostfixConfig
config(std::string_view main_cf, std::string_view master_cf = {})
{
  PostfixConfig c;
  c.defaults = foreign::postfix_builtin_defaults();
  foreign::parse_main_cf(main_cf, "pf/main.cf", c);
  foreign::parse_master_cf(master_cf, "pf/master.cf", c);
  return c;
}

const foreign::PostfixService*
service(const PostfixConfig& c, std::string_view name)
{
  for (const auto& s : c.services) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

} // namespace

TEST_SUITE("peermail::foreign::postfix")
{
  TEST_CASE("parse_main_cf: name = value, continuation lines, comments, last one wins")
  {
    const auto c = config(
      "# TLS\n"
      "smtp_tls_security_level = may\n"
      "\n"
      "smtpd_relay_restrictions = permit_mynetworks\n"
      "    # a comment inside does not end the logical line\n"
      "    permit_sasl_authenticated\n"
      "  reject_unauth_destination\n"
      "relayhost=[smtp.example.org]:587   \n"
      "smtp_tls_security_level = encrypt\n"
      "this line has no equals sign\n");
    REQUIRE(c.find("smtp_tls_security_level") != nullptr);
    CHECK(c.find("smtp_tls_security_level")->value == "encrypt");
    CHECK(c.find("smtp_tls_security_level")->line == 9);
    CHECK(c.find("smtp_tls_security_level")->file == "pf/main.cf");
    REQUIRE(c.find("smtpd_relay_restrictions") != nullptr);
    CHECK(c.find("smtpd_relay_restrictions")->value
          == "permit_mynetworks permit_sasl_authenticated reject_unauth_destination");
    CHECK(c.find("smtpd_relay_restrictions")->line == 4);
    CHECK(c.find("relayhost")->value == "[smtp.example.org]:587");
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0].line == 10);
    CHECK(c.notes[0].message
          == "not a `name = value` line (\"this line has no equals sign\"): not judged");
    CHECK(c.find("smtp_tls_loglevel") == nullptr);
    CHECK(c.value("smtp_tls_loglevel").value == "0");
  }

  TEST_CASE("PostfixConfig::value: $name, ${name}, $(name) expansion; loops are reported")
  {
    const auto c = config(
      "a = x$b\n"
      "b = ${c}y\n"
      "c = $(d)z\n"
      "d = 1$$2\n"
      "loop1 = $loop2\n"
      "loop2 = pre-$loop1\n"
      "cond = ${b?{set}}${nothing?{never}}${nothing:unset}\n"
      "fancy = ${{$a} == {x} ? {y} : {z}}\n"
      "smtp_tls_mandatory_protocols = $smtp_tls_protocols\n"
      "smtp_tls_protocols = >=TLSv1.2\n");
    CHECK(c.value("a").value == "x1$2zy");
    CHECK(c.value("a").problem.empty());
    CHECK(c.value("loop1").problem == "$loop1 refers to itself (through $loop2)");
    CHECK(c.value("cond").value == "setunset");
    CHECK(c.value("fancy").problem
          == "${{$a} == {x} ? {y} : {z}}: an expression form this reader does not evaluate");
    CHECK(c.value("smtp_tls_mandatory_protocols").value == ">=TLSv1.2");
    CHECK(c.value("undefined_name").value.empty());
  }

  TEST_CASE("PostfixConfig::value: expansion bombs stop at a size and a work bound")
  {
    // Each level doubles: 2^15 copies of a 1000-byte value would be 32 MB.
    std::string doubling;
    for (int i = 0; i < 15; ++i) {
      doubling += fmt::format("a{} = $a{}$a{}\n", i, i + 1, i + 1);
    }
    doubling += fmt::format("a15 = {}\n", std::string(1000, 'x'));
    const auto big = config(doubling);
    CHECK(big.value("a0").value.empty());
    CHECK(big.value("a0").problem == "$a0: expands to more than 65536 bytes");
    // Empty values: nothing grows, but 10^8 references would be looked up.
    std::string wide;
    for (int i = 0; i < 8; ++i) {
      wide += fmt::format("b{} =", i);
      for (int k = 0; k < 10; ++k) {
        wide += fmt::format(" $b{}", i + 1);
      }
      wide += '\n';
    }
    wide += "b8 =\n";
    const auto many = config(wide);
    CHECK(many.value("b0").value.empty());
    CHECK(many.value("b0").problem == "$b0: more than 10000 references to expand");
    CHECK(many.value("b5").problem.empty()); // 10^3 references are fine
  }

  TEST_CASE("parse_master_cf: a repeated -o cites the line that wins, names match whole")
  {
    const auto c = config("",
                          "submission inet n - y - - smtpd\n"
                          "  -o smtpd_client_restrictions=$mua_client_restrictions\n"
                          "  -o smtpd_tls_security_level=encrypt\n"
                          "  -o mua_client_restrictions=permit_sasl_authenticated,reject\n"
                          "  -o smtpd_tls_security_level=may\n");
    const auto* sub = service(c, "submission");
    REQUIRE(sub != nullptr);
    CHECK(sub->overrides.at("smtpd_tls_security_level").value == "may");
    CHECK(sub->overrides.at("smtpd_tls_security_level").line == 5);
    CHECK(sub->overrides.at("mua_client_restrictions").line == 4);
    CHECK(sub->overrides.at("smtpd_client_restrictions").line == 2);
  }

  TEST_CASE("parse_master_cf: services, -o overrides, continuation, braces")
  {
    const auto c =
      config("smtpd_tls_security_level = may\n",
             "# service type  private unpriv  chroot  wakeup  maxproc command\n"
             "smtp      inet  n       -       y       -       -       smtpd\n"
             "#submission inet n       -       y       -       -       smtpd\n"
             "submission inet n       -       y       -       -       smtpd\n"
             "  -o syslog_name=postfix/submission\n"
             "  -o smtpd_tls_security_level=encrypt\n"
             "  -o { smtpd_tls_mandatory_protocols = >=TLSv1.2 }\n"
             "127.0.0.1:submissions inet n - y - - smtpd -o smtpd_tls_wrappermode=yes\n"
             "relay     unix  -       -       y       -       -       smtp\n"
             "        -o syslog_name=postfix/$service_name\n"
             "broken inet n\n");
    REQUIRE(c.services.size() == 4);
    const auto* sub = service(c, "submission");
    REQUIRE(sub != nullptr);
    CHECK(sub->line == 4);
    CHECK(sub->type == "inet");
    CHECK(sub->command == "smtpd");
    CHECK(sub->port() == "submission");
    REQUIRE(sub->overrides.count("smtpd_tls_security_level") == 1);
    CHECK(sub->overrides.at("smtpd_tls_security_level").line == 6);
    CHECK(c.value("smtpd_tls_security_level", sub).value == "encrypt");
    CHECK(c.value("smtpd_tls_security_level").value == "may");
    CHECK(c.value("smtpd_tls_mandatory_protocols", sub).value == ">=TLSv1.2");
    const auto* subs = service(c, "127.0.0.1:submissions");
    REQUIRE(subs != nullptr);
    CHECK(subs->port() == "submissions");
    CHECK(c.value("smtpd_tls_wrappermode", subs).value == "yes");
    CHECK(c.find("smtpd_tls_wrappermode", subs)->line == 8);
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0].file == "pf/master.cf");
    CHECK(c.notes[0].line == 11);
    CHECK(c.notes[0].message
          == "not a service entry (fewer than 8 fields: \"broken inet n\"): not judged");
  }

  TEST_CASE("apply_postconf_*: postconf's values win, the file's line numbers stay")
  {
    auto c = config(
      "smtp_tls_security_level = may\n"
      "smtpd_tls_auth_only = yes\n",
      "submission inet n - y - - smtpd\n"
      "  -o smtpd_tls_security_level=encrypt\n");
    foreign::apply_postconf_n(
      "smtp_tls_security_level = encrypt\n"
      "smtpd_tls_auth_only = yes\n"
      "relayhost = [mail.example.org]:587\n",
      c);
    foreign::apply_postconf_d("smtp_tls_loglevel = 0\nsmtpd_tls_auth_only = no\n", c);
    foreign::apply_postconf_m(
      "submission inet n - y - - smtpd -o smtpd_tls_security_level=encrypt -o "
      "smtpd_sasl_auth_enable=yes\n"
      "smtps inet n - y - - smtpd -o smtpd_tls_wrappermode=yes\n",
      c);
    CHECK(c.find("smtp_tls_security_level")->value == "encrypt");
    // The file says `may` there: its line is not cited for postconf's value.
    CHECK(c.find("smtp_tls_security_level")->file.empty());
    CHECK(c.find("smtp_tls_security_level")->line == 0);
    CHECK(c.find("smtpd_tls_auth_only")->line == 2);
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0].file == "pf/main.cf");
    CHECK(c.notes[0].line == 1);
    CHECK(c.notes[0].message
          == "postconf -n gives smtp_tls_security_level another value than this line: "
             "postconf's value is judged");
    CHECK(c.find("relayhost")->line == 0);
    CHECK(c.defaults_source == "postconf -d");
    CHECK(c.value("smtp_tls_ciphers").value.empty()); // postconf -d replaced the table
    REQUIRE(c.services.size() == 2);
    CHECK(c.services[0].line == 1);
    CHECK(c.services[0].overrides.at("smtpd_tls_security_level").line == 2);
    CHECK(c.services[0].overrides.at("smtpd_sasl_auth_enable").line == 0);
    CHECK(c.services[1].name == "smtps");
    CHECK(c.services[1].line == 0);
  }

  TEST_CASE("apply_postconf_m: an override postconf gives another value has no line")
  {
    auto c = config("",
                    "submission inet n - y - - smtpd\n"
                    "  -o smtpd_tls_security_level=encrypt\n"
                    "  -o smtpd_sasl_auth_enable=yes\n");
    foreign::apply_postconf_m(
      "submission inet n - y - - smtpd -o smtpd_tls_security_level=may "
      "-o smtpd_sasl_auth_enable=yes\n",
      c);
    REQUIRE(c.services.size() == 1);
    const auto& o = c.services[0].overrides;
    CHECK(o.at("smtpd_tls_security_level").value == "may");
    CHECK(o.at("smtpd_tls_security_level").file.empty());
    CHECK(o.at("smtpd_tls_security_level").line == 0);
    CHECK(o.at("smtpd_sasl_auth_enable").line == 3);
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0].line == 2);
    CHECK(c.notes[0].message
          == "postconf -M gives submission inet -o smtpd_tls_security_level another value than "
             "this line: postconf's value is judged");
  }

  TEST_CASE("postfix_tables: types, files, braces kept whole")
  {
    const auto t = foreign::postfix_tables(
      "hash:/etc/postfix/sasl_passwd, proxy:lmdb:/etc/postfix/b "
      "inline:{ [smtp.example.org]:587=ana:Sup3rSecret, x=y },socketmap:unix:/run/s.sock:sasl");
    REQUIRE(t.size() == 4);
    CHECK(t[0].type == "hash");
    CHECK(t[0].files
          == std::vector<std::string>{"/etc/postfix/sasl_passwd", "/etc/postfix/sasl_passwd.db"});
    CHECK(t[1].type == "lmdb");
    CHECK(t[1].files == std::vector<std::string>{"/etc/postfix/b", "/etc/postfix/b.lmdb"});
    CHECK(t[2].type == "inline");
    CHECK(t[2].literal);
    CHECK(t[2].files.empty());
    CHECK(t[3].type == "socketmap");
    CHECK(t[3].files.empty());
  }

  TEST_CASE("postfix_bool: yes in any case is true")
  {
    CHECK(foreign::postfix_bool("yes"));
    CHECK(foreign::postfix_bool("YES"));
    CHECK_FALSE(foreign::postfix_bool("no"));
    CHECK_FALSE(foreign::postfix_bool("true"));
  }
}
