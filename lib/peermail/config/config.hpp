// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace peermail::config {

// How the submission connection gets TLS. There is no "none" or "try".
enum class TlsMode { implicit, starttls };
enum class TlsVersion { v1_2, v1_3 };

std::string_view to_string(TlsMode mode);
std::string_view to_string(TlsVersion version);

// Where a key was set: a file position, or an environment variable / flag.
struct SourcePos
{
  std::string file; // config path, or "$PEERMAIL_HOST", or "--account"
  int line = 0;     // 0 when not from the file
  int column = 0;
};

struct Identity
{
  std::string from;         // as written: "Dr. Ana Ruiz <ana.ruiz@clinic.example>"
  std::string display_name; // "Dr. Ana Ruiz"
  std::string address;      // "ana.ruiz@clinic.example" (lower-cased domain)
  std::string user_id;      // recorded in the audit log
  std::string signing_key;  // full fingerprint, upper case
  // S/MIME: the fingerprint of the user's own X.509 certificate (its secret
  // key in gpgsm), used to sign mail to S/MIME peers; "" = none.
  std::string smime_cert;
  // Unattended signing: a command whose first output line is the signing
  // key's passphrase, fed to GnuPG's loopback pinentry (never logged).
  std::string passphrase_command;
  // sendmail: replace a From that is not the identity (cron's "root (Cron
  // Daemon)") by the identity, keeping the original as X-Original-From.
  bool rewrite_from = false;
};

// The fix wherever S/MIME peers meet an unset identity.smime_cert (send's
// refusal, check's SIG-01).
inline constexpr std::string_view k_smime_cert_fix =
  "import your certificate and key (peermail keys import FILE.p12) and set [identity] "
  "smime_cert to the fingerprint it prints";

struct Account
{
  std::string name = "default";
  std::string host;
  int port = 465;
  TlsMode tls = TlsMode::implicit;
  TlsVersion min_tls = TlsVersion::v1_2;
  std::string ca_file;    // empty: system store
  std::string pin_sha256; // base64 SPKI hash; in addition to validation
  std::string username;
  std::string password_command;
  std::string password_env;
  std::string oauth2_token_command;
  int timeout_s = 30;
  // The wait for the reply to the final "." of DATA (RFC 5321 §4.5.3.2.6:
  // 10 minutes). A timeout there leaves the outcome unknown.
  int data_timeout_s = 600;
  // The name given in EHLO (RFC 5321 §4.1.1.1); "" = the host's fully
  // qualified name (transport/helo.hpp).
  std::string helo;
};

// Whether `name` may be sent in EHLO (RFC 5321 §4.1.3, §4.1.1.1): a host
// name (LDH labels of 1-63 octets, at most 253 octets) or an address
// literal ("[192.0.2.1]", "[IPv6:2001:db8::1]"). No CR, LF or space.
bool is_helo_name(const std::string& name);

struct PolicySettings
{
  bool encrypt_to_self = true;
  std::string archive_key;
  bool protect_subject = true;
  int min_rsa_bits = 3072;
  int expiry_warning_days = 30;
};

// How a peer reads mail: OpenPGP (PGP/MIME, RFC 3156) or S/MIME (RFC 8551,
// an X.509 certificate).
enum class PeerProtocol { openpgp, smime };

std::string_view to_string(PeerProtocol protocol);

struct Peer
{
  std::string address;     // lower case
  std::string fingerprint; // upper case, no spaces: the OpenPGP key's, or
                           // for S/MIME the certificate's (SHA-1 as gpgsm
                           // names it, 40 digits, or SHA-256, 64 digits)
  PeerProtocol protocol = PeerProtocol::openpgp;
};

struct AuditSettings
{
  std::string path; // "~" already expanded
  int retention_days = 2192;
  // [audit] seal_key: full fingerprint of the OpenPGP key that seals the
  // chain head (audit/seal.hpp); "" = no seals (AUD-03 warns).
  std::string seal_key;
};

// [smime]: how `verify` judges S/MIME (DESIGN.md §6).
struct SmimeSettings
{
  // A PEM bundle of trust anchors (root CA certificates), "~" expanded;
  // "" = none: no S/MIME signature is trusted.
  std::string anchors;
  // revocation = "offline": a certificate whose revocation status dirmngr
  // cannot give is judged by its chain alone, with a warning. Default
  // "check": such a certificate is not trusted (KEY-03).
  bool revocation_offline = false;
};

struct Date
{
  int year = 0;
  int month = 0;
  int day = 0;
  // Days since 1970-01-01.
  long days_since_epoch() const;
  std::string to_string() const;
};

// An attestation the tool cannot measure (BAA, risk analysis, emergency access).
struct Attestation
{
  std::string provider;
  std::string reference;
  std::optional<Date> date;    // effective/performed date
  std::optional<Date> expires; // for a BAA
};

struct Compliance
{
  std::optional<Attestation> baa;
  std::optional<Attestation> risk_analysis;
  std::optional<Attestation> emergency_access;
};

// A setting that parses but is not compliant. `load()` refuses the first one
// (Errc::insecure_config); `check` reports each as a FAIL finding.
struct Violation
{
  std::string key;   // dotted path, e.g. "account.default.min_tls"
  std::string value; // rendered value (never a secret: literal secrets show as "…")
  SourcePos pos;
  std::string check_id; // e.g. "TLS-02"
  std::string problem;  // e.g. "TLS versions below 1.2 must not be used"
  std::string fix;      // e.g. "set min_tls = \"1.2\" or \"1.3\""
};

struct Config
{
  std::string path;   // the file read
  std::string sha256; // of the file bytes (config_sha256 in audit records)
  Identity identity;
  std::map<std::string, Account> accounts;
  std::string account_name; // the selected account
  PolicySettings policy;
  std::vector<Peer> peers;
  AuditSettings audit;
  SmimeSettings smime;
  Compliance compliance;
  std::map<std::string, SourcePos> positions; // dotted key → where it was set
  std::vector<Violation> violations;
  bool references_secrets = false; // any password_* / oauth2_* key present

  // Return the selected account. PEERMAIL_ASSERTs that it exists.
  const Account& account() const;

  // Return "file:line" for dotted `key`, or "default" when it was not set.
  std::string where(const std::string& key) const;

  // Return the roster entry for `address` (any protocol), or nullptr.
  const Peer* peer(const std::string& address) const;

  // Return the pinned OpenPGP fingerprint for `address`, if the roster has
  // one (an S/MIME entry is not an OpenPGP pin).
  std::optional<std::string> pinned_fingerprint(const std::string& address) const;
};

// What load() does with a compliance violation.
enum class Strictness {
  refuse, // return the first violation as Errc::insecure_config (exit 78)
  report, // keep them in Config::violations (for `check`)
};

struct LoadOptions
{
  std::optional<std::string> path;        // --config
  std::optional<std::string> account;     // --account
  std::map<std::string, std::string> env; // the environment (PEERMAIL_*, XDG_*, HOME)
  Strictness strictness = Strictness::refuse;
  bool check_permissions = true; // refuse unsafe modes with Errc::permissions
};

// Return the config path: `opts.path`, else $PEERMAIL_CONFIG, else
// $XDG_CONFIG_HOME/peermail/config.toml, else ~/.config/peermail/config.toml.
std::string resolve_path(const LoadOptions& opts);

// Read, parse and validate the config. Errors: no_input (missing file),
// config (syntax, types, unknown keys: "file:line:col: key: message"),
// permissions (AUTH-05; only when `check_permissions`), insecure_config.
Result<Config> load(const LoadOptions& opts);

// Parse `text` as if read from `path` (no file access, no permission check).
Result<Config> parse(std::string_view text, const std::string& path, const LoadOptions& opts);

// Resolved submission credentials. Never print, log or audit these.
struct Credentials
{
  std::string username;
  std::string password;     // from password_command or password_env
  std::string oauth2_token; // from oauth2_token_command
};

// Resolve the account's secrets now (lazily, only when a login is needed).
// `env` is the environment used for password_env. Errors are Errc::auth and
// never contain the secret.
Result<Credentials> resolve_credentials(const Account& account,
                                        const std::map<std::string, std::string>& env);

} // namespace peermail::config
