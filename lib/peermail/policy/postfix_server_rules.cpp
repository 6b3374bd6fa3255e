// SPDX-License-Identifier: GPL-3.0-or-later
// The Postfix SMTP server: the submission (587) and submissions (465)
// services in master.cf (TLS-01, TLS-02, TLS-03, AUTH-02) and AUTH on port 25.
#include "postfix_judge.hpp"

#include <fmt/core.h>

namespace peermail::policy::postfix {

void
Judge::servers(Board& b) const
{
  bool any = false;
  for (const auto& s : m_c.services) {
    if (s.command != "smtpd" || s.type != "inet") {
      continue;
    }
    const auto port = s.port();
    if (port == "submission" || port == "587") {
      any = true;
      submission(b, s, false);
    } else if (port == "submissions" || port == "smtps" || port == "465") {
      any = true;
      submission(b, s, true);
    } else if (port == "smtp" || port == "25") {
      mx_auth(b, s);
    }
  }
  if (!any && value("relayhost").value_or("").empty()) {
    b.skip("TLS-01",
           fmt::format("{}/master.cf: no submission or submissions service: this Postfix takes "
                       "no mail from mail programs over the network",
                       m_f.dir));
  }
}

void
Judge::submission(Board& b, const PostfixService& s, bool implicit) const
{
  const auto lvl = level("smtpd", &s);
  if (!lvl) {
    b.skip("TLS-01", problem("smtpd_tls_security_level", &s));
    return;
  }
  const bool wrapper = foreign::postfix_bool(value("smtpd_tls_wrappermode", &s).value_or(""));
  if (implicit) {
    if (wrapper) {
      b.pass("TLS-01", cite("smtpd_tls_wrappermode", &s) + ": implicit TLS");
    } else {
      b.fail("TLS-01",
             cite("smtpd_tls_wrappermode", &s) + ": the port for implicit TLS speaks clear text",
             set_in(s, "smtpd_tls_wrappermode", "yes"));
    }
  } else if (*lvl == "encrypt") {
    b.pass("TLS-01", cite("smtpd_tls_security_level", &s) + ": STARTTLS required on submission");
  } else {
    b.fail("TLS-01",
           cite("smtpd_tls_security_level", &s) + ": mail programs may submit in clear text",
           set_in(s, "smtpd_tls_security_level", "encrypt"));
  }
  const auto cert = value("smtpd_tls_cert_file", &s).value_or("");
  const auto chain = value("smtpd_tls_chain_files", &s).value_or("");
  if (cert.empty() && chain.empty()) {
    b.fail("TLS-01",
           fmt::format("{}; {}: no server certificate, so TLS cannot start",
                       service_cite(s),
                       cite("smtpd_tls_chain_files", &s)),
           set("'smtpd_tls_chain_files = /etc/postfix/key-and-chain.pem'"));
  }
  const bool mandatory = *lvl == "encrypt";
  if (*lvl == "none" && !(implicit && wrapper)) {
    for (const char* id : {"TLS-02", "TLS-03"}) {
      b.skip(id, cite("smtpd_tls_security_level", &s) + ": no TLS on this service");
    }
  } else {
    server_tls(b, s, mandatory);
  }
  submission_auth(b, s, implicit, wrapper, mandatory);
}

void
Judge::server_tls(Board& b, const PostfixService& s, bool mandatory) const
{
  const auto pname = mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
  protocols(b, pname, &s, Side::server, set_in(s, pname, ">=TLSv1.2"));
  const auto cname = mandatory ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers";
  ciphers(b, cname, &s, set_in(s, cname, "high"));
}

void
Judge::submission_auth(
  Board& b, const PostfixService& s, bool implicit, bool wrapper, bool mandatory) const
{
  const bool sasl = foreign::postfix_bool(value("smtpd_sasl_auth_enable", &s).value_or(""));
  if (!sasl) {
    b.skip("AUTH-02", cite("smtpd_sasl_auth_enable", &s) + ": no login on this service");
  } else if (implicit && wrapper) {
    b.pass("AUTH-02", service_cite(s) + ": AUTH only inside implicit TLS");
  } else if (mandatory || foreign::postfix_bool(value("smtpd_tls_auth_only", &s).value_or(""))) {
    b.pass("AUTH-02",
           (mandatory ? cite("smtpd_tls_security_level", &s) : cite("smtpd_tls_auth_only", &s))
             + ": AUTH only after STARTTLS");
  } else {
    b.fail("AUTH-02",
           cite("smtpd_tls_auth_only", &s) + ": AUTH is offered before TLS",
           set_in(s, "smtpd_tls_auth_only", "yes"));
  }
}

// Port 25 takes mail from other servers with optional TLS (RFC 3207);
// only a login offered there before TLS is judged.
void
Judge::mx_auth(Board& b, const PostfixService& s) const
{
  if (!foreign::postfix_bool(value("smtpd_sasl_auth_enable", &s).value_or(""))) {
    return;
  }
  const auto lvl = level("smtpd", &s).value_or("none");
  if (lvl == "encrypt" || foreign::postfix_bool(value("smtpd_tls_auth_only", &s).value_or(""))) {
    b.pass("AUTH-02", service_cite(s) + ": AUTH only after STARTTLS");
  } else {
    b.fail("AUTH-02",
           fmt::format("{}; {}: AUTH is offered before TLS on port 25",
                       cite("smtpd_sasl_auth_enable", &s),
                       cite("smtpd_tls_auth_only", &s)),
           set("smtpd_tls_auth_only=yes"));
  }
}

} // namespace peermail::policy::postfix
