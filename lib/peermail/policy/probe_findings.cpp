// SPDX-License-Identifier: GPL-3.0-or-later
// ProbeReport → checklist findings (pure): the measurements of transport/
// judged by the checklist, so that transport never depends on policy.
#include "probe_findings.hpp"

#include <peermail/policy/checklist.hpp>
#include <peermail/transport/tls_info.hpp>

#include <fmt/core.h>

#include <arpa/inet.h>

#include <algorithm>

namespace peermail::policy {

namespace {

using transport::LegacyTls;
using transport::LoginResult;
using transport::OcspStatus;
using transport::OcspVerdict;
using transport::OfferedSuite;
using transport::ProbeReport;
using transport::VersionOffer;

Finding
make(const char* id, Status status, std::string evidence, std::string fix = {})
{
  Finding f;
  f.id = id;
  if (const auto* item = find_item(id); item != nullptr) {
    f.title = std::string(item->title);
    f.level = item->level;
    f.reference = std::string(item->reference);
  }
  f.status = status;
  f.evidence = std::move(evidence);
  if (status != Status::pass) {
    f.fix = std::move(fix);
  }
  return f;
}

std::string
join(const std::vector<std::string>& v)
{
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : " ") + s;
  }
  return out.empty() ? "(none)" : out;
}

bool
contains_any(const std::string& s, std::initializer_list<const char*> words)
{
  return std::any_of(
    words.begin(), words.end(), [&](const char* w) { return s.find(w) != std::string::npos; });
}

std::string_view
legacy_name(LegacyTls l)
{
  switch (l) {
  case LegacyTls::accepted:
    return "accepted";
  case LegacyTls::refused:
    return "refused";
  case LegacyTls::not_testable:
    return "not testable with the local OpenSSL";
  }
  return "?";
}

bool
is_ip_address(const std::string& host)
{
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// TLS-06 from the stapled OCSP response. AIA OCSP and CRLs are not fetched.
Finding
revocation_finding(const ProbeReport& r, const std::string& hp)
{
  const OcspVerdict& o = r.ocsp;
  switch (o.status) {
  case OcspStatus::good:
    return make(
      "TLS-06",
      Status::pass,
      fmt::format("{}: stapled OCSP: good ({})",
                  hp,
                  o.next_update.empty() ? "no nextUpdate" : "valid until " + o.next_update));
  case OcspStatus::revoked:
    return make("TLS-06",
                Status::fail,
                fmt::format("{}: stapled OCSP: the server certificate is {}", hp, o.reason),
                "do not use this server until the provider replaces its revoked certificate");
  case OcspStatus::invalid:
    return make("TLS-06",
                Status::fail,
                fmt::format("{}: stapled OCSP response rejected: {}", hp, o.reason),
                "the provider must staple a current OCSP response signed by the certificate's "
                "issuer or its OCSP responder");
  case OcspStatus::unknown:
    return make("TLS-06",
                Status::warn,
                fmt::format("{}: stapled OCSP: {}: revocation status unknown", hp, o.reason),
                "ask the provider to staple a current OCSP response for its certificate");
  case OcspStatus::none:
    break;
  }
  if (!r.cert_crl_distribution_point && !r.cert_ocsp_uri) {
    return make("TLS-06",
                Status::warn,
                fmt::format("{}: Neither CRL nor OCSP URI provided (NOT ok): the certificate "
                            "names no CRL distribution point and no OCSP responder (AIA), and "
                            "no OCSP response is stapled: its revocation cannot be checked",
                            hp),
                "the provider needs a certificate from a CA that publishes revocation "
                "information (CRL distribution point or OCSP URI, NIST SP 800-52r2 §3.2)");
  }
  return make("TLS-06",
              Status::warn,
              fmt::format("{}: no stapled OCSP response: revocation status unknown (the "
                          "certificate names {}; not fetched)",
                          hp,
                          r.cert_ocsp_uri && r.cert_crl_distribution_point
                            ? "an OCSP URI and a CRL distribution point"
                          : r.cert_ocsp_uri ? "an OCSP URI"
                                            : "a CRL distribution point"),
              "ask the provider to enable OCSP stapling");
}

// "TLS 1.1" in testssl.sh's spelling ("TLS 1" for 1.0).
std::string
version_label(int v)
{
  return v == 10 ? "TLS 1" : fmt::format("TLS 1.{}", v - 10);
}

// "TLS 1 not offered, TLS 1.1 not offered, TLS 1.2 offered (OK), TLS 1.3
// offered (OK)", as testssl.sh -p words it.
std::string
versions_evidence(const transport::TlsOffer& o)
{
  std::string out;
  for (const int v : {10, 11, 12, 13}) {
    std::string what;
    switch (transport::version_offer(o, v)) {
    case VersionOffer::offered:
      what = v < 12 ? "offered (deprecated)" : "offered (OK)";
      break;
    case VersionOffer::not_offered:
      what = v < 12 ? "not offered (OK)" : "not offered";
      break;
    case VersionOffer::not_testable:
      what = "not testable with the local OpenSSL";
      break;
    case VersionOffer::not_measured:
      what = "not measured";
      break;
    }
    out.append(out.empty() ? "" : ", ").append(version_label(v)).append(" ").append(what);
  }
  return out;
}

// TLS-02 from the versions the server offers (or, without an enumeration,
// from the negotiated version and the two legacy handshakes).
Finding
versions_finding(const ProbeReport& r, const std::string& hp, int v)
{
  const auto& o = r.offer;
  const std::string legacy =
    o.measured
      ? versions_evidence(o)
      : fmt::format("TLS 1.0 {}, TLS 1.1 {}", legacy_name(r.tls1_0), legacy_name(r.tls1_1));
  // Only old versions: the probe measured the server in one of them.
  if (r.measured_on_legacy) {
    return make("TLS-02",
                Status::fail,
                fmt::format("{}: the server offers no TLS 1.2 or newer: {}", hp, legacy),
                "the server must support TLS 1.2 or newer (RFC 8996, NIST SP 800-52r2 §3.1); "
                "peermail does not send over older versions");
  }
  if (v < 12) {
    return make("TLS-02",
                Status::fail,
                fmt::format("{}: negotiated {}; {}", hp, r.tls_version, legacy),
                "the server must support TLS 1.2 or newer");
  }
  if (v < r.min_tls) {
    // A send refuses this session (tls_policy.hpp): so does the probe.
    return make("TLS-02",
                Status::fail,
                fmt::format("{}: negotiated {}, below min_tls = \"1.{}\"; {}",
                            hp,
                            r.tls_version,
                            r.min_tls - 10,
                            legacy),
                "the server must offer TLS 1.3, or set min_tls = \"1.2\"");
  }
  if (r.tls1_0 == LegacyTls::accepted || r.tls1_1 == LegacyTls::accepted) {
    return make(
      "TLS-02",
      Status::warn,
      fmt::format(
        "{}: negotiated {}; the server still accepts old versions ({})", hp, r.tls_version, legacy),
      "ask the provider to disable TLS 1.0 and 1.1 (RFC 8996)");
  }
  if (v < 13) {
    return make(
      "TLS-02",
      Status::warn,
      fmt::format(
        "{}: negotiated {} (TLS 1.3 offered but not chosen); {}", hp, r.tls_version, legacy),
      "ask the provider to enable TLS 1.3 (NIST SP 800-52r2 §3.1)");
  }
  return make(
    "TLS-02", Status::pass, fmt::format("{}: negotiated {}; {}", hp, r.tls_version, legacy));
}

bool
is_export(const OfferedSuite& s)
{
  return contains_any(s.openssl_name, {"EXP"}) || contains_any(s.name, {"EXPORT"});
}

bool
is_low(const OfferedSuite& s)
{
  return !s.null_cipher && !is_export(s)
         && (s.bits < 112 || contains_any(s.cipher, {"RC4", "RC2"}) || s.cipher == "DES-CBC"
             || s.mac == "MD5");
}

bool
is_3des_or_idea(const OfferedSuite& s)
{
  return contains_any(s.cipher, {"DES-EDE3", "IDEA"});
}

// One category of testssl.sh -s: a name, a test and a verdict when offered.
struct Category
{
  const char* title;
  bool (*test)(const OfferedSuite&);
  Status when_offered;
};

const Category k_categories[] = {
  {"NULL ciphers (no encryption)",
   [](const OfferedSuite& s) { return s.null_cipher && !s.anonymous; },
   Status::fail                                                                                      },
  {"Anonymous NULL Ciphers (no authentication)",
   [](const OfferedSuite& s) { return s.anonymous; },
   Status::fail                                                                                      },
  {"Export ciphers (w/o ADH+NULL)",
   [](const OfferedSuite& s) { return is_export(s) && !s.anonymous && !s.null_cipher; },
   Status::fail                                                                                      },
  {"LOW: 64 Bit + DES, RC[2,4], MD5 (w/o export)",
   [](const OfferedSuite& s) { return is_low(s) && !s.anonymous; },
   Status::fail                                                                                      },
  {"Triple DES Ciphers / IDEA",
   [](const OfferedSuite& s) { return is_3des_or_idea(s) && !s.anonymous; },
   Status::fail                                                                                      },
  {"Ciphers without forward secrecy (static RSA key exchange)",
   [](const OfferedSuite& s) { return s.kx == "RSA" && !s.null_cipher; },
   Status::fail                                                                                      },
  {"Obsoleted CBC ciphers (AES, ARIA etc.)",
   [](const OfferedSuite& s) {
     return !s.aead && !s.null_cipher && !s.anonymous && !is_low(s) && !is_3des_or_idea(s)
            && s.kx != "RSA";
   },                                                                                    Status::warn},
};

std::string
suite_list(const std::vector<const OfferedSuite*>& v)
{
  constexpr std::size_t k_shown = 6;
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < k_shown; ++i) {
    out.append(i == 0 ? "" : " ").append(v[i]->openssl_name);
  }
  if (v.size() > k_shown) {
    out.append(fmt::format(" and {} more", v.size() - k_shown));
  }
  return out;
}

// "; offered in TLS 1.3: A B; offered in TLS 1.2: C D": every suite found,
// newest version first, in the order found (OpenSSL names; TLS 1.3's are
// the IANA names). Last in the evidence, so that tests/integration/
// testssl_compare.py can compare it with testssl.sh -e.
std::string
offered_by_version(const transport::TlsOffer& o)
{
  std::string out;
  for (const int ver : {13, 12, 11, 10}) {
    std::string names;
    for (const auto& s : o.suites) {
      if (s.version == ver) {
        names.append(names.empty() ? "" : " ").append(s.openssl_name);
      }
    }
    if (!names.empty()) {
      out.append("; offered in ").append(version_label(ver)).append(": ").append(names);
    }
  }
  return out;
}

// TLS-03 from every suite the server offers, in testssl.sh -s categories.
Finding
suites_finding(const ProbeReport& r, const std::string& hp, int v)
{
  const std::string negotiated = r.tls_ok ? fmt::format("negotiated {} ({} bits), group {}",
                                                        r.cipher,
                                                        r.cipher_bits,
                                                        r.group.empty() ? "(unknown)" : r.group)
                                          : std::string("no session a send accepts");
  const auto& o = r.offer;
  if (!o.measured || o.suites.empty()) {
    // Only the negotiated suite is known.
    const std::string cs =
      fmt::format("{}: {}{}",
                  hp,
                  negotiated,
                  o.incomplete.empty() ? "" : "; offer not enumerated: " + o.incomplete);
    if (contains_any(r.cipher, {"NULL", "EXPORT", "anon", "RC4", "3DES", "DES_CBC"})
        || r.cipher_bits < 112) {
      return make("TLS-03", Status::fail, cs, "the server must not negotiate weak cipher suites");
    }
    if (v < 13 && (!contains_any(r.cipher, {"ECDHE", "DHE"}) || contains_any(r.cipher, {"CBC"}))) {
      return make("TLS-03",
                  Status::warn,
                  cs,
                  "prefer ECDHE with AES-GCM or ChaCha20-Poly1305 (NIST SP 800-52r2 §3.3.1)");
    }
    return make("TLS-03",
                o.incomplete.empty() ? Status::pass : Status::warn,
                cs,
                "run the probe again where the server answers every connection");
  }
  Status worst = Status::pass;
  std::vector<std::string> bad;
  for (const auto& c : k_categories) {
    std::vector<const OfferedSuite*> hit;
    for (const auto& s : o.suites) {
      if (c.test(s)) {
        hit.push_back(&s);
      }
    }
    if (hit.empty()) {
      continue;
    }
    bad.push_back(fmt::format("{} offered ({}): {}",
                              c.title,
                              c.when_offered == Status::fail ? "NOT ok" : "warn",
                              suite_list(hit)));
    if (c.when_offered == Status::fail || worst == Status::pass) {
      worst = c.when_offered;
    }
  }
  int per_version[4] = {0, 0, 0, 0};
  for (const auto& s : o.suites) {
    per_version[s.version - 10]++;
  }
  std::string counts;
  for (const int ver : {13, 12, 11, 10}) {
    if (per_version[ver - 10] > 0) {
      counts.append(counts.empty() ? "" : ", ")
        .append(fmt::format("{} in {}", per_version[ver - 10], version_label(ver)));
    }
  }
  std::string evidence =
    fmt::format("{}: {}; {} suites offered ({})", hp, negotiated, o.suites.size(), counts);
  for (const auto& b : bad) {
    evidence.append("; ").append(b);
  }
  if (bad.empty()) {
    evidence.append("; only forward-secret AEAD suites offered (OK)");
  }
  if (!o.untestable.empty()) {
    evidence.append("; not testable with the local OpenSSL: ");
    for (std::size_t i = 0; i < o.untestable.size(); ++i) {
      evidence.append(i == 0 ? "" : ", ").append(o.untestable[i]);
    }
  }
  if (!o.incomplete.empty()) {
    evidence.append("; enumeration incomplete: ").append(o.incomplete);
    if (worst == Status::pass) {
      worst = Status::warn;
    }
  }
  evidence.append(offered_by_version(o));
  std::string fix;
  if (worst == Status::fail) {
    fix =
      "ask the provider to disable these suites; offer only ECDHE/DHE with AES-GCM, AES-CCM "
      "or ChaCha20-Poly1305 (NIST SP 800-52r2 §3.3.1; Postfix: smtpd_tls_mandatory_ciphers "
      "= high, smtpd_tls_exclude_ciphers = aNULL, eNULL, kRSA, 3DES, RC4, CBC as needed)";
  } else if (worst == Status::warn) {
    fix = o.incomplete.empty()
            ? "prefer ECDHE with AES-GCM or ChaCha20-Poly1305; CBC suites are legacy only (NIST "
              "SP 800-52r2 §3.3.1)"
            : "run the probe again where the server answers every connection";
  }
  return make("TLS-03", worst, evidence, fix);
}

// TLS-08: the server's side of the handshake plus the local library.
Finding
hygiene_finding(const ProbeReport& r, const std::string& hp, int version)
{
  std::vector<std::string> parts;
  std::vector<std::string> missing;
  if (version >= 13) {
    parts.emplace_back(r.tls_version + " (renegotiation and EMS not applicable)");
  } else {
    parts.push_back(r.tls_version);
    parts.emplace_back(r.secure_renegotiation ? "secure renegotiation" : "no secure renegotiation");
    parts.emplace_back(r.extended_master_secret ? "Extended Master Secret"
                                                : "no Extended Master Secret");
    if (!r.secure_renegotiation) {
      missing.emplace_back("secure renegotiation (RFC 5746)");
    }
    if (!r.extended_master_secret) {
      missing.emplace_back("Extended Master Secret (RFC 7627)");
    }
  }
  parts.emplace_back(r.compression ? "compression on" : "no compression");
  if (r.compression) {
    missing.emplace_back("compression off (CRIME)");
  }
  if (r.sni_sent) {
    parts.emplace_back("SNI sent");
  } else if (!is_ip_address(r.host)) {
    parts.emplace_back("SNI not sent");
    missing.emplace_back("SNI");
  }
  const bool library_ok = r.tls_library.rfind("OpenSSL 3", 0) == 0;
  std::string evidence = fmt::format("{}: ", hp);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    evidence += (i == 0 ? "" : ", ") + parts[i];
  }
  evidence +=
    fmt::format("; {}: 0-RTT off", r.tls_library.empty() ? "TLS library unknown" : r.tls_library);
  if (!library_ok) {
    missing.emplace_back("a TLS library known to keep 0-RTT and False Start off (OpenSSL 3.x)");
  }
  if (missing.empty()) {
    return make("TLS-08", Status::pass, evidence);
  }
  std::string list;
  for (const auto& m : missing) {
    list += (list.empty() ? "" : ", ") + m;
  }
  std::string fix;
  if (missing.size() > (library_ok ? 0U : 1U)) {
    fix =
      "ask the provider to enable secure renegotiation and Extended Master Secret and to "
      "disable TLS compression";
  }
  if (!library_ok) {
    fix += std::string(fix.empty() ? "" : "; ") + "use OpenSSL 3.x (Debian 12: libssl3)";
  }
  return make("TLS-08", Status::warn, fmt::format("{}; missing: {}", evidence, list), fix);
}

} // namespace

std::vector<Finding>
probe_findings(const ProbeReport& r, const config::Config& cfg)
{
  std::vector<Finding> out;
  const std::string hp = fmt::format("{}:{}", r.host, r.port);
  const bool starttls = r.mode == config::TlsMode::starttls;

  // TLS-01: TLS before anything else.
  if (r.tls_ok) {
    out.push_back(make(
      "TLS-01",
      Status::pass,
      starttls
        ? fmt::format("{}: STARTTLS offered and answered 220; {} established", hp, r.tls_version)
        : fmt::format("{}: implicit TLS, {} established", hp, r.tls_version)));
  } else if (r.measured_on_legacy) {
    // TLS is there, in versions a send refuses: the cause is TLS-02.
    out.push_back(
      make("TLS-01",
           Status::pass,
           starttls
             ? fmt::format("{}: STARTTLS offered and answered 220; TLS only in versions "
                           "a send refuses (see TLS-02)",
                           hp)
             : fmt::format("{}: implicit TLS, only in versions a send refuses (see TLS-02)", hp)));
  } else {
    out.push_back(make("TLS-01",
                       Status::fail,
                       fmt::format("{}: no TLS session: {}", hp, r.tls_error),
                       !r.tls_fix.empty() ? r.tls_fix
                       : starttls
                         ? "the server must offer STARTTLS on this port, or use its implicit-TLS "
                           "port (tls = \"implicit\", port = 465)"
                         : "check that this port speaks implicit TLS; for STARTTLS (port 587) set "
                           "tls = \"starttls\""));
  }

  // TLS-09: STARTTLS stripping and injection.
  if (!starttls) {
    out.push_back(
      make("TLS-09", Status::pass, fmt::format("{}: implicit TLS, no STARTTLS to strip", hp)));
  } else if (r.mode_mismatch) {
    out.push_back(make("TLS-09",
                       Status::fail,
                       fmt::format("{}: no SMTP dialogue: this port expects TLS on connect", hp),
                       "fix TLS-01 first"));
  } else if (!r.starttls_offered) {
    out.push_back(make("TLS-09",
                       Status::fail,
                       fmt::format("{}: STARTTLS not offered in EHLO", hp),
                       "the server must offer STARTTLS; peermail never falls back to plaintext"));
  } else if (r.starttls_code != 220) {
    out.push_back(make("TLS-09",
                       Status::fail,
                       fmt::format("{}: STARTTLS answered with {}", hp, r.starttls_reply),
                       "the server must answer STARTTLS with 220"));
  } else if (r.starttls_injection) {
    out.push_back(
      make("TLS-09",
           Status::fail,
           fmt::format("{}: the server sent data after its 220 to STARTTLS (injection)", hp),
           "the server (or something on the path) must not pipeline replies around STARTTLS"));
  } else {
    out.push_back(
      make("TLS-09",
           Status::pass,
           fmt::format("{}: STARTTLS 220, nothing pipelined; capabilities re-read after TLS", hp)));
  }

  if (!r.tls_ok && r.tls_version.empty()) {
    // Nothing more can be measured without a TLS session.
    for (const char* id : {"TLS-02", "TLS-03", "TLS-04", "TLS-05", "TLS-06", "TLS-07"}) {
      out.push_back(make(
        id, Status::fail, fmt::format("{}: no TLS session to measure", hp), "fix TLS-01 first"));
    }
  } else {
    const int v = transport::tls_version_number(r.tls_version);
    out.push_back(versions_finding(r, hp, v));
    out.push_back(suites_finding(r, hp, v));
    // TLS-04: chain, and the pin a send enforces in addition to it.
    if (!r.chain_valid) {
      out.push_back(
        make("TLS-04",
             Status::fail,
             fmt::format("{}: certificate chain does not verify: {}", hp, r.chain_error),
             "the server needs a certificate from a trusted CA; for a private CA set ca_file"));
    } else if (r.pin_configured && !r.pin_match) {
      out.push_back(make("TLS-04",
                         Status::fail,
                         fmt::format("{}: certificate chain verified, but the server's public key "
                                     "(sha256 {}) does not match pin_sha256",
                                     hp,
                                     r.spki_sha256.empty() ? "unknown" : r.spki_sha256),
                         "if the server's key was replaced on purpose, update pin_sha256; "
                         "otherwise do not use this server"));
    } else {
      out.push_back(make("TLS-04",
                         Status::pass,
                         fmt::format("{}: certificate chain verified{}",
                                     hp,
                                     r.pin_configured ? "; public key matches pin_sha256" : "")));
    }

    // TLS-05: identity.
    out.push_back(
      r.hostname_match ? make(
        "TLS-05", Status::pass, fmt::format("{}: certificate matches \"{}\" (DNS-ID)", hp, r.host))
                       : make("TLS-05",
                              Status::fail,
                              fmt::format("{}: certificate is not issued for \"{}\"", hp, r.host),
                              "set host to the name on the server's certificate"));

    // TLS-07: certificate profile.
    const std::string prof =
      fmt::format("{}: {} {} bits, {}, expires in {} days",
                  hp,
                  r.key_type,
                  r.key_bits,
                  r.signature_algorithm,
                  r.days_to_expiry ? std::to_string(*r.days_to_expiry) : "?");
    const bool weak_key =
      (r.key_type == "RSA" && r.key_bits < 2048) || (r.key_type == "EC" && r.key_bits < 256);
    const bool weak_sig = contains_any(r.signature_algorithm, {"sha1", "SHA1", "md5", "MD5"});
    if (weak_key || weak_sig || (r.days_to_expiry && *r.days_to_expiry < 0)) {
      out.push_back(make("TLS-07",
                         Status::fail,
                         prof,
                         "the server certificate must be valid, ≥ 112-bit and SHA-256+ signed"));
    } else if (r.days_to_expiry && *r.days_to_expiry < cfg.policy.expiry_warning_days) {
      out.push_back(
        make("TLS-07", Status::warn, prof, "ask the provider to renew the certificate"));
    } else {
      out.push_back(make("TLS-07", Status::pass, prof));
    }

    out.push_back(revocation_finding(r, hp));
    out.push_back(hygiene_finding(r, hp, v));
  }

  // TLS-10: REQUIRETLS for later hops.
  if (r.tls_ok) {
    out.push_back(r.requiretls
                    ? make("TLS-10", Status::pass, fmt::format("{}: REQUIRETLS advertised", hp))
                    : make("TLS-10",
                           Status::warn,
                           fmt::format("{}: REQUIRETLS not advertised", hp),
                           "end-to-end encryption (E2E-01) remains the primary control; ask the "
                           "provider about REQUIRETLS / MTA-STS"));
  }

  // AUTH-02: no credentials before TLS.
  if (starttls && !r.auth_before_tls.empty()) {
    out.push_back(make("AUTH-02",
                       Status::warn,
                       fmt::format("{}: AUTH {} advertised before TLS (peermail never uses it)",
                                   hp,
                                   join(r.auth_before_tls)),
                       "ask the provider not to offer AUTH before STARTTLS (RFC 4954 §4)"));
  } else {
    out.push_back(make("AUTH-02", Status::pass, fmt::format("{}: no AUTH before TLS", hp)));
  }

  if (r.tls_ok) {
    // AUTH-01: authentication required, and the configured login works.
    const bool mail_taken = r.mail_without_auth_code >= 200 && r.mail_without_auth_code < 300;
    const bool rcpt_taken = r.rcpt_without_auth_code >= 200 && r.rcpt_without_auth_code < 300;
    const std::string mail =
      mail_taken && r.rcpt_without_auth_code != 0
        ? fmt::format("without AUTH: MAIL answered {}, RCPT answered {}",
                      r.mail_without_auth_code,
                      r.rcpt_without_auth_code)
        : fmt::format("MAIL without AUTH answered {}", r.mail_without_auth_code);
    if (r.login == LoginResult::denied) {
      out.push_back(make("AUTH-01",
                         Status::fail,
                         fmt::format("{}: login refused: {}", hp, r.login_reply),
                         "check username and the password source of the account"));
    } else if (mail_taken && (rcpt_taken || r.rcpt_without_auth_code == 0)) {
      out.push_back(
        make("AUTH-01",
             Status::warn,
             fmt::format("{}: {}: the server accepts mail without authentication", hp, mail),
             "the submission server should require AUTH (RFC 6409 §4.3)"));
    } else if (r.login == LoginResult::ok) {
      out.push_back(make("AUTH-01", Status::pass, fmt::format("{}: {}; login ok", hp, mail)));
    } else if (r.login == LoginResult::failed) {
      out.push_back(make("AUTH-01",
                         Status::warn,
                         fmt::format("{}: {}; login failed: {}", hp, mail, r.login_reply),
                         "check the AUTH mechanisms the server offers"));
    } else {
      out.push_back(
        make("AUTH-01",
             Status::warn,
             fmt::format("{}: {}; login not tested{}",
                         hp,
                         mail,
                         r.login_reply.empty() ? " (no credentials)" : ": " + r.login_reply),
             "set username and a password source to test the login"));
    }

    // AUTH-03: mechanisms after TLS.
    const auto has = [&](const char* m) {
      return std::find(r.auth_mechanisms.begin(), r.auth_mechanisms.end(), m)
             != r.auth_mechanisms.end();
    };
    const std::string mechs = fmt::format("{}: AUTH after TLS: {}", hp, join(r.auth_mechanisms));
    if (has("CRAM-MD5") || has("DIGEST-MD5")) {
      out.push_back(
        make("AUTH-03", Status::warn, mechs, "ask the provider to drop CRAM-MD5/DIGEST-MD5"));
    } else if (has("SCRAM-SHA-256") || has("SCRAM-SHA-256-PLUS") || has("OAUTHBEARER")
               || has("XOAUTH2")) {
      out.push_back(make("AUTH-03", Status::pass, mechs));
    } else {
      out.push_back(
        make("AUTH-03",
             Status::warn,
             mechs,
             "prefer SCRAM-SHA-256 or OAuth tokens (oauth2_token_command) from an MFA identity"));
    }
  }
  return out;
}

} // namespace peermail::policy
