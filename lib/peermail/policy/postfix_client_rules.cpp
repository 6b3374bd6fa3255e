// SPDX-License-Identifier: GPL-3.0-or-later
// The Postfix SMTP client: TLS to the relayhost (TLS-01, TLS-04, TLS-05) and
// to the next hops (TLS-10).
#include "postfix_judge.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::policy::postfix {

void
Judge::client(Board& b) const
{
  const auto lvl = level("smtp");
  const auto relay = value("relayhost").value_or("");
  if (!lvl || !known_level(*lvl)) {
    const auto why = !lvl ? problem("smtp_tls_security_level")
                          : cite("smtp_tls_security_level") + ": not a level this reader knows";
    for (const char* id : {"TLS-01", "TLS-02", "TLS-03", "TLS-04", "TLS-05", "TLS-10"}) {
      b.skip(id, why);
    }
    return;
  }
  const auto lvl_cite = cite("smtp_tls_security_level");
  const auto secure_fix =
    set(fmt::format("smtp_tls_security_level=secure smtp_tls_CAfile={}", k_ca_file));
  if (!relay.empty()) {
    relayhost(b, *lvl, relay, lvl_cite, secure_fix);
  } else {
    b.skip("TLS-01",
           fmt::format("{}: no relayhost: mail goes straight to the recipients' MX hosts "
                       "(judged under TLS-10)",
                       where_main("relayhost")));
    for (const char* id : {"TLS-04", "TLS-05"}) {
      b.skip(id,
             "no relayhost: the MX hosts' certificates are judged by their DNS policy (TLS-10)");
    }
  }
  if (*lvl != "none") {
    const bool mandatory = tls_required(*lvl);
    const auto pname = mandatory ? "smtp_tls_mandatory_protocols" : "smtp_tls_protocols";
    protocols(b,
              pname,
              nullptr,
              mandatory ? Side::client_required : Side::client_opportunistic,
              set(fmt::format("'{} = >=TLSv1.2'", pname)));
    const auto cname = mandatory ? "smtp_tls_mandatory_ciphers" : "smtp_tls_ciphers";
    ciphers(b, cname, nullptr, set(fmt::format("{}=high", cname)));
  } else {
    b.skip("TLS-02", lvl_cite + ": no TLS");
    b.skip("TLS-03", lvl_cite + ": no TLS");
  }
  next_hops(b, *lvl, relay, lvl_cite);
}

void
Judge::relayhost(Board& b,
                 const std::string& lvl,
                 const std::string& relay,
                 const std::string& lvl_cite,
                 const std::string& secure_fix) const
{
  const auto rh = cite("relayhost");
  const bool bracketed = relay.front() == '[';
  const auto close = relay.find(']');
  const auto host = bracketed ? relay.substr(1, close == std::string::npos ? 0 : close - 1)
                              : relay.substr(0, relay.find(':'));
  const auto colon = relay.rfind(':');
  const std::string port = colon != std::string::npos && (!bracketed || colon > close)
                             ? relay.substr(colon + 1)
                             : std::string("25");
  if (!tls_required(lvl)) {
    b.fail("TLS-01",
           fmt::format("{}: mail to the relayhost {} may go in clear text (level {} does "
                       "not require TLS)",
                       lvl_cite,
                       relay,
                       lvl),
           secure_fix);
  } else if (port == "465" || port == "submissions" || port == "smtps") {
    if (foreign::postfix_bool(value("smtp_tls_wrappermode").value_or(""))) {
      b.pass("TLS-01", fmt::format("{}; {}: implicit TLS", rh, cite("smtp_tls_wrappermode")));
    } else {
      b.fail("TLS-01",
             fmt::format(
               "{}: port {} expects implicit TLS but {}", rh, port, cite("smtp_tls_wrappermode")),
             set("smtp_tls_wrappermode=yes"));
    }
  } else if (port == "25" || port == "smtp") {
    b.warn(
      "TLS-01",
      fmt::format("{}: port 25 is for relaying between servers, not submission; {}", rh, lvl_cite),
      set(fmt::format("'relayhost = [{}]:587'", host)));
  } else {
    b.pass("TLS-01",
           fmt::format("{}: TLS required to the relayhost on port {} (Postfix defers the "
                       "mail when TLS fails)",
                       lvl_cite,
                       port));
  }
  certificate(b, lvl, relay, bracketed, host, lvl_cite, secure_fix);
}

void
Judge::certificate(Board& b,
                   const std::string& lvl,
                   const std::string& relay,
                   bool bracketed,
                   const std::string& host,
                   const std::string& lvl_cite,
                   const std::string& secure_fix) const
{
  if (lvl == "none") {
    b.skip("TLS-04", "no TLS (TLS-01)");
    b.skip("TLS-05", "no TLS (TLS-01)");
    return;
  }
  if (lvl == "may" || lvl == "encrypt") {
    b.fail("TLS-04",
           lvl_cite + ": the relayhost's certificate is not verified (a man in the middle "
                      "reads everything)",
           secure_fix);
    b.skip("TLS-05", "the certificate is not verified (TLS-04)");
    return;
  }
  if (lvl == "fingerprint") {
    b.fail("TLS-04",
           lvl_cite + ": the pinned fingerprint replaces chain validation (pinning may only "
                      "add to it)",
           secure_fix);
    b.skip("TLS-05", "the certificate is matched by fingerprint, not by name (TLS-04)");
    return;
  }
  if (lvl == "dane" || lvl == "dane-only") {
    dnssec(b, "TLS-04", lvl_cite);
    b.pass("TLS-05",
           lvl_cite + ": DANE matches the certificate through DNSSEC-signed TLSA records");
    return;
  }
  // verify, secure
  const auto ca_file = value("smtp_tls_CAfile").value_or("");
  const auto ca_path = value("smtp_tls_CApath").value_or("");
  if (!ca_file.empty()) {
    b.pass("TLS-04", lvl_cite + "; " + cite("smtp_tls_CAfile"));
  } else if (!ca_path.empty()) {
    b.pass("TLS-04", lvl_cite + "; " + cite("smtp_tls_CApath"));
  } else {
    b.warn("TLS-04",
           fmt::format("{}; {}: no trust anchors, so every delivery is deferred",
                       lvl_cite,
                       cite("smtp_tls_CAfile")),
           set(fmt::format("smtp_tls_CAfile={}", k_ca_file)));
  }
  const bool ip = host.find_first_not_of("0123456789.") == std::string::npos
                  || host.find(':') != std::string::npos || host.rfind("ipv6:", 0) == 0;
  if (ip) {
    b.warn("TLS-05",
           cite("relayhost") + ": an IP address: the certificate must name it (iPAddress SAN)",
           set("'relayhost = [smtp.example.org]:587'"));
  } else if (lvl == "verify" && !bracketed) {
    b.warn("TLS-05",
           fmt::format("{}; {}: the name checked comes from an MX lookup in unsigned DNS",
                       cite("relayhost"),
                       lvl_cite),
           set(fmt::format("'relayhost = [{}]:587'", host)));
  } else {
    b.pass("TLS-05",
           fmt::format("{}: the certificate must name {} ({})", cite("relayhost"), host, lvl_cite));
  }
  (void)relay;
}

// DANE only works with DNSSEC lookups (smtp_dns_support_level = dnssec).
void
Judge::dnssec(Board& b, const char* id, const std::string& lvl_cite) const
{
  if (util::to_lower(value("smtp_dns_support_level").value_or("")) == "dnssec") {
    b.pass(id, lvl_cite + "; " + cite("smtp_dns_support_level"));
  } else {
    b.fail(id,
           fmt::format("{}; {}: without DNSSEC lookups Postfix treats dane as may",
                       lvl_cite,
                       cite("smtp_dns_support_level")),
           set("smtp_dns_support_level=dnssec"));
  }
}

void
Judge::next_hops(Board& b,
                 const std::string& lvl,
                 const std::string& relay,
                 const std::string& lvl_cite) const
{
  if (!relay.empty()) {
    b.skip("TLS-10",
           fmt::format("{}: the relayhost decides the later hops; judge its configuration",
                       cite("relayhost")));
  } else if (lvl == "dane" || lvl == "dane-only") {
    dnssec(b, "TLS-10", lvl_cite);
  } else if (tls_required(lvl)) {
    b.pass("TLS-10", lvl_cite + ": TLS required to every next hop");
  } else if (lvl == "none") {
    b.warn("TLS-10",
           lvl_cite + ": no TLS on the way to the recipients' servers",
           set("smtp_tls_security_level=dane smtp_dns_support_level=dnssec")
             + " (DANE, else opportunistic TLS)");
  } else {
    b.warn("TLS-10",
           lvl_cite + ": opportunistic: a man in the middle can strip STARTTLS on the way to "
                      "the recipients' servers",
           set("smtp_tls_security_level=dane smtp_dns_support_level=dnssec") +
             " (DANE); MTA-STS through smtp_tls_policy_maps (e.g. postfix-mta-sts-resolver)");
  }
  const auto maps = value("smtp_tls_policy_maps").value_or("");
  if (!maps.empty()) {
    b.skip("TLS-10",
           cite("smtp_tls_policy_maps") + ": per-destination levels (e.g. MTA-STS) are in "
                                          "that table, which is not read");
  }
}

} // namespace peermail::policy::postfix
