// SPDX-License-Identifier: GPL-3.0-or-later
// Postfix's lookup tables as a parameter names them, its booleans, and the
// defaults used when postconf is not installed.
#include "postfix.hpp"
#include "postfix_syntax.hpp"

#include <cctype>

namespace peermail::foreign {

namespace {

using postfix_syntax::is_space;

// Table types that name a server or other tables, not a file.
bool
is_service_table(std::string_view type)
{
  for (const auto* t : {"socketmap",
                        "tcp",
                        "unix",
                        "inet",
                        "fail",
                        "environ",
                        "randmap",
                        "pipemap",
                        "unionmap",
                        "nis",
                        "nisplus",
                        "netinfo"}) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

} // namespace

std::map<std::string, std::string>
postfix_builtin_defaults()
{
  // `postconf -d` of Postfix 3.7.11 (Debian 12), compatibility_level 3.6.
  return {
    {"compatibility_level",           "0"                   },
    {"debug_peer_list",               ""                    },
    {"maillog_file",                  ""                    },
    {"relayhost",                     ""                    },
    {"smtp_dns_support_level",        ""                    },
    {"smtp_enforce_tls",              "no"                  },
    {"smtp_sasl_auth_enable",         "no"                  },
    {"smtp_sasl_mechanism_filter",    ""                    },
    {"smtp_sasl_password_maps",       ""                    },
    {"smtp_tls_CAfile",               ""                    },
    {"smtp_tls_CApath",               ""                    },
    {"smtp_tls_ciphers",              "medium"              },
    {"smtp_tls_exclude_ciphers",      ""                    },
    {"smtp_tls_loglevel",             "0"                   },
    {"smtp_tls_mandatory_ciphers",    "medium"              },
    {"smtp_tls_mandatory_protocols",  ">=TLSv1"             },
    {"smtp_tls_policy_maps",          ""                    },
    {"smtp_tls_protocols",            ">=TLSv1"             },
    {"smtp_tls_secure_cert_match",    "nexthop, dot-nexthop"},
    {"smtp_tls_security_level",       ""                    },
    {"smtp_tls_verify_cert_match",    "hostname"            },
    {"smtp_tls_wrappermode",          "no"                  },
    {"smtp_use_tls",                  "no"                  },
    {"smtpd_enforce_tls",             "no"                  },
    {"smtpd_sasl_auth_enable",        "no"                  },
    {"smtpd_tls_auth_only",           "no"                  },
    {"smtpd_tls_cert_file",           ""                    },
    {"smtpd_tls_chain_files",         ""                    },
    {"smtpd_tls_ciphers",             "medium"              },
    {"smtpd_tls_exclude_ciphers",     ""                    },
    {"smtpd_tls_loglevel",            "0"                   },
    {"smtpd_tls_mandatory_ciphers",   "medium"              },
    {"smtpd_tls_mandatory_protocols", ">=TLSv1"             },
    {"smtpd_tls_protocols",           ">=TLSv1"             },
    {"smtpd_tls_security_level",      ""                    },
    {"smtpd_tls_wrappermode",         "no"                  },
    {"smtpd_use_tls",                 "no"                  },
    {"syslog_facility",               "mail"                },
  };
}

std::vector<PostfixTable>
postfix_tables(std::string_view maps)
{
  // Tables are separated by commas or blanks outside braces: "inline:{ a=b,
  // c=d }" is one table (and its values may be secrets: never split them).
  std::vector<std::string> specs;
  std::string cur;
  int depth = 0;
  for (const char c : maps) {
    depth += c == '{' ? 1 : (c == '}' && depth > 0 ? -1 : 0);
    if (depth == 0 && (c == ',' || is_space(c))) {
      if (!cur.empty()) {
        specs.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    specs.push_back(cur);
  }
  std::vector<PostfixTable> out;
  for (const auto& f : specs) {
    PostfixTable t;
    t.spec = f;
    std::string_view rest = f;
    if (rest.rfind("proxy:", 0) == 0) {
      rest.remove_prefix(6);
    }
    const auto colon = rest.find(':');
    t.type = std::string(rest.substr(0, colon));
    const std::string path =
      colon == std::string_view::npos ? "" : std::string(rest.substr(colon + 1));
    if (t.type == "inline" || t.type == "static") {
      t.literal = true;
    } else if (!path.empty() && path.front() != '{' && !is_service_table(t.type)) {
      if (t.type == "hash" || t.type == "btree") {
        t.files = {path, path + ".db"};
      } else if (t.type == "lmdb") {
        t.files = {path, path + ".lmdb"};
      } else if (t.type == "cdb") {
        t.files = {path, path + ".cdb"};
      } else if (t.type == "dbm" || t.type == "sdbm") {
        t.files = {path, path + ".dir", path + ".pag"};
      } else {
        t.files = {
          path}; // texthash, cidr, pcre, regexp, or a client's configuration (ldap:, mysql:, …)
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool
postfix_bool(std::string_view value)
{
  return value.size() == 3 && std::tolower(static_cast<unsigned char>(value[0])) == 'y'
         && std::tolower(static_cast<unsigned char>(value[1])) == 'e'
         && std::tolower(static_cast<unsigned char>(value[2])) == 's';
}

} // namespace peermail::foreign
