// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys_report.hpp"

#include <peermail/crypto/key_judge.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <iostream>

namespace peermail::cli {

namespace {

std::string
usage_of(const crypto::SubkeyFacts& s)
{
  std::string u;
  if (s.can_sign) {
    u += "sign,";
  }
  if (s.can_encrypt) {
    u += "encrypt,";
  }
  if (s.can_certify) {
    u += "certify,";
  }
  if (!u.empty()) {
    u.pop_back();
  }
  return u;
}

std::string
state_of(const crypto::SubkeyFacts& s)
{
  if (s.revoked) {
    return "revoked";
  }
  if (s.expired) {
    return "expired";
  }
  if (s.disabled) {
    return "disabled";
  }
  if (s.invalid) {
    return "invalid";
  }
  return "usable";
}

} // namespace

nlohmann::json
key_json(const crypto::KeyFacts& k, bool secret)
{
  nlohmann::json j;
  j["protocol"] = "OpenPGP";
  j["fingerprint"] = k.fingerprint;
  j["secret"] = secret;
  j["revoked"] = k.revoked;
  j["expired"] = k.expired;
  j["disabled"] = k.disabled;
  j["invalid"] = k.invalid;
  j["uids"] = nlohmann::json::array();
  for (const auto& u : k.uids) {
    j["uids"].push_back({
      {"uid",      u.uid                            },
      {"email",    u.address                        },
      {"validity", crypto::validity_name(u.validity)},
      {"revoked",  u.revoked                        }
    });
  }
  j["subkeys"] = nlohmann::json::array();
  for (const auto& s : k.subkeys) {
    j["subkeys"].push_back({
      {"fingerprint", s.fingerprint                                                         },
      {"algo",        s.algo                                                                },
      {"length",      s.length                                                              },
      {"usage",       usage_of(s)                                                           },
      {"state",       state_of(s)                                                           },
      {"created",     crypto::format_date(s.created)                                        },
      {"expires",     s.expires == 0 ? std::string("never") : crypto::format_date(s.expires)},
      {"secret",      s.secret                                                              }
    });
  }
  return j;
}

void
print_key_text(const crypto::KeyFacts& k, bool secret)
{
  std::cout << fmt::format("{}  {}{}\n",
                           secret ? "sec" : "pub",
                           k.fingerprint,
                           k.revoked   ? "  [revoked]"
                           : k.expired ? "  [expired]"
                                       : "");
  for (const auto& u : k.uids) {
    std::cout << fmt::format("     uid  {:<9} {}{}\n",
                             crypto::validity_name(u.validity),
                             util::terminal_safe(u.uid),
                             u.revoked ? "  [revoked]" : "");
  }
  for (const auto& s : k.subkeys) {
    std::cout << fmt::format("     {}  {:<8} {}  {:<14} created {}  expires {}{}\n",
                             &s == &k.subkeys.front() ? "key" : "sub",
                             s.algo,
                             s.fingerprint,
                             usage_of(s),
                             crypto::format_date(s.created),
                             s.expires == 0 ? std::string("never") : crypto::format_date(s.expires),
                             state_of(s) == "usable" ? "" : "  [" + state_of(s) + "]");
  }
  std::cout << "\n";
}

nlohmann::json
x509_json(const crypto::X509Summary& c)
{
  return {
    {"protocol",      "S/MIME"       },
    {"fingerprint",   c.sha1         },
    {"sha256",        c.sha256       },
    {"subject",       c.subject      },
    {"issuer",        c.issuer       },
    {"addresses",     c.addresses    },
    {"not_before",    c.not_before   },
    {"not_after",     c.not_after    },
    {"expired",       c.expired      },
    {"ca",            c.ca           },
    {"secret",        c.secret       },
    {"usage_problem", c.usage_problem},
    {"weak_key",      c.weak_key     }
  };
}

void
print_x509_text(const crypto::X509Summary& c)
{
  std::cout << fmt::format("{}  {}  protocol: S/MIME{}{}\n",
                           c.secret ? "sec" : "crt",
                           c.sha1,
                           c.ca ? "  [CA]" : "",
                           c.expired ? "  [expired]" : "");
  std::cout << fmt::format("     sha256   {}\n", c.sha256);
  std::cout << fmt::format("     subject  {}\n", util::terminal_safe(c.subject));
  std::cout << fmt::format("     issuer   {}\n", util::terminal_safe(c.issuer));
  for (const auto& a : c.addresses) {
    std::cout << fmt::format("     address  {}\n", util::terminal_safe(a));
  }
  std::cout << fmt::format("     valid    {} to {}\n", c.not_before, c.not_after);
  std::cout << fmt::format("     secret   {}\n", c.secret ? "yes (in gpg-agent)" : "no");
  if (!c.usage_problem.empty()) {
    std::cout << fmt::format("     warning: {}\n", c.usage_problem);
  }
  if (!c.weak_key.empty()) {
    std::cout << fmt::format("     warning: {} [KEY-01]\n", c.weak_key);
  }
  std::cout << "\n";
}

} // namespace peermail::cli
