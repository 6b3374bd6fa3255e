// SPDX-License-Identifier: GPL-3.0-or-later
// foreign::migrate_msmtp_account: what `peermail init --from-msmtprc` makes
// of an msmtp account.
#include <peermail/foreign/msmtp_migration.hpp>

#include <doctest/doctest.h>

using namespace peermail;

namespace {

foreign::MsmtpMigration
migrate(const std::string& text, const std::string& account = "")
{
  const auto file = foreign::parse_msmtprc(text);
  const auto* a = file.select(account);
  REQUIRE(a != nullptr);
  auto m = foreign::migrate_msmtp_account(*a, "rc");
  REQUIRE(m);
  return *m;
}

} // namespace

TEST_CASE("msmtp migration: TLS modes and ports as msmtp means them")
{
  auto starttls = migrate("account a\nhost h\ntls on\n");
  CHECK(starttls.tls == "starttls");
  CHECK(starttls.port == 587);
  CHECK(starttls.changes.empty());
  auto implicit = migrate("account a\nhost h\ntls on\ntls_starttls off\n");
  CHECK(implicit.tls == "implicit");
  CHECK(implicit.port == 465);
  auto own_port = migrate("account a\nhost h\ntls on\nport 2525\n");
  CHECK(own_port.port == 2525);
  CHECK(own_port.changes.empty());
}

TEST_CASE("msmtp migration: plain text and port 25 become TLS on a submission port, said")
{
  auto m = migrate("account a\nhost h\nport 465\n");
  CHECK(m.tls == "implicit");
  CHECK(m.port == 465);
  REQUIRE(m.changes.size() == 1);
  CHECK(m.changes[0] == "rc:1: tls off: peermail sends over TLS only; using implicit TLS on port "
                       "465 [TLS-01]");
  auto relay = migrate("account a\nhost h\ntls on\nport 25\n");
  CHECK(relay.tls == "starttls");
  CHECK(relay.port == 587);
  REQUIRE(relay.changes.size() == 1);
  CHECK(relay.changes[0] == "rc:4: port 25 is for relaying, not submission; using 587 [TLS-01]");
}

TEST_CASE("msmtp migration: secrets and trust")
{
  auto m = migrate(
    "account a\nhost h\ntls on\nuser u\npassword s3cret\ntls_trust_file "
    "/etc/ca.pem\ntls_certcheck off\n");
  CHECK(m.username == "u");
  CHECK(m.password_command.empty());
  CHECK(m.ca_file == "/etc/ca.pem");
  REQUIRE(m.changes.size() == 2);
  CHECK(m.changes[0].find("rc:5: a password written in the file is not carried over") == 0);
  CHECK(m.changes[1].find("rc:7: certificate checks off") == 0);
  for (const auto& c : m.changes) {
    CHECK(c.find("s3cret") == std::string::npos);
  }
  auto eval = migrate("account a\nhost h\ntls on\npasswordeval pass show x\npassword old\n");
  CHECK(eval.password_command == "pass show x");
  CHECK(eval.changes.empty());
  auto system = migrate("account a\nhost h\ntls on\ntls_trust_file system\n");
  CHECK(system.ca_file.empty());
}

TEST_CASE("msmtp migration: an account without host is a config error naming it")
{
  const auto file = foreign::parse_msmtprc("account a\nport 465\n");
  auto m = foreign::migrate_msmtp_account(*file.select("a"), "rc");
  REQUIRE_FALSE(m);
  CHECK(m.error().code == Errc::config);
  CHECK(m.error().message == "rc:1: account a has no host");
}
