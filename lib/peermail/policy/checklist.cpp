// SPDX-License-Identifier: GPL-3.0-or-later
#include "checklist.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>

namespace peermail::policy {

namespace {

constexpr std::string_view k_tls = "Transport (TLS)";
constexpr std::string_view k_e2e = "End-to-end encryption (E2E)";
constexpr std::string_view k_sig = "Signing and integrity (SIG)";
constexpr std::string_view k_key = "Keys (KEY)";
constexpr std::string_view k_auth = "Authentication and secrets (AUTH)";
constexpr std::string_view k_aud = "Audit logging (AUD)";
constexpr std::string_view k_cfg = "Configuration and governance (CFG)";

} // namespace

const std::vector<ChecklistItem>&
checklist()
{
  using L = Level;
  static const std::vector<ChecklistItem> k_items = {
    {"TLS-01",
     k_tls,             "TLS before any credentials or data (implicit TLS or required STARTTLS)",
     L::required,
     "45 CFR 164.312(e)(1); RFC 8314 §3.3, §5.2; RFC 3207 §4"                                                                                           },
    {"TLS-02",  k_tls,  "TLS 1.2 or newer",                                                       L::required, "NIST SP 800-52r2 §4.1; RFC 8996; RFC 8997"},
    {"TLS-03",
     k_tls,             "Strong cipher suites only",
     L::required,
     "NIST SP 800-52r2 §3.3.1, §4.3; RFC 8446 App. D.5"                                                                                                  },
    {"TLS-04",
     k_tls,             "Server certificate validated to a trust anchor",
     L::required,
     "NIST SP 800-52r2 §4.5; RFC 8314 §5.3, §5.4"                                                                                                       },
    {"TLS-05",
     k_tls,             "Server identity matches the configured host",
     L::required,
     "RFC 7817 §3; RFC 9525; RFC 8314 §5.1; NIST SP 800-52r2 §4.4"                                                                                      },
    {"TLS-06",
     k_tls,             "Server certificate revocation checked",
     L::required,
     "NIST SP 800-52r2 §4.2.2, §4.4"                                                                                                                     },
    {"TLS-07",
     k_tls,             "Server certificate strong and well formed",
     L::required,
     "NIST SP 800-52r2 §3.2, §4.5.3; NIST SP 800-131A r2"                                                                                                },
    {"TLS-08",
     k_tls,             "Handshake hygiene (SNI, EMS, no compression, no 0-RTT)",
     L::required,
     "NIST SP 800-52r2 §4.4"                                                                                                                              },
    {"TLS-09",
     k_tls,             "STARTTLS stripping and injection resisted",
     L::required,
     "RFC 3207 §4.1, §4.2, §6; RFC 8314 §5.2"                                                                                                          },
    {"TLS-10",
     k_tls,             "Later hops protected (REQUIRETLS, MTA-STS, DANE)",
     L::recommended,
     "RFC 8689; RFC 8461; RFC 7672; RFC 8460; NIST SP 800-177r1 §5"                                                                                       },
    {"E2E-01",
     k_e2e,             "Every message encrypted end to end to every recipient",
     L::addressable,
     "45 CFR 164.312(e)(2)(ii), (a)(2)(iv); HHS Breach guidance; NIST SP 800-177r1 §5"                                                                    },
    {"E2E-02",
     k_e2e,             "AES content encryption, no legacy ciphers",
     L::required,
     "NIST SP 800-131A r2; NIST SP 800-57 Pt 1 r5 Table 2; RFC 9580"                                                                                       },
    {"E2E-03",
     k_e2e,             "Strong key establishment (RSA >= 2048, ECDH P-256/P-384/X25519)",
     L::recommended,
     "NIST SP 800-131A r2; NIST SP 800-56B r2; RFC 8551 §2.3"                                                                                             },
    {"E2E-04",
     k_e2e,             "Recipient keys authentic and bound to the address",
     L::required,
     "45 CFR 164.312(d), (e)(1); RFC 8550; GPGME manual (ALWAYS_TRUST)"                                                                                    },
    {"E2E-05",
     k_e2e,             "Only encrypted copies kept (encrypt-to-self or archive key)",
     L::addressable,
     "HHS Breach guidance; NIST SP 800-111; 45 CFR 164.312(a)(2)(iv)"                                                                                      },
    {"E2E-06",
     k_e2e,             "No PHI in unencrypted headers (protected subject)",
     L::required,
     "45 CFR 164.502(b), 164.514(d); RFC 9788"                                                                                                             },
    {"E2E-07",
     k_e2e,             "Direct Secure Messaging profile",
     L::conditional,
     "ONC Applicability Statement for Secure Health Transport v1.2"                                                                                        },
    {"SIG-01",
     k_sig,             "Every message signed by the sender's own key",
     L::addressable,
     "45 CFR 164.312(c)(1), (c)(2), (e)(2)(i); NIST SP 800-177r1 §5"                                                                                      },
    {"SIG-02",
     k_sig,             "SHA-256 or stronger signature hashes",
     L::required,
     "NIST SP 800-131A r2 §9; 45 CFR 170.210(c)(2); RFC 9580"                                                                                             },
    {"SIG-03",
     k_sig,             "Sign then encrypt; own output verified",
     L::recommended,
     "RFC 3156 §6; RFC 8551 §3; 45 CFR 164.312(c)(1)"                                                                                                    },
    {"SIG-04",
     k_sig,             "Integrity evidence kept (content SHA-256, Message-ID)",
     L::addressable,
     "45 CFR 164.312(c)(2), 164.312(b); 45 CFR 170.315(d)(8)"                                                                                              },
    {"KEY-01",
     k_key,             "Keys give at least 112-bit security",
     L::required,
     "NIST SP 800-57 Pt 1 r5 §5.6; NIST SP 800-131A r2; NIST IR 8547"                                                                                     },
    {"KEY-02",
     k_key,             "Keys have a finite validity and are not expired",
     L::recommended,
     "NIST SP 800-57 Pt 1 r5 §5.3"                                                                                                                        },
    {"KEY-03",
     k_key,             "Keys not revoked, invalid or disabled",
     L::required,
     "NIST SP 800-57 Pt 1 r5 §5.5; RFC 5280; RFC 8550"                                                                                                    },
    {"KEY-04",
     k_key,             "Separate signing and encryption (sub)keys",
     L::recommended,
     "NIST SP 800-57 Pt 1 r5 §5.2; RFC 9580 (key flags)"                                                                                                  },
    {"KEY-05",
     k_key,             "Private keys protected (passphrase, owner-only keyring)",
     L::required,
     "45 CFR 164.312(a)(1); NIST SP 800-57 Pt 1 r5 §6; NIST SP 800-53r5 IA-5(6)"                                                                          },
    {"AUTH-01",
     k_auth,            "Unique submission identity per operator",
     L::required,
     "45 CFR 164.312(a)(2)(i), 164.312(d); RFC 6409 §4.3"                                                                                                 },
    {"AUTH-02",
     k_auth,            "No credentials before TLS",
     L::required,
     "RFC 4954 §4; RFC 8314 §5.1, §5.2"                                                                                                                 },
    {"AUTH-03",
     k_auth,            "Strong authentication mechanism",
     L::recommended,
     "RFC 7677; RFC 7628; 45 CFR 164.308(a)(5)(ii)(D); HIPAA NPRM 2025"                                                                                    },
    {"AUTH-04",
     k_auth,            "No plaintext secrets in config files",
     L::required,
     "NIST SP 800-53r5 IA-5(7), IA-5(6); 45 CFR 164.312(a)(1)"                                                                                             },
    {"AUTH-05",
     k_auth,            "Owner-only permissions on config, secrets, keyring, logs",
     L::required,
     "45 CFR 164.312(a)(1), 164.308(a)(4); NIST SP 800-53r5 IA-5(6)"                                                                                       },
    {"AUTH-06",
     k_auth,            "Automatic logoff (bounded sessions and passphrase caching)",
     L::addressable,
     "45 CFR 164.312(a)(2)(iii)"                                                                                                                           },
    {"AUTH-07", k_auth, "Emergency access procedure",                                             L::required, "45 CFR 164.312(a)(2)(ii)"                  },
    {"AUD-01",
     k_aud,             "One structured audit record per send attempt",
     L::required,
     "45 CFR 164.312(b), 164.308(a)(1)(ii)(D); 45 CFR 170.315(d)(2)"                                                                                       },
    {"AUD-02",
     k_aud,             "No PHI in logs",
     L::required,
     "45 CFR 164.502(b), 164.514(d), 164.312(b); NIST SP 800-92"                                                                                           },
    {"AUD-03",
     k_aud,             "Tamper-evident audit log",
     L::recommended,
     "45 CFR 164.312(c)(1), (c)(2), (b); 45 CFR 170.315(d)(2)(iv)-(v)"                                                                                     },
    {"AUD-04",
     k_aud,             "Logging on by default; security events recorded",
     L::required,
     "45 CFR 170.315(d)(2)(ii)-(iii); 45 CFR 164.308(a)(5)(ii)(C), (a)(6)(ii)"                                                                             },
    {"AUD-05",
     k_aud,             "Records retained for at least 6 years",
     L::required,
     "45 CFR 164.316(b)(2)(i)-(iii), 164.530(j)(2)"                                                                                                        },
    {"AUD-06",
     k_aud,             "Logs protected at rest; clock synchronised",
     L::recommended,
     "45 CFR 164.312(a)(1), (a)(2)(iv); NIST SP 800-111; 45 CFR 170.210(g)"                                                                                },
    {"CFG-01",
     k_cfg,             "Business Associate Agreement with the mail provider",
     L::required,
     "45 CFR 164.308(b)(1), (b)(3), 164.314(a), 164.502(e); HHS Cloud guidance (2016)"                                                                     },
    {"CFG-02",
     k_cfg,             "Minimum necessary; verified recipients only",
     L::required,
     "45 CFR 164.502(b), 164.514(d), 164.530(c)"                                                                                                           },
    {"CFG-03",
     k_cfg,             "Current risk analysis (reviewed yearly)",
     L::required,
     "45 CFR 164.306(d)(3), 164.308(a)(1)(ii)(A)-(B), 164.316; HIPAA NPRM 2025"                                                                            },
    {"CFG-04",
     k_cfg,             "Fail closed; no permanent overrides",
     L::required,
     "45 CFR 164.312(e)(1); RFC 3207 §6; RFC 8314 §5.2; NIST SP 800-52r2 §4.5"                                                                          },
    {"CFG-05",
     k_cfg,             "Plaintext to a patient only on documented request",
     L::conditional,
     "45 CFR 164.524; HHS Right of Access guidance; 78 FR 5566"                                                                                            },
    {"CFG-06",
     k_cfg,             "Current, supported crypto stack",
     L::recommended,
     "HHS Breach guidance; NIST SP 800-52r2 (FIPS 140 modules)"                                                                                            },
  };
  return k_items;
}

const ChecklistItem*
find_item(std::string_view id)
{
  const auto& items = checklist();
  auto it = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.id == id; });
  return it == items.end() ? nullptr : &*it;
}

void
merge_findings(std::vector<Finding>& findings, const std::vector<Finding>& probe)
{
  for (const auto& p : probe) {
    for (auto& f : findings) {
      if (f.id == p.id) {
        f = p;
      }
    }
  }
}

bool
any_fail(const std::vector<Finding>& findings)
{
  return std::any_of(
    findings.begin(), findings.end(), [](const auto& f) { return f.status == Status::fail; });
}

Result<void>
require_no_fail(const std::vector<Finding>& findings)
{
  std::vector<std::string> ids;
  const Finding* first = nullptr;
  for (const auto& f : findings) {
    if (f.status == Status::fail) {
      ids.push_back(f.id);
      first = first == nullptr ? &f : first;
    }
  }
  if (first == nullptr) {
    return {};
  }
  const std::string what = ids.size() == 1
                             ? fmt::format("checklist item {} ({}) fails", first->id, first->title)
                             : fmt::format("{} checklist items fail ({}); {} ({})",
                                           ids.size(),
                                           fmt::join(ids, ", "),
                                           first->id,
                                           first->title);
  return fail(Errc::config,
              fmt::format("{}: {}; nothing was sent (`peermail check` shows every item)",
                          what,
                          first->evidence),
              first->id,
              first->fix);
}

} // namespace peermail::policy
