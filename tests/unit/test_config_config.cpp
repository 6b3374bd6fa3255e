// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/config/config.hpp>

#include <doctest/doctest.h>

#include <string>

using peermail::Errc;
using namespace peermail::config;

namespace {

const char* const k_good = R"(# a compliant config
[identity]
from = "Dr. Ana Ruiz <Ana.Ruiz@Clinic.Example>"
user_id = "aruiz"
signing_key = "0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567"

[account.default]
host = "smtp.clinic.example"
port = 465
tls = "implicit"
min_tls = "1.2"
username = "aruiz"
password_command = "pass show smtp/clinic"

[[peer]]
address = "sam.lee@hospital.example"
fingerprint = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"

[audit]
path = "~/audit.jsonl"

[compliance]
baa = { provider = "Clinic Mail Inc.", reference = "BAA-2026-014", expires = 2027-06-30 }
)";

LoadOptions
opts()
{
  LoadOptions o;
  o.env["HOME"] = "/home/ana";
  return o;
}

std::string
with(const std::string& from, const std::string& to)
{
  std::string s = k_good;
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
  return s;
}

} // namespace

TEST_SUITE("peermail::config")
{
  TEST_CASE("config::parse: a compliant config")
  {
    auto c = parse(k_good, "c.toml", opts());
    REQUIRE(c);
    CHECK(c->identity.address == "ana.ruiz@clinic.example");
    CHECK(c->identity.display_name == "Dr. Ana Ruiz");
    CHECK(c->identity.signing_key == "0123456789ABCDEF0123456789ABCDEF01234567");
    CHECK(c->account().host == "smtp.clinic.example");
    CHECK(c->account().tls == TlsMode::implicit);
    CHECK(c->audit.path == "/home/ana/audit.jsonl");
    CHECK(c->references_secrets);
    CHECK(c->where("account.default.port") == "c.toml:9");
    REQUIRE(c->compliance.baa);
    CHECK(c->compliance.baa->expires->to_string() == "2027-06-30");
    CHECK(c->pinned_fingerprint("Sam.Lee@hospital.example").value()
          == "89ABCDEF0123456789ABCDEF0123456789ABCDEF");
  }

  TEST_CASE("config::parse: non-compliant settings are refused")
  {
    SUBCASE("min_tls 1.0")
    {
      auto c = parse(with("min_tls = \"1.2\"", "min_tls = \"1.0\""), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().code == Errc::insecure_config);
      CHECK(c.error().message
            == "c.toml:11:11: account.default.min_tls = \"1.0\" is not compliant: TLS versions "
               "below 1.2 must not be used");
      CHECK(c.error().check_id == "TLS-02");
      CHECK(c.error().fix == "set min_tls = \"1.2\" or \"1.3\"");
    }
    SUBCASE("tls none")
    {
      auto c = parse(with("tls = \"implicit\"", "tls = \"none\""), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().code == Errc::insecure_config);
      CHECK(c.error().check_id == "TLS-01");
    }
    SUBCASE("port 25")
    {
      auto c = parse(with("port = 465", "port = 25"), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().message
            == "c.toml:9:8: account.default.port = 25 is not compliant: port 25 is for relay "
               "between servers, not for submission");
    }
    SUBCASE("literal password never echoed")
    {
      auto c = parse(with("password_command = \"pass show smtp/clinic\"", "password = \"hunter2\""),
                     "c.toml",
                     opts());
      REQUIRE(!c);
      CHECK(c.error().check_id == "AUTH-04");
      CHECK(c.error().message.find("hunter2") == std::string::npos);
    }
    SUBCASE("verification off")
    {
      auto c =
        parse(with("min_tls = \"1.2\"", "min_tls = \"1.2\"\ninsecure = true"), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().check_id == "TLS-04");
    }
  }

  TEST_CASE("config::parse: report mode keeps every violation")
  {
    auto o = opts();
    o.strictness = Strictness::report;
    auto c = parse(with("port = 465", "port = 25\nverify_host = false"), "c.toml", o);
    REQUIRE(c);
    REQUIRE(c->violations.size() == 2);
    CHECK(c->violations[0].check_id == "TLS-01");
    CHECK(c->violations[1].check_id == "TLS-05");
  }

  TEST_CASE("config::parse: errors name file, line, column and key")
  {
    SUBCASE("unknown key with suggestion")
    {
      auto c = parse(with("username", "usernme"), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().code == Errc::config);
      CHECK(c.error().message
            == "c.toml:12:1: account.default.usernme: unknown key (did you mean \"username\"?)");
    }
    SUBCASE("wrong type")
    {
      auto c = parse(with("port = 465", "port = \"465\""), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().message == "c.toml:9:8: account.default.port: expected an integer");
    }
    SUBCASE("syntax error")
    {
      auto c = parse("[identity\n", "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().code == Errc::config);
      CHECK(c.error().message.rfind("c.toml:1:", 0) == 0);
    }
    SUBCASE("short key id")
    {
      auto c = parse(
        with("0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567", "89ABCDEF"), "c.toml", opts());
      REQUIRE(!c);
      CHECK(c.error().message
            == "c.toml:5:15: identity.signing_key: must be a full fingerprint (40 or 64 hex "
               "digits), not a key ID");
    }
  }

  TEST_CASE("config::parse: [smime] anchors and revocation")
  {
    auto none = parse(k_good, "c.toml", opts());
    REQUIRE(none);
    CHECK(none->smime.anchors.empty());
    CHECK_FALSE(none->smime.revocation_offline); // revocation is checked by default

    auto c = parse(std::string(k_good) + "\n[smime]\nanchors = \"~/direct.pem\"\nrevocation = "
                                         "\"offline\"\n",
                   "c.toml",
                   opts());
    REQUIRE(c);
    CHECK(c->smime.anchors == "/home/ana/direct.pem");
    CHECK(c->smime.revocation_offline);

    auto bad = parse(std::string(k_good) + "\n[smime]\nrevocation = \"never\"\n", "c.toml", opts());
    REQUIRE(!bad);
    CHECK(bad.error().code == Errc::config);
    CHECK(bad.error().message.find("smime.revocation: must be \"check\" or \"offline\"")
          != std::string::npos);
    auto unknown = parse(std::string(k_good) + "\n[smime]\nanchor = \"x.pem\"\n", "c.toml", opts());
    REQUIRE(!unknown);
    CHECK(unknown.error().message.find("did you mean \"anchors\"") != std::string::npos);
  }

  TEST_CASE("config::parse: an unquoted string is named in the user's words, file and line")
  {
    auto c = parse(with("tls = \"implicit\"", "tls = implicit"), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().code == Errc::config);
    CHECK(c.error().message == "c.toml:10: strings must be quoted: tls = \"implicit\"");
    // Whatever letter the word starts with (toml++ guesses inf, nan, true…).
    c = parse(with("tls = \"implicit\"", "tls = starttls  # submission"), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().message == "c.toml:10: strings must be quoted: tls = \"starttls\"");
    c =
      parse(with("host = \"smtp.clinic.example\"", "host = smtp.clinic.example"), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().message == "c.toml:8: strings must be quoted: host = \"smtp.clinic.example\"");
    // A secret is never echoed.
    c = parse(with("username = \"aruiz\"", "password = hunter2"), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().message == "c.toml:12: strings must be quoted: password = \"…\"");
    CHECK(c.error().message.find("hunter2") == std::string::npos);
    // A number where a string belongs: quoted for the user.
    c = parse(with("min_tls = \"1.2\"", "min_tls = 1.2"), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().message
          == "c.toml:11:11: account.default.min_tls: expected a string: write min_tls = \"1.2\"");
    // Booleans are lower case.
    c = parse(with("[audit]", "[policy]\nencrypt_to_self = True\n[audit]"), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().message == "c.toml:20: true and false are written in lower case: "
                               "encrypt_to_self = true");
  }

  TEST_CASE("config::parse: enum values are case-insensitive; an unknown one gets did-you-mean")
  {
    auto c = parse(with("tls = \"implicit\"", "tls = \"STARTTLS\""), "c.toml", opts());
    REQUIRE(c);
    CHECK(c->account().tls == TlsMode::starttls);
    c = parse(with("tls = \"implicit\"", "tls = \"Implicit\""), "c.toml", opts());
    REQUIRE(c);
    CHECK(c->account().tls == TlsMode::implicit);
    c = parse(with("tls = \"implicit\"", "tls = \"startls\""), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().code == Errc::config);
    CHECK(c.error().message
          == "c.toml:10:7: account.default.tls: \"startls\" is not one of \"implicit\", "
             "\"starttls\" (did you mean \"starttls\"?)");
    // A weakening value is still refused as not compliant (TLS-01), not guessed at.
    c = parse(with("tls = \"implicit\"", "tls = \"none\""), "c.toml", opts());
    REQUIRE(!c);
    CHECK(c.error().code == Errc::insecure_config);
    CHECK(c.error().check_id == "TLS-01");
  }

  TEST_CASE("config::parse: environment overrides the file")
  {
    auto o = opts();
    o.env["PEERMAIL_HOST"] = "other.example";
    o.env["PEERMAIL_PORT"] = "587";
    auto c = parse(k_good, "c.toml", o);
    REQUIRE(c);
    CHECK(c->account().host == "other.example");
    CHECK(c->account().port == 587);
    CHECK(c->where("account.default.host") == "$PEERMAIL_HOST");
  }

  TEST_CASE("config::parse: $PEERMAIL_HOST is validated like the file's host (TLS-05)")
  {
    for (const char* bad : {"evil.example:25",
                            "user@host.example",
                            "smtps://h.example",
                            "a b",
                            "h.example\r\nX: y"}) {
      CAPTURE(bad);
      auto o = opts();
      o.env["PEERMAIL_HOST"] = bad;
      auto c = parse(k_good, "c.toml", o);
      REQUIRE_FALSE(c);
      CHECK(c.error().code == Errc::config);
      CHECK(c.error().check_id == "TLS-05");
      CHECK(c.error().message.find("$PEERMAIL_HOST: account.default.host: must be a plain host "
                                   "name")
            == 0);
      CHECK(!c.error().fix.empty());
    }
    auto c =
      parse(with("host = \"smtp.clinic.example\"", "host = \"h.example:25\""), "c.toml", opts());
    REQUIRE_FALSE(c);
    CHECK(c.error().check_id == "TLS-05");
    CHECK(c.error().message.find("account.default.host: must be a plain host name")
          != std::string::npos);
  }

  TEST_CASE("config::parse: identity.from and peer addresses follow the one address rule")
  {
    auto local = parse(with("Ana.Ruiz@Clinic.Example", "ana@localhost"), "c.toml", opts());
    REQUIRE_FALSE(local);
    CHECK(local.error().code == Errc::config);
    CHECK(local.error().message
          == "c.toml:3:8: identity.from: \"Dr. Ana Ruiz <ana@localhost>\" is not a valid email "
             "address: the domain has no dot (a name like \"localhost\" is not a mail domain)");
    CHECK(local.error().fix
          == "write one address like user@example.org or \"Name <user@example.org>\"");

    auto quoted = parse(with("Ana.Ruiz@Clinic", "\\\"ana ruiz\\\"@Clinic"), "c.toml", opts());
    REQUIRE_FALSE(quoted);
    CHECK(
      quoted.error().message.find("identity.from: \"Dr. Ana Ruiz <\"ana ruiz\"@Clinic.Example>\" "
                                  "is not a valid email address: the part before @")
      != std::string::npos);

    auto idn = parse(with("Ana.Ruiz@Clinic.Example", "ana@Bücher.Example"), "c.toml", opts());
    REQUIRE(idn);
    CHECK(idn->identity.address == "ana@xn--bcher-kva.example");
    CHECK(idn->identity.display_name == "Dr. Ana Ruiz");

    auto peer = parse(with("sam.lee@hospital.example", "sam@hospital"), "c.toml", opts());
    REQUIRE_FALSE(peer);
    CHECK(peer.error().message
          == "c.toml:16:11: peer[0].address: \"sam@hospital\" is not a valid email address: the "
             "domain has no dot (a name like \"localhost\" is not a mail domain)");
  }
}

TEST_SUITE("peermail::config::smime_peers")
{
  TEST_CASE("config::parse: a peer's protocol defaults to openpgp; smime is a separate pin")
  {
    auto c = parse(k_good, "c.toml", opts());
    REQUIRE(c);
    REQUIRE(c->peers.size() == 1);
    CHECK(c->peers[0].protocol == PeerProtocol::openpgp);
    CHECK(c->pinned_fingerprint("sam.lee@hospital.example").value_or("")
          == "89ABCDEF0123456789ABCDEF0123456789ABCDEF");

    c = parse(
      with("fingerprint = \"89AB", "protocol = \"SMIME\"\nfingerprint = \"89AB"), "c.toml", opts());
    REQUIRE(c);
    CHECK(c->peers[0].protocol == PeerProtocol::smime);
    CHECK(to_string(c->peers[0].protocol) == "smime");
    // An S/MIME certificate pin is not an OpenPGP key pin.
    CHECK_FALSE(c->pinned_fingerprint("sam.lee@hospital.example").has_value());
    REQUIRE(c->peer("Sam.Lee@hospital.example") != nullptr);
    CHECK(c->peer("sam.lee@hospital.example")->fingerprint
          == "89ABCDEF0123456789ABCDEF0123456789ABCDEF");
    CHECK(c->peer("nobody@hospital.example") == nullptr);
  }

  TEST_CASE("config::parse: an unknown peer protocol is refused with did-you-mean")
  {
    auto c = parse(with("fingerprint = \"89AB", "protocol = \"s/mime\"\nfingerprint = \"89AB"),
                   "c.toml",
                   opts());
    REQUIRE_FALSE(c);
    CHECK(c.error().code == Errc::config);
    CHECK(c.error().message
          == "c.toml:17:12: peer[0].protocol: \"s/mime\" is not one of \"openpgp\", \"smime\" "
             "(did you mean \"smime\"?)");
    c = parse(
      with("fingerprint = \"89AB", "protocol = \"x400\"\nfingerprint = \"89AB"), "c.toml", opts());
    REQUIRE_FALSE(c);
    CHECK(c.error().message == "c.toml:17:12: peer[0].protocol: must be \"openpgp\" or \"smime\"");
  }

  TEST_CASE("config::parse: identity.smime_cert is a full certificate fingerprint")
  {
    auto c = parse(with("user_id = \"aruiz\"",
                        "user_id = \"aruiz\"\nsmime_cert = \"aa bb cc dd ee ff 00 11 22 33 44 55 "
                        "66 77 88 99 aa bb cc dd\""),
                   "c.toml",
                   opts());
    REQUIRE(c);
    CHECK(c->identity.smime_cert == "AABBCCDDEEFF00112233445566778899AABBCCDD");
    c = parse(with("user_id = \"aruiz\"", "user_id = \"aruiz\"\nsmime_cert = \"AABBCCDD\""),
              "c.toml",
              opts());
    REQUIRE_FALSE(c);
    CHECK(c.error().message
          == "c.toml:5:14: identity.smime_cert: must be the certificate's full fingerprint (40 "
             "or 64 hex digits)");
  }
}

TEST_SUITE("peermail::config::Date")
{
  TEST_CASE("config::Date: days since 1970-01-01 and the ISO form")
  {
    CHECK(Date{1970, 1, 1}.days_since_epoch() == 0);
    CHECK(Date{1969, 12, 31}.days_since_epoch() == -1);
    CHECK(Date{2000, 3, 1}.days_since_epoch() == 11017);
    CHECK(Date{2024, 2, 29}.days_since_epoch() == 19782);
    CHECK(Date{2027, 6, 30}.days_since_epoch() == 20999);
    CHECK(Date{2027, 6, 30}.to_string() == "2027-06-30");
    CHECK(Date{999, 1, 2}.to_string() == "0999-01-02");
  }
}

TEST_SUITE("peermail::config::helo")
{
  TEST_CASE("config::is_helo_name: host names and address literals only")
  {
    for (const char* good :
         {"mta.clinic.example", "vm", "a-1.b2.example", "[192.0.2.1]", "[IPv6:2001:db8::1]"}) {
      CHECK_MESSAGE(is_helo_name(good), good);
    }
    for (const char* bad : {"",
                            "bad name",
                            "a.example\r\nMAIL FROM:<x@y>",
                            "a..example",
                            "-a.example",
                            "a-.example",
                            "a.example.",
                            "[192.0.2.999]",
                            "[2001:db8::1]",
                            "a_b.example",
                            "smtp.example/x"}) {
      CHECK_MESSAGE(!is_helo_name(bad), bad);
    }
    CHECK(!is_helo_name(std::string(64, 'a') + ".example"));
    CHECK(is_helo_name(std::string(63, 'a') + ".example"));
  }

  TEST_CASE("config::parse: account.helo is validated, named and never echoed")
  {
    auto c =
      parse(with("username = \"aruiz\"", "username = \"aruiz\"\nhelo = \"mta.clinic.example\""),
            "c.toml",
            opts());
    REQUIRE(c);
    CHECK(c->account().helo == "mta.clinic.example");
    auto bad = parse(with("username = \"aruiz\"", "username = \"aruiz\"\nhelo = \"a b\\r\\nRSET\""),
                     "c.toml",
                     opts());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::config);
    CHECK(bad.error().message.find("account.default.helo: must be this host's fully qualified")
          != std::string::npos);
    CHECK(bad.error().message.find("RSET") == std::string::npos);
  }
}
