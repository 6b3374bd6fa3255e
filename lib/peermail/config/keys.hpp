// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The key tables of the config file: which keys each section has, and the
// keys other mail tools use to weaken security (refused with their rule).
// Internal to config/.

#include <span>
#include <string_view>

namespace peermail::config {

struct Key
{
  std::string_view name;
  enum class Type { string, integer, boolean, date_table } type;
};

inline constexpr Key k_identity_keys[] = {
  {"from",               Key::Type::string },
  {"user_id",            Key::Type::string },
  {"signing_key",        Key::Type::string },
  {"passphrase_command", Key::Type::string },
  {"rewrite_from",       Key::Type::boolean},
  {"smime_cert",         Key::Type::string },
};
inline constexpr Key k_account_keys[] = {
  {"host",                 Key::Type::string },
  {"port",                 Key::Type::integer},
  {"tls",                  Key::Type::string },
  {"min_tls",              Key::Type::string },
  {"ca_file",              Key::Type::string },
  {"pin_sha256",           Key::Type::string },
  {"username",             Key::Type::string },
  {"password_command",     Key::Type::string },
  {"password_env",         Key::Type::string },
  {"oauth2_token_command", Key::Type::string },
  {"timeout_s",            Key::Type::integer},
  {"data_timeout_s",       Key::Type::integer},
  {"helo",                 Key::Type::string },
};
inline constexpr Key k_policy_keys[] = {
  {"encrypt_to_self",     Key::Type::boolean},
  {"archive_key",         Key::Type::string },
  {"protect_subject",     Key::Type::boolean},
  {"min_rsa_bits",        Key::Type::integer},
  {"expiry_warning_days", Key::Type::integer},
};
inline constexpr Key k_peer_keys[] = {
  {"address",     Key::Type::string},
  {"fingerprint", Key::Type::string},
  {"protocol",    Key::Type::string},
};
inline constexpr Key k_audit_keys[] = {
  {"path",           Key::Type::string },
  {"retention_days", Key::Type::integer},
  {"seal_key",       Key::Type::string },
};
inline constexpr Key k_smime_keys[] = {
  {"anchors",    Key::Type::string},
  {"revocation", Key::Type::string},
};
inline constexpr Key k_compliance_keys[] = {
  {"baa",              Key::Type::date_table},
  {"risk_analysis",    Key::Type::date_table},
  {"emergency_access", Key::Type::date_table},
};
// Keys whose value is one word of a fixed list. One rule for all of them
// (Parser::normalise_enums): matched without regard to case and kept in
// lower case; a word close to one of them is refused with "did you mean".
// Any other word is left to the section, which refuses a weakening value
// (tls = "none") with its checklist rule.
struct EnumKey
{
  std::string_view name;
  std::span<const std::string_view> values;
};
inline constexpr std::string_view k_tls_modes[] = {"implicit", "starttls"};
inline constexpr EnumKey k_account_enums[] = {
  {"tls", k_tls_modes},
};
inline constexpr std::string_view k_peer_protocols[] = {"openpgp", "smime"};
inline constexpr EnumKey k_peer_enums[] = {
  {"protocol", k_peer_protocols},
};

inline constexpr std::string_view k_top_level[] = {
  "identity", "account", "policy", "peer", "audit", "smime", "compliance"};
inline constexpr std::string_view k_attestation_keys[] = {
  "provider", "reference", "date", "expires"};

// Keys that exist in other mail tools to weaken security. They are refused as
// non-compliant (exit 78), not merely as unknown, so the message says why.
struct Weakening
{
  std::string_view key;
  std::string_view check_id;
  std::string_view problem;
  std::string_view fix;
};
inline constexpr Weakening k_weakening[] = {
  {"password",
   "AUTH-04",                   "a literal password must not be stored in the config",
   "remove it and set password_command (e.g. \"pass show smtp\") or password_env"                                                 },
  {"pass",
   "AUTH-04",                   "a literal password must not be stored in the config",
   "remove it and set password_command or password_env"                                                                           },
  {"secret",
   "AUTH-04",                   "a literal secret must not be stored in the config",
   "remove it and set password_command or password_env"                                                                           },
  {"token",
   "AUTH-04",                   "a literal token must not be stored in the config",
   "remove it and set oauth2_token_command"                                                                                       },
  {"oauth2_token",
   "AUTH-04",                   "a literal token must not be stored in the config",
   "remove it and set oauth2_token_command"                                                                                       },
  {"passphrase",
   "AUTH-04",                   "a literal passphrase must not be stored in the config",
   "remove it; set identity.passphrase_command, or let gpg-agent ask for it"                                                      },
  {"insecure",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; point ca_file at the CA that signed the server certificate"                                                   },
  {"verify",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"verify_peer",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; point ca_file at the CA that signed the server certificate"                                                   },
  {"verify_host",
   "TLS-05",                    "hostname verification cannot be turned off",
   "remove the key; set host to a name in the server certificate"                                                                 },
  {"verify_hostname",
   "TLS-05",                    "hostname verification cannot be turned off",
   "remove the key; set host to a name in the server certificate"                                                                 },
  {"tls_verify",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"tls_certcheck",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"tls_nocertcheck",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"skip_verify",
   "TLS-04",                    "certificate verification cannot be turned off",
   "remove the key; verification is always on"                                                                                    },
  {"allow_plaintext",
   "TLS-01",                    "plaintext submission is never allowed",
   "remove the key; use tls = \"implicit\" (port 465) or \"starttls\" (port 587)"                                                 },
  {"allow_insecure",  "CFG-04", "insecure overrides cannot be set in the config",        "remove the key"                         },
  {"always_trust",
   "E2E-04",                    "\"always trust\" would encrypt to unverified keys",
   "remove the key; pin the peer's fingerprint in a [[peer]] entry"                                                               },
  {"trust_model",
   "E2E-04",                    "the trust model cannot be weakened",
   "remove the key; pin the peer's fingerprint in a [[peer]] entry"                                                               },
  {"encrypt",
   "E2E-01",                    "end-to-end encryption cannot be turned off",
   "remove the key; every message is encrypted"                                                                                   },
  {"sign",            "SIG-01", "signing cannot be turned off",                          "remove the key; every message is signed"},
  {"enabled",
   "AUD-04",                    "the audit log cannot be turned off",
   "remove the key; the audit log is always on"                                                                                   },
};

} // namespace peermail::config
