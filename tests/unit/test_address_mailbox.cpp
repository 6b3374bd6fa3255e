// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/address/mailbox.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;
using namespace peermail::address;

TEST_SUITE("peermail::address")
{
  TEST_CASE("address::check_address: accepted and normalised")
  {
    CHECK(*check_address("o'brien+tag@sub.clinic-a.test") == "o'brien+tag@sub.clinic-a.test");
    CHECK(*check_address("Sam.Lee@Hospital.TEST") == "sam.lee@hospital.test");
    // U-labels become A-labels (IDNA2008, UTS #46 non-transitional).
    CHECK(*check_address("kim@bücher.example") == "kim@xn--bcher-kva.example");
    CHECK(*check_address("kim@BÜCHER.example") == "kim@xn--bcher-kva.example");
    CHECK(*check_address("kim@straße.example") == "kim@xn--strae-oqa.example"); // ß kept
    CHECK(*check_address("kim@xn--bcher-kva.example") == "kim@xn--bcher-kva.example");
    CHECK(*check_address("kim@XN--BCHER-KVA.example") == "kim@xn--bcher-kva.example");
  }

  TEST_CASE("address::check_address: refused, with the reason")
  {
    const auto why = [](std::string_view a) {
      auto r = check_address(a);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Errc::data);
      return r.error().message;
    };
    const std::string no_dot =
      "the domain has no dot (a name like \"localhost\" is not a mail domain)";
    CHECK(why("sam@localhost") == no_dot);
    CHECK(why("sam@LOCALHOST") == no_dot);
    CHECK(why("sam@intranet") == no_dot);
    CHECK(why("sam") == "it has no @");
    CHECK(why("@x.test") == "the part before @ is empty");
    CHECK(why("sam@") == "the domain after @ is empty");
    CHECK(why("sam\x01@x.test") == "it contains a control character");
    CHECK(why("sam@x.test\x7f") == "it contains a control character");
    CHECK(why(std::string(65, 'a') + "@x.test") == "the part before @ is longer than 64 bytes");
    const std::string local_rule =
      "the part before @ may hold only ASCII letters, digits, single inner dots and "
      "#$&'*+-/=?^_`{|}~ (no spaces, quotes or @)";
    for (const char* bad : {"\"a b\"@x.test",
                            "\"sam\"@x.test",
                            "a b@x.test",
                            ".a@x.test",
                            "a.@x.test",
                            "a..b@x.test",
                            "a@b@x.test",
                            "a(c)@x.test",
                            "jos\xc3\xa9@x.test"}) {
      CAPTURE(bad);
      CHECK(why(bad) == local_rule);
    }
    const std::string host_rule =
      "the domain is not a host name (letters, digits and inner hyphens only; no IP literals)";
    CHECK(why("sam@-x.test") == host_rule);
    CHECK(why("sam@x_y.test") == host_rule);
    CHECK(why("sam@[127.0.0.1]") == host_rule);
    CHECK(why("sam@x..test")
          == "the domain has an empty label (a leading, trailing or double dot)");
    CHECK(why("sam@x.test.")
          == "the domain has an empty label (a leading, trailing or double dot)");
    CHECK(why("kim@clc.xn--an2")
          == "the domain holds an A-label (xn--) that is not valid IDNA2008");
    CHECK(why("kim@xn--ls8h.example")
          == "the domain holds an A-label (xn--) that is not valid IDNA2008"); // emoji
    CHECK(why("kim@b\xe9.example") == "the domain is not UTF-8");
    CHECK(why("kim@\xf0\x9f\x92\xa9.example")
            .starts_with("the domain is not a valid internationalised domain name (IDNA2008: "));
    CHECK(why(std::string(60, 'a') + "@" + std::string(60, 'b') + "." + std::string(60, 'c') + "."
              + std::string(60, 'd') + "." + std::string(60, 'e') + ".test")
          == "it is longer than 254 bytes");
  }

  TEST_CASE("address::is_valid_address: only the normalised ASCII form")
  {
    CHECK(is_valid_address("kim@xn--bcher-kva.example"));
    CHECK(is_valid_address("Kim@Clinic.test"));
    CHECK_FALSE(is_valid_address("kim@bücher.example"));
    CHECK_FALSE(is_valid_address("sam@localhost"));
  }

  TEST_CASE("address::parse_mailbox: one error shape naming the input and the fix")
  {
    auto m = parse_mailbox("  \"Lee, Sam\" <Sam@Bücher.Example> ", "--to");
    REQUIRE(m);
    CHECK(m->display_name == "Lee, Sam");
    CHECK(m->address == "sam@xn--bcher-kva.example");
    CHECK(parse_mailbox("José Pérez <jose@x.test>", "--to")->display_name == "José Pérez");

    auto bad = parse_mailbox("sam@localhost", "--to");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::data);
    CHECK(bad.error().message
          == "--to: \"sam@localhost\" is not a valid email address: the domain has no dot (a name "
             "like \"localhost\" is not a mail domain)");
    CHECK(bad.error().fix
          == "write one address like user@example.org or \"Name <user@example.org>\"");

    CHECK(parse_mailbox("Sam <sam@x.test", "--cc").error().message
          == "--cc: \"Sam <sam@x.test\" is not a valid email address: give exactly one address in "
             "one pair of <>");
    CHECK(parse_mailbox("<a@x.test> <b@x.test>", "--cc")
            .error()
            .message.starts_with("--cc: \"<a@x.test> <b@x.test>\" is not a valid email address"));
    CHECK(parse_mailbox("\"alice@clinic.test\" <mallory@evil.test>", "--to").error().message
          == "--to: \"\"alice@clinic.test\" <mallory@evil.test>\" is not a valid email address: the "
             "display name holds an @ (a reader could take it for the address)");
    CHECK(parse_mailbox("sam@x.test\r\nBcc: all@x.test", "--to").error().message
          == "--to: an address contains a line break or NUL byte (header injection)");
    CHECK(parse_mailbox("Jos\xe9 <j@x.test>", "--to").error().message
          == "--to: display name is not valid UTF-8");
    CHECK(parse_mailbox(std::string(300, 'n') + " <j@x.test>", "--to").error().message
          == "--to: display name longer than 256 bytes");
    // A control character is shown, never passed to the terminal.
    CHECK(parse_mailbox("sam\x1b[2J@x.test", "").error().message
          == "\"sam?[2J@x.test\" is not a valid email address: it contains a control character");
  }

  TEST_CASE("address::parse_mailbox: display names that redraw or fake an address are refused")
  {
    // A lookalike @ (U+FF20, U+FE6B), an escape sequence, a bidi override.
    for (const char* name : {"\"alice\xef\xbc\xa0"
                             "clinic.test\" <m@evil.example>",
                             "alice\xef\xb9\xab"
                             "clinic.test <m@evil.example>",
                             "a\x1b]0;x\x07b <m@evil.example>",
                             "\xe2\x80\xae"
                             "evil <a@b.example>",
                             "Ana\xc2\x9b"
                             "2J <a@b.example>"}) {
      auto r = parse_mailbox(name, "--to");
      const std::string seen = std::string(name) + " -> " + (r ? "accepted" : r.error().message);
      INFO(seen);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == peermail::Errc::data);
      CHECK(r.error().message.find("is not a valid email address: the display name holds")
            != std::string::npos);
    }
    CHECK(parse_mailbox("Zoë Ünal-Ağaoğlu <z@x.test>", "--to"));
  }

  TEST_CASE("address::check_address: no source routing in the part before @")
  {
    for (const char* a : {"a%b@relay.example", "host!user@relay.example"}) {
      auto r = check_address(a);
      REQUIRE_FALSE(r);
      CHECK(r.error().message.find("% or ! (old source routing") != std::string::npos);
    }
    CHECK(check_address("a+tag@relay.example"));
  }

  TEST_CASE("address::domain_of")
  {
    CHECK(domain_of("a@b.test") == "b.test");
    CHECK(domain_of("nobody") == "localhost");
  }
}
