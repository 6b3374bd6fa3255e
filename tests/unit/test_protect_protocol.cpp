// SPDX-License-Identifier: GPL-3.0-or-later
// `encrypt` writes one protocol: S/MIME when every recipient's [[peer]]
// entry says protocol = "smime", OpenPGP when none does, refused (64) when
// they are mixed, naming both groups.
#include <peermail/protect/message.hpp>

#include <doctest/doctest.h>

using namespace peermail;

namespace {

config::Config
with_peers()
{
  config::Config cfg;
  config::Peer kim;
  kim.address = "kim@lab.test";
  kim.fingerprint = "BBBB00000000000000000000000000000000CE57";
  kim.protocol = config::PeerProtocol::smime;
  config::Peer sam;
  sam.address = "sam@hospital.test";
  sam.fingerprint = "CCCC00000000000000000000000000000000CE57";
  cfg.peers = {kim, sam};
  return cfg;
}

} // namespace

TEST_CASE("recipients_protocol: S/MIME only when every recipient is an S/MIME peer")
{
  const auto cfg = with_peers();
  auto smime = protect::recipients_protocol(cfg, {"kim@lab.test"});
  REQUIRE(smime);
  CHECK(*smime == protect::Protocol::smime);
  auto pgp = protect::recipients_protocol(cfg, {"sam@hospital.test", "nobody@else.test"});
  REQUIRE(pgp);
  CHECK(*pgp == protect::Protocol::openpgp);
  auto none = protect::recipients_protocol(cfg, {});
  REQUIRE(none);
  CHECK(*none == protect::Protocol::openpgp);
}

TEST_CASE("recipients_protocol: mixed protocols are refused, naming both groups")
{
  const auto cfg = with_peers();
  auto mixed = protect::recipients_protocol(cfg, {"sam@hospital.test", "kim@lab.test"});
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().code == Errc::usage);
  CHECK(mixed.error().message.find("kim@lab.test S/MIME, sam@hospital.test OpenPGP")
        != std::string::npos);
  CHECK(mixed.error().fix.find("peermail send") != std::string::npos);
}
