// SPDX-License-Identifier: GPL-3.0-or-later
// `keys pin` writing [[peer]] entries of either protocol (config/peer_pin).
#include <peermail/config/peer_pin.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using peermail::Errc;
using namespace peermail::config;

namespace {

const char* const k_config = R"([identity]
from = "Dr. Ana Ruiz <ana.ruiz@clinic.example>"
user_id = "aruiz"
signing_key = "0123456789ABCDEF0123456789ABCDEF01234567"

[account.default]
host = "smtp.clinic.example"
port = 465
tls = "implicit"
min_tls = "1.2"
username = "aruiz"
password_command = "pass show smtp/clinic"

[audit]
path = "~/audit.jsonl"

[compliance]
baa = { provider = "Clinic Mail Inc.", reference = "BAA-2026-014", expires = 2027-06-30 }
)";

const std::string k_cert = "3B80F09F95D9EBB949D297361BA6D2B8CAC67790";
const std::string k_key = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";

// A private directory with the config file, mode 0600.
std::string
config_file()
{
  char dir[] = "/tmp/pmpin.XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/c.toml";
  std::ofstream(path) << k_config;
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  return path;
}

LoadOptions
opts()
{
  LoadOptions o;
  o.env["HOME"] = "/home/ana";
  return o;
}

std::string
text_of(const std::string& path)
{
  auto r = peermail::util::read_file(path, 1 << 20);
  REQUIRE(r.has_value());
  return *r;
}

} // namespace

TEST_SUITE("peermail::config::peer_pin")
{
  TEST_CASE("pin_peer: an S/MIME pin is written with its protocol and is no OpenPGP pin")
  {
    const auto path = config_file();
    auto r =
      pin_peer(path, "kim@lab.example", k_cert, ExistingPin::refuse, opts(), PeerProtocol::smime);
    REQUIRE(r.has_value());
    CHECK(r->changed);
    CHECK(text_of(path).find("address = \"kim@lab.example\"\nfingerprint = \"" + k_cert
                             + "\"\nprotocol = \"smime\"\n")
          != std::string::npos);
    auto cfg = parse(text_of(path), path, opts());
    REQUIRE(cfg.has_value());
    REQUIRE(cfg->peer("kim@lab.example") != nullptr);
    CHECK(cfg->peer("kim@lab.example")->protocol == PeerProtocol::smime);
    CHECK_FALSE(cfg->pinned_fingerprint("kim@lab.example").has_value());

    // The same pin again changes nothing.
    r = pin_peer(path, "kim@lab.example", k_cert, ExistingPin::refuse, opts(), PeerProtocol::smime);
    REQUIRE(r.has_value());
    CHECK_FALSE(r->changed);

    // The same digits as an OpenPGP pin are another pin.
    r = pin_peer(path, "kim@lab.example", k_cert, ExistingPin::refuse, opts());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message
          == "kim@lab.example is already pinned to " + k_cert + " (an S/MIME certificate) in "
               + path);

    // Replaced by an OpenPGP pin: the protocol line goes with the entry.
    r = pin_peer(path, "kim@lab.example", k_key, ExistingPin::replace, opts());
    REQUIRE(r.has_value());
    CHECK(r->previous == k_cert);
    CHECK(r->previous_protocol == PeerProtocol::smime);
    CHECK(text_of(path).find("protocol") == std::string::npos);
    cfg = parse(text_of(path), path, opts());
    REQUIRE(cfg.has_value());
    CHECK(cfg->pinned_fingerprint("kim@lab.example").value() == k_key);
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  }
}
