// SPDX-License-Identifier: GPL-3.0-or-later
// config::check_starter / render_starter: the rules and text of `peermail init`.
#include <peermail/config/config.hpp>
#include <peermail/config/starter.hpp>

#include <doctest/doctest.h>

using peermail::Errc;
using namespace peermail::config;

namespace {

Starter
complete()
{
  Starter s;
  s.from = "Dr. Ana Ruiz <ana.ruiz@clinic.example>";
  s.signing_key = "0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567";
  s.host = "smtp.clinic.example";
  s.username = "aruiz";
  s.password_command = "pass show smtp";
  return s;
}

} // namespace

TEST_SUITE("peermail::config::starter")
{
  TEST_CASE("config::check_starter: default ports and refusals")
  {
    Starter s = complete();
    REQUIRE(check_starter(s));
    CHECK(s.port == 465);
    s = complete();
    s.tls = "starttls";
    REQUIRE(check_starter(s));
    CHECK(s.port == 587);

    s = complete();
    s.tls = "none";
    auto r = check_starter(s);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::insecure_config);
    CHECK(r.error().message
          == "--tls none is not compliant: only \"implicit\" and \"starttls\" exist");
    CHECK(r.error().check_id == "TLS-01");

    s = complete();
    s.port = 25;
    r = check_starter(s);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::insecure_config);
    CHECK(r.error().message
          == "--port 25 is not compliant: port 25 is for relaying, not submission");

    s = complete();
    s.password_env = "SMTP_PASSWORD";
    r = check_starter(s);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message == "--password-command and --password-env exclude each other");
  }

  TEST_CASE("config::render_starter: the text loads with the same parser")
  {
    Starter s = complete();
    REQUIRE(check_starter(s));
    const auto text = render_starter(s);
    LoadOptions lo;
    lo.env = {
      {"HOME", "/home/ana"}
    };
    auto cfg = parse(text, "/home/ana/.config/peermail/config.toml", lo);
    REQUIRE(cfg);
    CHECK(cfg->identity.display_name == "Dr. Ana Ruiz");
    CHECK(cfg->identity.signing_key == "0123456789ABCDEF0123456789ABCDEF01234567");
    CHECK(cfg->account().host == "smtp.clinic.example");
    CHECK(cfg->account().port == 465);
    CHECK(cfg->account().password_command == "pass show smtp");
    CHECK(cfg->audit.path == "/home/ana/.local/state/peermail/audit.jsonl");
  }
}
