// SPDX-License-Identifier: GPL-3.0-or-later
// The Postfix SMTP client's SASL login (AUTH-02, AUTH-03) and where its
// passwords are kept (AUTH-04).
#include "postfix_judge.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::policy::postfix {

namespace {

// Table types whose entries sit in a local file, readable by whoever can
// read that file (pcre, regexp and cidr tables are plain text too).
bool
local_file_table(std::string_view type)
{
  for (const auto* t : {"hash",
                        "btree",
                        "lmdb",
                        "cdb",
                        "dbm",
                        "sdbm",
                        "texthash",
                        "pcre",
                        "regexp",
                        "cidr",
                        "sqlite"}) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

// Table types that ask a server; nested tables (unionmap, pipemap) and
// unknown types are neither this nor local files: not judged.
bool
lookup_service_table(std::string_view type)
{
  for (const auto* t : {"socketmap", "tcp", "ldap", "mysql", "pgsql", "memcache"}) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

} // namespace

void
Judge::client_auth(Board& b) const
{
  const auto enabled = value("smtp_sasl_auth_enable");
  if (!enabled || !foreign::postfix_bool(*enabled)) {
    for (const char* id : {"AUTH-02", "AUTH-03", "AUTH-04"}) {
      b.skip(id, fmt::format("{}: the client does not log in", cite("smtp_sasl_auth_enable")));
    }
    return;
  }
  const auto lvl = level("smtp").value_or("none");
  if (tls_required(lvl)) {
    b.pass("AUTH-02",
           fmt::format("{}; {}: the client logs in only inside TLS",
                       cite("smtp_sasl_auth_enable"),
                       cite("smtp_tls_security_level")));
  } else {
    b.fail("AUTH-02",
           fmt::format("{}; {}: the password can be sent without TLS",
                       cite("smtp_sasl_auth_enable"),
                       cite("smtp_tls_security_level")),
           set(fmt::format("smtp_tls_security_level=secure smtp_tls_CAfile={}", k_ca_file)));
  }
  const auto filter = util::to_lower(value("smtp_sasl_mechanism_filter").value_or(""));
  if (filter.find("cram-md5") != std::string::npos || filter.find("digest-md5") != std::string::npos
      || filter.find("ntlm") != std::string::npos) {
    b.fail("AUTH-03",
           cite("smtp_sasl_mechanism_filter") + ": a weak challenge-response method",
           set("'smtp_sasl_mechanism_filter = scram-sha-256, plain'"));
  } else if (!filter.empty()) {
    b.pass("AUTH-03", cite("smtp_sasl_mechanism_filter"));
  } else {
    b.skip("AUTH-03",
           cite("smtp_sasl_mechanism_filter") + ": the method is chosen with the server; judge "
                                                "it with peermail check --probe");
  }
  const auto maps = value("smtp_sasl_password_maps").value_or("");
  if (maps.empty()) {
    b.skip("AUTH-04", cite("smtp_sasl_password_maps") + ": no passwords configured");
    return;
  }
  for (const auto& t : foreign::postfix_tables(maps)) {
    if (t.literal) {
      b.fail("AUTH-04",
             fmt::format("{}: {}: the password is written in main.cf itself",
                         cite_name("smtp_sasl_password_maps"),
                         t.type),
             "move the credentials out of main.cf: hash:/etc/postfix/sasl_passwd (mode 0600), "
             "or a lookup service (socketmap:, ldap:)");
    } else if (local_file_table(t.type)) {
      b.fail("AUTH-04",
             fmt::format("{}: {} holds the passwords in clear text (Postfix has no keyring)",
                         cite_name("smtp_sasl_password_maps"),
                         t.spec),
             "log in with a client certificate (smtp_tls_cert_file) or read the credentials "
             "from a secret service (socketmap:, ldap:); at the least keep the table mode 0600, "
             "owned by root");
    } else if (lookup_service_table(t.type)) {
      b.pass("AUTH-04",
             fmt::format("{}: {}: the passwords come from a lookup service",
                         cite_name("smtp_sasl_password_maps"),
                         t.spec));
    } else {
      b.skip("AUTH-04",
             fmt::format("{}: {}: not judged: a table type whose storage this reader does "
                         "not know",
                         cite_name("smtp_sasl_password_maps"),
                         t.spec));
    }
  }
}

} // namespace peermail::policy::postfix
