// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/transport/probe.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace peermail::transport;
using peermail::policy::Finding;
using peermail::policy::Status;

namespace {

ProbeReport
good_report()
{
  ProbeReport r;
  r.host = "smtp.example";
  r.port = 587;
  r.mode = peermail::config::TlsMode::starttls;
  r.starttls_offered = true;
  r.starttls_code = 220;
  r.tls_ok = true;
  r.tls_version = "TLSv1.3";
  r.cipher = "TLS_AES_256_GCM_SHA384";
  r.cipher_bits = 256;
  r.group = "x25519";
  r.chain_valid = true;
  r.hostname_match = true;
  r.days_to_expiry = 80;
  r.key_type = "EC";
  r.key_bits = 256;
  r.signature_algorithm = "ecdsa-with-SHA256";
  r.tls1_0 = LegacyTls::refused;
  r.tls1_1 = LegacyTls::refused;
  r.auth_mechanisms = {"PLAIN", "LOGIN"};
  r.mail_without_auth_code = 530;
  r.login = LoginResult::ok;
  return r;
}

Status
status_of(const std::vector<Finding>& fs, const std::string& id)
{
  auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.id == id; });
  REQUIRE(it != fs.end());
  return it->status;
}

} // namespace

TEST_SUITE("peermail::transport::probe_findings")
{
  TEST_CASE("transport::probe_findings: a good server passes")
  {
    peermail::config::Config cfg;
    const auto fs = probe_findings(good_report(), cfg);
    for (const char* id : {"TLS-01",
                           "TLS-02",
                           "TLS-03",
                           "TLS-04",
                           "TLS-05",
                           "TLS-07",
                           "TLS-09",
                           "AUTH-01",
                           "AUTH-02"}) {
      CAPTURE(id);
      CHECK(status_of(fs, id) == Status::pass);
    }
    CHECK(status_of(fs, "TLS-10") == Status::warn);
    CHECK(status_of(fs, "AUTH-03") == Status::warn);
  }

  TEST_CASE("transport::probe_findings: each bad property fails or warns")
  {
    peermail::config::Config cfg;
    SUBCASE("no STARTTLS")
    {
      auto r = good_report();
      r.starttls_offered = false;
      r.tls_ok = false;
      r.tls_version.clear();
      r.tls_error = "the server does not offer STARTTLS";
      const auto fs = probe_findings(r, cfg);
      CHECK(status_of(fs, "TLS-01") == Status::fail);
      CHECK(status_of(fs, "TLS-09") == Status::fail);
      CHECK(status_of(fs, "TLS-04") == Status::fail);
    }
    SUBCASE("legacy TLS accepted")
    {
      auto r = good_report();
      r.tls1_1 = LegacyTls::accepted;
      CHECK(status_of(probe_findings(r, cfg), "TLS-02") == Status::warn);
    }
    SUBCASE("expired, wrong host, untrusted")
    {
      auto r = good_report();
      r.days_to_expiry = -3;
      r.hostname_match = false;
      r.chain_valid = false;
      r.chain_error = "certificate has expired";
      const auto fs = probe_findings(r, cfg);
      CHECK(status_of(fs, "TLS-07") == Status::fail);
      CHECK(status_of(fs, "TLS-05") == Status::fail);
      CHECK(status_of(fs, "TLS-04") == Status::fail);
    }
    SUBCASE("AUTH before TLS, login denied, weak cipher")
    {
      auto r = good_report();
      r.auth_before_tls = {"PLAIN"};
      r.login = LoginResult::denied;
      r.tls_version = "TLSv1.2";
      r.cipher = "TLS_RSA_WITH_3DES_EDE_CBC_SHA";
      r.cipher_bits = 112;
      const auto fs = probe_findings(r, cfg);
      CHECK(status_of(fs, "AUTH-02") == Status::warn);
      CHECK(status_of(fs, "AUTH-01") == Status::fail);
      CHECK(status_of(fs, "TLS-03") == Status::fail);
      CHECK(status_of(fs, "TLS-02") == Status::warn);
    }
  }
}
