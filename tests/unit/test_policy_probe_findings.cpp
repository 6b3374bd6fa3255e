// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/policy/probe_findings.hpp>
#include <peermail/transport/probe.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace peermail::transport;
using peermail::policy::Finding;
using peermail::policy::probe_findings;
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
  r.ocsp = {OcspStatus::good, "good", "2030-01-02 03:04:05 UTC"};
  r.sni_sent = true;
  r.cert_ocsp_uri = true;
  r.tls_library = "OpenSSL 3.0.19 27 Jan 2026";
  return r;
}

// A copy: callers pass temporaries.
Finding
finding(const std::vector<Finding>& fs, const std::string& id)
{
  auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.id == id; });
  REQUIRE(it != fs.end());
  return *it;
}

Status
status_of(const std::vector<Finding>& fs, const std::string& id)
{
  auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.id == id; });
  REQUIRE(it != fs.end());
  return it->status;
}

} // namespace

TEST_SUITE("peermail::policy::probe_findings")
{
  TEST_CASE("policy::probe_findings: a good server passes")
  {
    peermail::config::Config cfg;
    const auto fs = probe_findings(good_report(), cfg);
    for (const char* id : {"TLS-01",
                           "TLS-02",
                           "TLS-03",
                           "TLS-04",
                           "TLS-05",
                           "TLS-06",
                           "TLS-07",
                           "TLS-08",
                           "TLS-09",
                           "AUTH-01",
                           "AUTH-02"}) {
      CAPTURE(id);
      CHECK(status_of(fs, id) == Status::pass);
    }
    CHECK(status_of(fs, "TLS-10") == Status::warn);
    CHECK(status_of(fs, "AUTH-03") == Status::warn);
  }

  TEST_CASE("policy::probe_findings: each bad property fails or warns")
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
    SUBCASE("a valid chain whose key does not match pin_sha256 fails TLS-04")
    {
      auto r = good_report();
      r.pin_configured = true;
      r.pin_match = false;
      r.spki_sha256 = "bm90IHRoZSBwaW5uZWQga2V5IGF0IGFsbCwgbm8gbm8gbm8=";
      const auto fs = probe_findings(r, cfg);
      CHECK(status_of(fs, "TLS-04") == Status::fail);
      CHECK(status_of(fs, "TLS-05") == Status::pass);
      r.pin_match = true;
      CHECK(status_of(probe_findings(r, cfg), "TLS-04") == Status::pass);
    }
    SUBCASE("TLS 1.2 negotiated with min_tls = 1.3 fails TLS-02")
    {
      auto r = good_report();
      r.tls_version = "TLSv1.2";
      r.cipher = "ECDHE-ECDSA-AES256-GCM-SHA384";
      r.min_tls = 13;
      CHECK(status_of(probe_findings(r, cfg), "TLS-02") == Status::fail);
      r.min_tls = 12;
      CHECK(status_of(probe_findings(r, cfg), "TLS-02") == Status::warn);
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

  TEST_CASE("policy::probe_findings: TLS-06 from the stapled OCSP response")
  {
    peermail::config::Config cfg;
    auto r = good_report();
    SUBCASE("good")
    {
      const auto& f = finding(probe_findings(r, cfg), "TLS-06");
      CHECK(f.status == Status::pass);
      CHECK(f.evidence
            == "smtp.example:587: stapled OCSP: good (valid until 2030-01-02 03:04:05 UTC)");
      CHECK(f.fix.empty());
    }
    SUBCASE("nothing stapled: warn")
    {
      r.ocsp = {OcspStatus::none, "no stapled OCSP response", ""};
      const auto& f = finding(probe_findings(r, cfg), "TLS-06");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence
            == "smtp.example:587: no stapled OCSP response: revocation status unknown (the "
               "certificate names an OCSP URI; not fetched)");
      CHECK(f.fix == "ask the provider to enable OCSP stapling");
    }
    SUBCASE("unknown: warn")
    {
      r.ocsp = {OcspStatus::unknown, "the responder does not know the certificate", ""};
      const auto& f = finding(probe_findings(r, cfg), "TLS-06");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence
            == "smtp.example:587: stapled OCSP: the responder does not know the certificate: "
               "revocation status unknown");
    }
    SUBCASE("revoked: fail")
    {
      r.ocsp = {OcspStatus::revoked, "revoked at 2025-01-01 00:00:00 UTC (keyCompromise)", ""};
      const auto& f = finding(probe_findings(r, cfg), "TLS-06");
      CHECK(f.status == Status::fail);
      CHECK(f.evidence
            == "smtp.example:587: stapled OCSP: the server certificate is revoked at 2025-01-01 "
               "00:00:00 UTC (keyCompromise)");
      CHECK_FALSE(f.fix.empty());
    }
    SUBCASE("invalid: fail")
    {
      r.ocsp = {OcspStatus::invalid, "the response is not for the server certificate", ""};
      const auto& f = finding(probe_findings(r, cfg), "TLS-06");
      CHECK(f.status == Status::fail);
      CHECK(f.evidence
            == "smtp.example:587: stapled OCSP response rejected: the response is not for the "
               "server certificate");
    }
    SUBCASE("no TLS session: fail")
    {
      r.tls_ok = false;
      r.tls_version.clear();
      const auto fs = probe_findings(r, cfg);
      CHECK(finding(fs, "TLS-06").status == Status::fail);
      CHECK(std::none_of(fs.begin(), fs.end(), [](const Finding& f) { return f.id == "TLS-08"; }));
    }
  }

  TEST_CASE("policy::probe_findings: TLS-08 judges the server's handshake")
  {
    peermail::config::Config cfg;
    auto r = good_report();
    SUBCASE("TLS 1.3")
    {
      const auto& f = finding(probe_findings(r, cfg), "TLS-08");
      CHECK(f.status == Status::pass);
      CHECK(f.evidence
            == "smtp.example:587: TLSv1.3 (renegotiation and EMS not applicable), no compression, "
               "SNI sent; OpenSSL 3.0.19 27 Jan 2026: 0-RTT off");
    }
    r.tls_version = "TLSv1.2";
    r.cipher = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    SUBCASE("TLS 1.2 with RFC 5746 and EMS")
    {
      r.secure_renegotiation = true;
      r.extended_master_secret = true;
      const auto& f = finding(probe_findings(r, cfg), "TLS-08");
      CHECK(f.status == Status::pass);
      CHECK(f.evidence
            == "smtp.example:587: TLSv1.2, secure renegotiation, Extended Master Secret, no "
               "compression, SNI sent; OpenSSL 3.0.19 27 Jan 2026: 0-RTT off");
    }
    SUBCASE("TLS 1.2 without EMS, with compression")
    {
      r.secure_renegotiation = true;
      r.compression = true;
      const auto& f = finding(probe_findings(r, cfg), "TLS-08");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence
            == "smtp.example:587: TLSv1.2, secure renegotiation, no Extended Master Secret, "
               "compression on, SNI sent; OpenSSL 3.0.19 27 Jan 2026: 0-RTT off; missing: "
               "Extended Master Secret (RFC 7627), compression off (CRIME)");
      CHECK(f.fix
            == "ask the provider to enable secure renegotiation and Extended Master Secret and "
               "to disable TLS compression");
    }
    SUBCASE("TLS 1.2 without secure renegotiation")
    {
      r.extended_master_secret = true;
      const auto& f = finding(probe_findings(r, cfg), "TLS-08");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence.find("; missing: secure renegotiation (RFC 5746)") != std::string::npos);
    }
    SUBCASE("an IP address needs no SNI; a name does")
    {
      r.secure_renegotiation = true;
      r.extended_master_secret = true;
      r.sni_sent = false;
      CHECK(finding(probe_findings(r, cfg), "TLS-08").status == Status::warn);
      r.host = "127.0.0.1";
      CHECK(finding(probe_findings(r, cfg), "TLS-08").status == Status::pass);
    }
    SUBCASE("an old TLS library warns")
    {
      r.secure_renegotiation = true;
      r.extended_master_secret = true;
      r.tls_library = "OpenSSL 1.1.1w  11 Sep 2023";
      const auto& f = finding(probe_findings(r, cfg), "TLS-08");
      CHECK(f.status == Status::warn);
      CHECK(f.fix == "use OpenSSL 3.x (Debian 12: libssl3)");
    }
  }

  TEST_CASE("policy::probe_findings: TLS-06 names missing revocation information")
  {
    peermail::config::Config cfg;
    auto r = good_report();
    r.ocsp = {OcspStatus::none, "no stapled OCSP response", ""};
    r.cert_ocsp_uri = false;
    r.cert_crl_distribution_point = false;
    const auto& f = finding(probe_findings(r, cfg), "TLS-06");
    CHECK(f.status == Status::warn);
    CHECK(f.evidence.rfind("smtp.example:587: Neither CRL nor OCSP URI provided (NOT ok)", 0) == 0);
    CHECK(f.fix.find("CRL distribution point or OCSP URI") != std::string::npos);
    r.cert_crl_distribution_point = true;
    const auto& g = finding(probe_findings(r, cfg), "TLS-06");
    CHECK(g.evidence
          == "smtp.example:587: no stapled OCSP response: revocation status unknown (the "
             "certificate names a CRL distribution point; not fetched)");
    // A good staple is enough, whatever the certificate names.
    r.cert_crl_distribution_point = false;
    r.ocsp = {OcspStatus::good, "good", ""};
    CHECK(finding(probe_findings(r, cfg), "TLS-06").status == Status::pass);
  }

  TEST_CASE("policy::probe_findings: TLS-03 judges every offered suite")
  {
    peermail::config::Config cfg;
    auto r = good_report();
    r.offer.measured = true;
    r.offer.versions[2] = VersionOffer::offered;
    r.offer.versions[3] = VersionOffer::offered;
    const auto suite = [](int version,
                          std::string openssl_name,
                          std::string kx,
                          std::string cipher,
                          std::string mac,
                          int bits) {
      OfferedSuite s;
      s.version = version;
      s.openssl_name = openssl_name;
      s.name = openssl_name;
      s.kx = std::move(kx);
      s.cipher = std::move(cipher);
      s.mac = std::move(mac);
      s.aead = s.mac == "AEAD";
      s.null_cipher = s.cipher == "NULL";
      s.bits = bits;
      return s;
    };
    r.offer.suites = {
      suite(13, "TLS_AES_256_GCM_SHA384", "any", "AES-256-GCM", "AEAD", 256),
      suite(12, "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE", "AES-256-GCM", "AEAD", 256)};
    SUBCASE("forward-secret AEAD only: pass")
    {
      const auto& f = finding(probe_findings(r, cfg), "TLS-03");
      CHECK(f.status == Status::pass);
      CHECK(f.evidence
            == "smtp.example:587: negotiated TLS_AES_256_GCM_SHA384 (256 bits), group x25519; 2 "
               "suites offered (1 in TLS 1.3, 1 in TLS 1.2); only forward-secret AEAD suites "
               "offered (OK); offered in TLS 1.3: TLS_AES_256_GCM_SHA384; offered in TLS 1.2: "
               "ECDHE-RSA-AES256-GCM-SHA384");
    }
    SUBCASE("every suite is listed, by version, for comparison with testssl.sh -e")
    {
      // More than the six a category shows, and in the order found.
      for (const char* n : {"ECDHE-RSA-AES128-GCM-SHA256",
                            "ECDHE-RSA-AES256-SHA384",
                            "ECDHE-RSA-AES128-SHA256",
                            "ECDHE-RSA-AES256-SHA",
                            "ECDHE-RSA-AES128-SHA",
                            "DHE-RSA-AES256-SHA",
                            "DHE-RSA-AES128-SHA"}) {
        r.offer.suites.push_back(suite(12, n, "ECDHE", "AES-128-CBC", "SHA1", 128));
      }
      r.offer.suites.push_back(
        suite(10, "ECDHE-RSA-AES128-SHA", "ECDHE", "AES-128-CBC", "SHA1", 128));
      r.offer.untestable = {"RC4"};
      r.offer.incomplete = "stopped after 120 connections";
      const auto& f = finding(probe_findings(r, cfg), "TLS-03");
      CHECK(f.evidence.find(" and 2 more;") != std::string::npos);
      const std::string tail =
        "; enumeration incomplete: stopped after 120 connections; offered in TLS 1.3: "
        "TLS_AES_256_GCM_SHA384; offered in TLS 1.2: ECDHE-RSA-AES256-GCM-SHA384 "
        "ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-SHA384 ECDHE-RSA-AES128-SHA256 "
        "ECDHE-RSA-AES256-SHA ECDHE-RSA-AES128-SHA DHE-RSA-AES256-SHA DHE-RSA-AES128-SHA; "
        "offered in TLS 1: ECDHE-RSA-AES128-SHA";
      CHECK(f.evidence.size() > tail.size());
      CHECK(f.evidence.substr(f.evidence.size() - tail.size()) == tail);
    }
    SUBCASE("an anonymous suite offered fails although the negotiated one is strong")
    {
      auto adh = suite(12, "ADH-AES256-GCM-SHA384", "DHE", "AES-256-GCM", "AEAD", 256);
      adh.anonymous = true;
      r.offer.suites.push_back(adh);
      const auto& f = finding(probe_findings(r, cfg), "TLS-03");
      CHECK(f.status == Status::fail);
      CHECK(f.evidence.find("; Anonymous NULL Ciphers (no authentication) offered (NOT ok): "
                            "ADH-AES256-GCM-SHA384")
            != std::string::npos);
      CHECK(f.evidence.find("NULL ciphers (no encryption)") == std::string::npos);
      CHECK_FALSE(f.fix.empty());
    }
    SUBCASE("NULL, 3DES, static RSA, RC4, EXPORT each fail")
    {
      const std::pair<OfferedSuite, const char*> cases[] = {
        {suite(12, "ECDHE-RSA-NULL-SHA",      "ECDHE", "NULL",         "SHA1", 0),
         "NULL ciphers (no encryption) offered (NOT ok): ECDHE-RSA-NULL-SHA"               },
        {suite(12, "ECDHE-RSA-DES-CBC3-SHA",  "ECDHE", "DES-EDE3-CBC", "SHA1", 112),
         "Triple DES Ciphers / IDEA offered (NOT ok): ECDHE-RSA-DES-CBC3-SHA"              },
        {suite(12, "AES128-GCM-SHA256",       "RSA",   "AES-128-GCM",  "AEAD", 128),
         "Ciphers without forward secrecy (static RSA key exchange) offered (NOT ok): "
         "AES128-GCM-SHA256"                                                               },
        {suite(12, "ECDHE-RSA-RC4-SHA",       "ECDHE", "RC4",          "SHA1", 128),
         "LOW: 64 Bit + DES, RC[2,4], MD5 (w/o export) offered (NOT ok): ECDHE-RSA-RC4-SHA"},
        {suite(10, "EXP-EDH-RSA-DES-CBC-SHA", "DHE",   "DES-CBC",      "SHA1", 40),
         "Export ciphers (w/o ADH+NULL) offered (NOT ok): EXP-EDH-RSA-DES-CBC-SHA"         },
      };
      for (const auto& c : cases) {
        // Not a structured binding: doctest's CAPTURE is a lambda, and clang
        // before 16 cannot capture a binding.
        const auto& s = c.first;
        const std::string words = c.second;
        CAPTURE(words);
        auto r2 = r;
        r2.offer.suites.push_back(s);
        const auto& f = finding(probe_findings(r2, cfg), "TLS-03");
        CHECK(f.status == Status::fail);
        CHECK(f.evidence.find(words) != std::string::npos);
      }
    }
    SUBCASE("CBC with forward secrecy warns")
    {
      r.offer.suites.push_back(
        suite(12, "ECDHE-RSA-AES128-SHA", "ECDHE", "AES-128-CBC", "SHA1", 128));
      const auto& f = finding(probe_findings(r, cfg), "TLS-03");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence.find("Obsoleted CBC ciphers (AES, ARIA etc.) offered (warn): "
                            "ECDHE-RSA-AES128-SHA")
            != std::string::npos);
    }
    SUBCASE("an incomplete enumeration is not a pass")
    {
      r.offer.incomplete = "stopped after 120 connections";
      const auto& f = finding(probe_findings(r, cfg), "TLS-03");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence.find("enumeration incomplete: stopped after 120 connections")
            != std::string::npos);
    }
  }

  TEST_CASE("policy::probe_findings: a TLS 1.0/1.1-only server fails TLS-02, by cause")
  {
    peermail::config::Config cfg;
    auto r = good_report();
    // The session a send would use failed; the certificate came from a
    // measuring handshake in TLS 1.1.
    r.tls_ok = false;
    r.tls_error = "tlsv1 alert protocol version";
    r.measured_on_legacy = true;
    r.tls_version = "TLSv1.1";
    r.cipher = "ECDHE-RSA-AES256-SHA";
    r.offer.measured = true;
    r.offer.versions[0] = VersionOffer::offered;
    r.offer.versions[1] = VersionOffer::offered;
    r.offer.versions[2] = VersionOffer::not_offered;
    r.offer.versions[3] = VersionOffer::not_offered;
    r.tls1_0 = LegacyTls::accepted;
    r.tls1_1 = LegacyTls::accepted;
    const auto fs = probe_findings(r, cfg);
    const auto& v = finding(fs, "TLS-02");
    CHECK(v.status == Status::fail);
    CHECK(v.evidence
          == "smtp.example:587: the server offers no TLS 1.2 or newer: TLS 1 offered "
             "(deprecated), TLS 1.1 offered (deprecated), TLS 1.2 not offered, TLS 1.3 not "
             "offered");
    CHECK(status_of(fs, "TLS-01") == Status::pass);
    CHECK(finding(fs, "TLS-01").evidence.find("see TLS-02") != std::string::npos);
    // The certificate items judge the certificate itself.
    CHECK(status_of(fs, "TLS-04") == Status::pass);
    CHECK(status_of(fs, "TLS-05") == Status::pass);
    CHECK(status_of(fs, "TLS-07") == Status::pass);
  }

  TEST_CASE("policy::probe_findings: AUTH-01 follows the transaction to RCPT")
  {
    peermail::config::Config cfg;
    auto r = good_report();
    r.mail_without_auth_code = 250;
    SUBCASE("Postfix: 250 to MAIL, refused at RCPT, login ok: pass")
    {
      r.rcpt_without_auth_code = 554;
      const auto& f = finding(probe_findings(r, cfg), "AUTH-01");
      CHECK(f.status == Status::pass);
      CHECK(f.evidence
            == "smtp.example:587: without AUTH: MAIL answered 250, RCPT answered 554; login ok");
    }
    SUBCASE("accepted at RCPT: warn")
    {
      r.rcpt_without_auth_code = 250;
      const auto& f = finding(probe_findings(r, cfg), "AUTH-01");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence.find("the server accepts mail without authentication") != std::string::npos);
    }
    SUBCASE("--no-login: not tested")
    {
      r.rcpt_without_auth_code = 530;
      r.login = LoginResult::not_tried;
      r.login_reply = "not tried (--no-login)";
      const auto& f = finding(probe_findings(r, cfg), "AUTH-01");
      CHECK(f.status == Status::warn);
      CHECK(f.evidence
            == "smtp.example:587: without AUTH: MAIL answered 250, RCPT answered 530; login not "
               "tested: not tried (--no-login)");
    }
  }
}
