// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/foreign/muttrc.hpp>
#include <peermail/foreign/smtp_url.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <map>
#include <string>

using namespace peermail;
using foreign::mutt_bool;
using foreign::parse_muttrc;

namespace {

std::string
value(const foreign::MuttFile& f, std::string_view name)
{
  const auto* s = f.find(name);
  return s == nullptr ? std::string("<default>") : s->value;
}

// A reader over an in-memory set of files.
foreign::MuttReader
reader(const std::map<std::string, std::string>& files)
{
  return [files](const std::string& arg, const std::string&) -> Result<foreign::MuttSource> {
    const auto it = files.find(arg);
    if (it == files.end()) {
      return fail(Errc::no_input, fmt::format("{}: cannot open: No such file or directory", arg));
    }
    return foreign::MuttSource{it->first, it->second};
  };
}

} // namespace

TEST_SUITE("peermail::foreign::muttrc")
{
  TEST_CASE("parse_muttrc: set forms, quoting, comments, lines")
  {
    const auto f = parse_muttrc(
      "# sending\n"
      "set smtp_url=\"smtp://ana@mail.example.org:587/\"  # submission\n"
      "set ssl_force_tls = yes\n"
      "set crypt_autosign crypt_autoencrypt=yes record='~/sent # mine'\n"
      "set noc ; set inva\n"
      "set sendmail=\"/usr/bin/msmtp -a \\\"work\\\"\"\n"
      "set realname=Ana\\ Ruiz\n"
      "  set   pgp_default_key   =   0x1234  \n",
      "muttrc");
    CHECK(value(f, "smtp_url") == "smtp://ana@mail.example.org:587/");
    REQUIRE(f.find("smtp_url"));
    CHECK(f.find("smtp_url")->line == 2);
    CHECK(f.find("smtp_url")->file == "muttrc");
    CHECK(value(f, "ssl_force_tls") == "yes");
    CHECK(f.find("ssl_force_tls")->line == 3);
    CHECK(value(f, "crypt_autosign") == "yes");
    CHECK(value(f, "crypt_autoencrypt") == "yes");
    CHECK(value(f, "record") == "~/sent # mine");
    CHECK(value(f, "c") == "no");
    CHECK(f.find("c")->unset);
    CHECK(value(f, "a") == "toggled");
    CHECK(value(f, "sendmail") == "/usr/bin/msmtp -a \"work\"");
    CHECK(value(f, "realname") == "Ana Ruiz");
    CHECK(value(f, "pgp_default_key") == "0x1234");
    CHECK(f.find("pgp_default_key")->line == 8);
    REQUIRE(f.notes.size() == 1);
    CHECK(f.notes[0].line == 5);
    CHECK(f.notes[0].message
          == "inva / toggle a: the result depends on Mutt's default; set a to yes or no");
  }

  TEST_CASE("parse_muttrc: unset, no, inv, toggle, reset; the last one wins")
  {
    const auto f = parse_muttrc(
      "set crypt_autosign\n"
      "unset crypt_autosign\n"
      "set crypt_autoencrypt=no\n"
      "set invcrypt_autoencrypt\n"
      "set ssl_verify_host=no\n"
      "reset ssl_verify_host\n"
      "set ssl_starttls=no\n"
      "set &ssl_starttls\n"
      "set crypt_replyencrypt\n"
      "toggle crypt_replyencrypt\n"
      "set nocrypt_opportunistic_encrypt\n"
      "set ?crypt_autosign\n"
      "unset record sendmail\n",
      "rc");
    CHECK(mutt_bool(f.find("crypt_autosign")) == false);
    CHECK(f.find("crypt_autosign")->line == 2);
    CHECK(mutt_bool(f.find("crypt_autoencrypt")) == true);
    CHECK(f.find("ssl_verify_host") == nullptr);
    CHECK(f.find("ssl_starttls") == nullptr);
    CHECK(mutt_bool(f.find("crypt_replyencrypt")) == false);
    CHECK(mutt_bool(f.find("crypt_opportunistic_encrypt")) == false);
    CHECK(f.find("record")->unset);
    CHECK(f.find("sendmail")->unset);
    CHECK(f.notes.empty());
  }

  TEST_CASE("parse_muttrc: old names are the current ones")
  {
    const auto f = parse_muttrc(
      "set pgp_autosign pgp_autoencrypt\nset pgp_sign_as=0xABCD\nunset pgp_replyencrypt\n", "rc");
    CHECK(value(f, "crypt_autosign") == "yes");
    CHECK(value(f, "crypt_autoencrypt") == "yes");
    CHECK(value(f, "pgp_default_key") == "0xABCD");
    CHECK(value(f, "crypt_replyencrypt") == "no");
  }

  TEST_CASE("parse_muttrc: backslash continuation and CRLF")
  {
    const auto f = parse_muttrc(
      "set smtp_url=\\\r\n  smtps://mail.example.org/ \\\n"
      "  ssl_force_tls\r\nset record=\"\"\n",
      "rc");
    CHECK(value(f, "smtp_url") == "smtps://mail.example.org/");
    CHECK(f.find("smtp_url")->line == 1);
    CHECK(value(f, "ssl_force_tls") == "yes");
    CHECK(value(f, "record").empty());
    CHECK(f.find("record")->line == 4);
  }

  TEST_CASE("parse_muttrc: commands are never run, hooks are not judged")
  {
    const auto f = parse_muttrc(
      "set smtp_pass=`pass show mail`\n"
      "set my_x=\"a`b`\"\n"
      "set ok='`literal`'\n"
      "source ~/bin/muttrc.sh|\n"
      "source `ls ~/.mutt/*.rc`\n"
      "send-hook . 'set crypt_autoencrypt=no'\n"
      "bind index g noop ; set x=1\n",
      "rc");
    REQUIRE(f.find("smtp_pass"));
    CHECK(f.find("smtp_pass")->from_command);
    CHECK(f.find("smtp_pass")->value == "`pass show mail`");
    CHECK(mutt_bool(f.find("smtp_pass")) == std::nullopt);
    CHECK(f.find("my_x")->from_command);
    CHECK_FALSE(f.find("ok")->from_command);
    CHECK(value(f, "ok") == "`literal`");
    CHECK(f.find("crypt_autoencrypt") == nullptr);
    CHECK(value(f, "x") == "1");
    REQUIRE(f.notes.size() == 3);
    CHECK(f.notes[0].line == 4);
    CHECK(f.notes[0].message
          == "source ~/bin/muttrc.sh|: runs a command, which peermail does not run; what it "
             "sets is not judged");
    CHECK(f.notes[1].message
          == "source `ls ~/.mutt/*.rc`: runs a command, which peermail does not run; what it "
             "sets is not judged");
    CHECK(f.notes[2].line == 6);
    CHECK(f.notes[2].message
          == "send-hook: what it sets applies only when the hook matches, and is not judged");
  }

  TEST_CASE("parse_muttrc: source follows files, names their lines, stops loops")
  {
    const auto r = reader({
      {"crypto.rc", "set crypt_autosign\nsource muttrc\n"},
      {"muttrc",    "source muttrc\n"                    },
    });
    const auto f =
      parse_muttrc("set crypt_autosign=no\nsource crypto.rc\nsource missing.rc\n", "muttrc", r);
    REQUIRE(f.find("crypt_autosign"));
    CHECK(f.find("crypt_autosign")->file == "crypto.rc");
    CHECK(f.find("crypt_autosign")->line == 1);
    CHECK(mutt_bool(f.find("crypt_autosign")) == true);
    CHECK(f.files == std::vector<std::string>{"muttrc", "crypto.rc"});
    REQUIRE(f.notes.size() == 2);
    CHECK(f.notes[0].file == "crypto.rc");
    CHECK(f.notes[0].line == 2);
    CHECK(f.notes[0].message
          == "source muttrc: a loop (muttrc sources itself): not followed again");
    CHECK(f.notes[1].file == "muttrc");
    CHECK(f.notes[1].line == 3);
    CHECK(f.notes[1].message
          == "source missing.rc: not followed: missing.rc: cannot open: No such file or "
             "directory");
    // Without a reader nothing is followed.
    const auto g = parse_muttrc("source crypto.rc\n", "muttrc");
    REQUIRE(g.notes.size() == 1);
    CHECK(g.notes[0].message == "source crypto.rc: not followed");
  }

  TEST_CASE("parse_muttrc: a deep chain of sources stops")
  {
    std::map<std::string, std::string> files;
    for (int i = 0; i < 12; ++i) {
      files[fmt::format("f{}", i)] = fmt::format("source f{}\n", i + 1);
    }
    const auto f = parse_muttrc("source f0\n", "muttrc", reader(files));
    CHECK(f.files.size() == 8);
    REQUIRE(f.notes.size() == 1);
    CHECK(f.notes[0].message == "source f7: not followed (more than 8 files deep)");
  }

  TEST_CASE("parse_smtp_url: parts, and never a piece of the password")
  {
    auto u = foreign::parse_smtp_url("SMTPS://ana@mail.example.org:465/");
    CHECK(u.scheme == "smtps");
    CHECK(u.user == "ana");
    CHECK_FALSE(u.has_password);
    CHECK(u.host == "mail.example.org");
    CHECK(u.port == "465");
    CHECK(u.shown == "SMTPS://ana@mail.example.org:465/");
    u = foreign::parse_smtp_url("smtp://ana:p/a@ss@[2001:db8::1]:587");
    CHECK(u.user == "ana");
    CHECK(u.has_password);
    CHECK(u.host == "2001:db8::1");
    CHECK(u.port == "587");
    CHECK(u.shown == "smtp://ana:…@[2001:db8::1]:587");
    u = foreign::parse_smtp_url("mail.example.org");
    CHECK(u.scheme.empty());
    CHECK(u.host == "mail.example.org");
    CHECK(u.port.empty());
    u = foreign::parse_smtp_url("ana:secret@mail.example.org");
    CHECK(u.shown == "ana:…@mail.example.org");
  }
}
