// SPDX-License-Identifier: GPL-3.0-or-later
// The checklist rules: pure functions from Facts to Findings (no I/O).
#include <peermail/crypto/key_judge.hpp>
#include <peermail/policy/board.hpp>
#include <peermail/policy/checklist.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

namespace peermail::policy {

namespace {

constexpr std::int64_t k_day = 86400;
constexpr std::string_view k_needs_probe = "needs --probe (live server check)";

std::string
mode_str(unsigned mode)
{
  return fmt::format("{:04o}", mode & 07777);
}

// `key = value (file:line)` for a config key.
std::string
setting(const config::Config& cfg, const std::string& key, const std::string& value)
{
  return fmt::format("{} = {} ({})", key, value, cfg.where(key));
}

std::string
toml_quoted(std::string_view s)
{
  return fmt::format("\"{}\"", s);
}

// Parse "option value..." lines of gpg.conf / gpg-agent.conf.
std::vector<std::pair<std::string, std::string>>
conf_lines(const std::string& text)
{
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto t = std::string(util::trim(line));
    if (t.empty() || t[0] == '#') {
      continue;
    }
    auto sp = t.find_first_of(" \t");
    std::string opt = util::to_lower(t.substr(0, sp));
    std::string val = sp == std::string::npos ? "" : std::string(util::trim(t.substr(sp)));
    out.emplace_back(opt, val);
  }
  return out;
}

std::vector<std::string>
words(const std::string& s)
{
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) {
    for (auto& c : w) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    out.push_back(w);
  }
  return out;
}

bool
is_legacy_cipher(const std::string& c)
{
  static const std::set<std::string> k = {
    "3DES", "CAST5", "IDEA", "BLOWFISH", "RC2", "S1", "S2", "S3"};
  return k.count(c) > 0;
}

bool
is_weak_digest(const std::string& d)
{
  static const std::set<std::string> k = {"SHA1", "MD5", "RIPEMD160", "H1", "H2", "H3"};
  return k.count(d) > 0;
}

// --- Rules -------------------------------------------------------------------

void
apply_violations(Board& b, const config::Config& cfg)
{
  for (const auto& v : cfg.violations) {
    const std::string id = v.check_id.empty() ? std::string("CFG-04") : v.check_id;
    if (v.key == "(file)") {
      b.fail(id, v.problem, v.fix);
      continue;
    }
    const std::string where =
      v.pos.line > 0 ? fmt::format("{}:{}", v.pos.file, v.pos.line) : v.pos.file;
    b.fail(id, fmt::format("{} = {} ({}): {}", v.key, v.value, where, v.problem), v.fix);
  }
}

void
transport_rules(Board& b, const Facts& f)
{
  const auto& cfg = *f.config;
  if (cfg.accounts.empty()) {
    for (const char* id :
         {"TLS-01", "TLS-02", "TLS-04", "TLS-05", "TLS-09", "AUTH-01", "AUTH-02", "AUTH-03"}) {
      b.fail(id, "no [account.*] section", "add an [account.default] section (peermail init)");
    }
  } else {
    const auto& a = cfg.account();
    const std::string pre = "account." + a.name;
    b.pass("TLS-01",
           fmt::format("{}, port {}{}{}",
                       setting(cfg, pre + ".tls", toml_quoted(config::to_string(a.tls))),
                       a.port,
                       f.helo.empty() ? "" : "; ",
                       f.helo));
    b.pass("TLS-02", setting(cfg, pre + ".min_tls", toml_quoted(config::to_string(a.min_tls))));
    // TLS-04: no switch to turn verification off exists; the CA file must be sound.
    if (f.ca_file) {
      const auto& ca = *f.ca_file;
      if (!ca.exists) {
        b.fail("TLS-04",
               fmt::format("{}: ca_file {} does not exist", cfg.where(pre + ".ca_file"), ca.path),
               "point ca_file at an existing CA bundle, or remove it to use the system store");
      } else if ((ca.mode & 022) != 0 || !ca.owned_by_user) {
        const std::string ev = fmt::format(
          "ca_file {} has mode {}{}: others can change the "
          "trust anchors",
          ca.path,
          mode_str(ca.mode),
          ca.owned_by_user ? "" : " and another owner");
        b.fail("TLS-04", ev, fmt::format("chmod go-w {}", ca.path));
        b.fail("AUTH-05", ev, fmt::format("chmod go-w {}", ca.path));
      } else if (f.tls_files_problem) {
        // Loaded as the session loads it (check::preflight).
        b.fail("TLS-04", f.tls_files_problem->message, f.tls_files_problem->fix);
      } else {
        b.pass("TLS-04",
               fmt::format("certificate verification is always on; ca_file {} ({})",
                           ca.path,
                           mode_str(ca.mode)));
      }
    } else if (f.tls_files_problem) {
      b.fail("TLS-04", f.tls_files_problem->message, f.tls_files_problem->fix);
    } else {
      b.pass("TLS-04", "certificate verification is always on; system trust store");
    }
    // TLS-05: the reference identity is the configured host name.
    const std::string& host = a.host;
    const bool ip = !host.empty()
                    && (host.find(':') != std::string::npos
                        || host.find_first_not_of("0123456789.") == std::string::npos);
    if (host.empty()) {
      b.fail("TLS-05", fmt::format("{}.host is not set", pre), "set host to the server's name");
    } else if (ip) {
      b.warn("TLS-05",
             setting(cfg, pre + ".host", toml_quoted(host)) + ": an IP address",
             "use the server's DNS name as host (an IP needs an iPAddress SAN)");
    } else if (host.find('.') == std::string::npos) {
      b.warn("TLS-05",
             setting(cfg, pre + ".host", toml_quoted(host)) + ": not a fully qualified domain name",
             "set host to the fully qualified name in the server certificate");
    } else {
      b.pass("TLS-05",
             setting(cfg, pre + ".host", toml_quoted(host))
               + ": hostname verification is always on");
    }
    b.pass("TLS-09",
           a.tls == config::TlsMode::starttls
             ? "tls = \"starttls\": STARTTLS is required, no plaintext fallback"
             : "tls = \"implicit\": TLS from the first byte, nothing to strip");
    b.pass("AUTH-02",
           fmt::format("tls = {}: credentials are only sent inside TLS",
                       toml_quoted(config::to_string(a.tls))));
    // AUTH-01: a personal submission identity.
    static const std::set<std::string> k_shared = {"admin",
                                                   "info",
                                                   "noreply",
                                                   "no-reply",
                                                   "mail",
                                                   "smtp",
                                                   "test",
                                                   "shared",
                                                   "office",
                                                   "postmaster",
                                                   "root",
                                                   "contact",
                                                   "support",
                                                   "webmaster"};
    std::string user = util::to_lower(a.username);
    std::string local = user.substr(0, user.find('@'));
    if (a.username.empty()) {
      b.fail("AUTH-01",
             fmt::format("{}.username is not set", pre),
             "set username to your own submission account");
    } else if (k_shared.count(local) > 0) {
      b.fail("AUTH-01",
             setting(cfg, pre + ".username", toml_quoted(a.username)) + " looks shared",
             "use a personal submission account for each operator");
    } else {
      b.pass("AUTH-01",
             setting(cfg, pre + ".username", toml_quoted(a.username))
               + fmt::format(", identity.user_id = {}", toml_quoted(cfg.identity.user_id)));
    }
    if (!a.oauth2_token_command.empty()) {
      b.pass("AUTH-03", "OAuth 2.0 token (oauth2_token_command)");
    } else if (!a.password_command.empty() || !a.password_env.empty()) {
      b.warn("AUTH-03",
             "password authentication (PLAIN/LOGIN inside TLS)",
             "prefer oauth2_token_command from an MFA-protected identity");
    } else {
      b.pass("AUTH-03", "no credentials configured");
    }
    if (a.timeout_s > 300) {
      b.warn("AUTH-06",
             setting(cfg, pre + ".timeout_s", std::to_string(a.timeout_s)),
             "set timeout_s to 300 or less");
    } else {
      b.pass("AUTH-06", setting(cfg, pre + ".timeout_s", std::to_string(a.timeout_s)));
    }
  }
  b.skip("TLS-03", std::string(k_needs_probe));
  b.skip("TLS-06", std::string(k_needs_probe));
  b.skip("TLS-07", std::string(k_needs_probe));
  b.skip("TLS-10", std::string(k_needs_probe));
  const auto& ossl = f.versions.openssl;
  if (ossl.rfind("OpenSSL 3", 0) == 0) {
    b.pass("TLS-08", ossl + ": SNI, EMS and secure renegotiation on; compression and 0-RTT off");
  } else {
    b.warn("TLS-08",
           ossl.empty() ? "TLS library version unknown" : ossl,
           "use OpenSSL 3.x (Debian 12: libssl3)");
  }
}

void
gpg_conf_rules(Board& b, const Facts& f)
{
  bool cipher_bad = false;
  bool digest_bad = false;
  if (f.gpg_conf) {
    for (const auto& [opt, val] : conf_lines(*f.gpg_conf)) {
      const auto ws = words(val);
      if ((opt == "trust-model" && util::to_lower(val) == "always") || opt == "always-trust") {
        b.fail("E2E-04",
               fmt::format("gpg.conf: {} {}", opt, val),
               "remove \"trust-model always\" / \"always-trust\" from gpg.conf");
      }
      if (opt == "cipher-algo" || opt == "personal-cipher-preferences") {
        for (const auto& w : ws) {
          if (is_legacy_cipher(w)) {
            cipher_bad = true;
            b.fail("E2E-02",
                   fmt::format("gpg.conf: {} {}", opt, val),
                   "remove legacy ciphers; use personal-cipher-preferences AES256 AES192 AES");
          }
        }
      }
      if (opt == "digest-algo" || opt == "cert-digest-algo"
          || opt == "personal-digest-preferences") {
        if (!ws.empty() && is_weak_digest(ws.front())) {
          digest_bad = true;
          b.fail("SIG-02",
                 fmt::format("gpg.conf: {} {}", opt, val),
                 "use personal-digest-preferences SHA512 SHA384 SHA256");
        }
      }
      if (opt == "allow-weak-digest-algos") {
        b.warn("SIG-02", "gpg.conf: allow-weak-digest-algos", "remove allow-weak-digest-algos");
      }
    }
  }
  if (!cipher_bad) {
    b.pass("E2E-02",
           f.gpg_conf ? "gpg.conf names no legacy cipher (AES preferred)"
                      : "no gpg.conf: GnuPG defaults prefer AES");
  }
  if (!digest_bad) {
    b.pass("SIG-02", "signatures use SHA-256 or stronger; SHA-1/MD5 micalg is refused");
  }
  // AUTH-06: gpg-agent passphrase caching (GnuPG defaults 600 s / 7200 s).
  long default_ttl = 600;
  long max_ttl = 7200;
  if (f.gpg_agent_conf) {
    for (const auto& [opt, val] : conf_lines(*f.gpg_agent_conf)) {
      if (opt == "default-cache-ttl") {
        default_ttl = std::strtol(val.c_str(), nullptr, 10);
      } else if (opt == "max-cache-ttl") {
        max_ttl = std::strtol(val.c_str(), nullptr, 10);
      }
    }
  }
  const std::string ttl =
    fmt::format("gpg-agent default-cache-ttl {} s, max-cache-ttl {} s", default_ttl, max_ttl);
  if (default_ttl > 600 || max_ttl > 7200) {
    b.warn("AUTH-06",
           ttl,
           "set default-cache-ttl 600 and max-cache-ttl 7200 (or less) in gpg-agent.conf");
  } else {
    b.pass("AUTH-06", ttl);
  }
}

// Route "text [KEY-0x]" warnings to their item.
void
key_warnings(Board& b, const KeyCheck& kc)
{
  for (const auto& w : kc.judgement.warnings) {
    auto open = w.rfind(" [");
    std::string id = "KEY-02";
    std::string text = w;
    if (open != std::string::npos && w.back() == ']') {
      id = w.substr(open + 2, w.size() - open - 3);
      text = w.substr(0, open);
    }
    b.warn(id,
           fmt::format("{}: {}", kc.role, text),
           id == "KEY-01"   ? "plan a move to a 128-bit key (RSA >= 3072 or ECC >= 256 bits)"
           : id == "KEY-03" ? "let dirmngr reach the CA's CRL (or load it: gpgsm --call-dirmngr "
                              "loadcrl FILE) so that revocation is checked"
                            : "renew or replace the key before it expires, with a finite expiry");
  }
}

// A usable X.509 certificate (S/MIME): judged as a whole by
// crypto/cert_judge.cpp (strength, validity, chain, address, usage), so
// the OpenPGP subkey items do not apply. Return false for an OpenPGP key.
bool
smime_cert_rules(Board& b, const KeyCheck& kc)
{
  const auto& fpr = kc.judgement.key->fingerprint;
  if (kc.role == "S/MIME certificate") {
    b.pass("SIG-01",
           fmt::format("S/MIME certificate {} for <{}>, secret present", fpr, kc.address));
    return true;
  }
  if (kc.role == "S/MIME peer") {
    b.pass("E2E-04",
           fmt::format("<{}>: S/MIME certificate {} pinned by [[peer]]", kc.address, fpr));
    b.pass("E2E-01", fmt::format("<{}>: S/MIME certificate {}", kc.address, fpr));
    return true;
  }
  return false;
}

// S/MIME peers need the user's own certificate to sign for them: send
// refuses without it, so check says so too.
void
smime_identity_rule(Board& b, const Facts& f)
{
  if (!f.config->identity.smime_cert.empty()) {
    return;
  }
  for (const auto& p : f.config->peers) {
    if (p.protocol == config::PeerProtocol::smime) {
      b.fail("SIG-01",
             fmt::format("<{}> reads S/MIME ([[peer]] protocol = \"smime\") but "
                         "identity.smime_cert is not set: mail to it cannot be signed",
                         p.address),
             std::string(config::k_smime_cert_fix));
      return;
    }
  }
}

void
key_rules(Board& b, const Facts& f)
{
  smime_identity_rule(b, f);
  if (!f.keyring_error.empty()) {
    for (const char* id : {"SIG-01", "KEY-01", "KEY-02", "KEY-03"}) {
      b.fail(id,
             "the keyring could not be read: " + f.keyring_error,
             "check --gnupg-home / $GNUPGHOME and that gpg works");
    }
    return;
  }
  std::vector<const KeyCheck*> all;
  if (f.signer) {
    all.push_back(&*f.signer);
  }
  for (const auto& p : f.peers) {
    all.push_back(&p);
  }
  if (f.self) {
    all.push_back(&*f.self);
  }
  if (f.archive) {
    all.push_back(&*f.archive);
  }
  if (f.smime_signer) {
    all.push_back(&*f.smime_signer);
  }
  for (const auto* kc : all) {
    const auto& j = kc->judgement;
    const std::string who =
      kc->address.empty() ? kc->role : fmt::format("{} <{}>", kc->role, kc->address);
    if (!j.ok()) {
      b.fail(j.check_id, fmt::format("{}: {}", who, j.reason), j.fix);
      if ((kc->role == "signing key" || kc->role == "S/MIME certificate")
          && j.check_id != "SIG-01") {
        b.fail("SIG-01", fmt::format("{}: {} [{}]", who, j.reason, j.check_id), j.fix);
      }
      if ((kc->role == "peer" || kc->role == "S/MIME peer") && j.check_id != "E2E-01") {
        b.fail(
          "E2E-01", fmt::format("no usable key for <{}> [{}]", kc->address, j.check_id), j.fix);
      }
      if (kc->role == "archive key") {
        b.warn("E2E-05", fmt::format("{}: {}", who, j.reason), j.fix);
      }
      continue;
    }
    key_warnings(b, *kc);
    const auto& key = *j.key;
    b.pass("KEY-01", fmt::format("{}: {} strong enough", who, key.fingerprint));
    b.pass("KEY-02", fmt::format("{}: {} not expired", who, key.fingerprint));
    b.pass("KEY-03", fmt::format("{}: {} not revoked", who, key.fingerprint));
    if (smime_cert_rules(b, *kc)) {
      continue;
    }
    if (crypto::separates_usages(key)) {
      b.pass("KEY-04", fmt::format("{}: separate signing and encryption subkeys", who));
    } else {
      b.warn("KEY-04",
             fmt::format("{}: {} signs and encrypts with the same key", who, key.fingerprint),
             "use a key with separate signing and encryption subkeys");
    }
    for (const auto& s : key.subkeys) {
      if (!s.can_encrypt || s.revoked || s.expired) {
        continue;
      }
      // E2E-03 by strength (SP 800-57 Pt 1 r5 Table 2): RSA >= 3072 (128-bit,
      // GnuPG's default) passes; RSA 2048 (112-bit, allowed only through
      // 2030) and Elgamal warn. PKCS#1 v1.5 key transport is flagged only
      // for a federal-aligned profile, which peermail does not have.
      const std::string algo = util::to_lower(s.algo);
      const bool rsa = algo.rfind("rsa", 0) == 0;
      if ((rsa && s.length < 3072) || algo.rfind("elg", 0) == 0) {
        b.warn("E2E-03",
               fmt::format("{}: encryption subkey {} ({}) is below 128-bit strength (NIST SP "
                           "800-57: 112-bit RSA only through 2030)",
                           who,
                           s.fingerprint,
                           s.algo),
               "move to an RSA >= 3072, cv25519 (X25519) or NIST P-256/P-384 encryption subkey");
      } else {
        b.pass("E2E-03", fmt::format("{}: encryption subkey {}", who, s.algo));
      }
    }
    if (kc->role == "signing key") {
      b.pass("SIG-01",
             fmt::format("signing key {} for <{}>, secret present", key.fingerprint, kc->address));
    } else if (kc->role == "peer") {
      const bool pinned = f.config->pinned_fingerprint(kc->address).has_value();
      b.pass("E2E-04",
             fmt::format("<{}>: key {} {}",
                         kc->address,
                         key.fingerprint,
                         pinned ? "pinned by [[peer]]" : "has full validity"));
      b.pass("E2E-01",
             fmt::format("<{}>: usable encryption subkey {}", kc->address, j.subkey_fingerprint));
    }
  }
  if (f.peers.empty()) {
    b.pass("E2E-01",
           "every message is encrypted; recipients are judged at send time (no "
           "[[peer]] roster)");
    b.pass("E2E-04",
           "recipient keys need full validity, and the pinned key where [[peer]] pins one; no "
           "\"always trust\"");
  }
  if (!f.signer) {
    b.fail("SIG-01",
           "identity.signing_key is not set",
           "set identity.signing_key to the full fingerprint of your signing key");
  }
}

void
key_protection_rules(Board& b, const Facts& f)
{
  bool bad = false;
  if (!f.gnupg_home || !f.gnupg_home->exists || !f.gnupg_home->is_dir) {
    // No keyring directory: nothing can be signed, and "0 private key files
    // owner-only" would prove nothing.
    bad = true;
    b.fail("KEY-05",
           f.gnupg_home
             ? fmt::format("GnuPG home {} {}",
                           f.gnupg_home->path,
                           f.gnupg_home->exists ? "is not a directory" : "does not exist")
             : std::string("no GnuPG home: neither $GNUPGHOME nor $HOME is set"),
           "point --gnupg-home (or $GNUPGHOME) at the GnuPG home that holds your keys, "
           "owner-only (chmod 700)");
  }
  if (f.gnupg_home) {
    const auto& h = *f.gnupg_home;
    if (h.exists && ((h.mode & 077) != 0 || !h.owned_by_user)) {
      bad = true;
      const std::string ev = fmt::format("GnuPG home {} has mode {}{}",
                                         h.path,
                                         mode_str(h.mode),
                                         h.owned_by_user ? "" : " and another owner");
      b.fail("KEY-05", ev, fmt::format("chmod 700 {}", h.path));
      b.fail("AUTH-05", ev, fmt::format("chmod 700 {}", h.path));
    }
  }
  for (const auto& p : f.private_key_files) {
    if ((p.mode & 077) != 0 || !p.owned_by_user) {
      bad = true;
      b.fail("KEY-05",
             fmt::format("private key file {} has mode {}", p.path, mode_str(p.mode)),
             fmt::format("chmod 600 {}", p.path));
    }
  }
  if (f.secret_key_protected && !*f.secret_key_protected) {
    bad = true;
    b.fail("KEY-05",
           "the signing key's secret part is stored without a passphrase",
           f.signer && f.signer->judgement.key
             ? fmt::format("set a passphrase: gpg --change-passphrase {}",
                           f.signer->judgement.key->fingerprint)
             : std::string("set a passphrase: gpg --change-passphrase FPR"));
  }
  if (!bad) {
    std::string ev =
      f.gnupg_home
        ? fmt::format("GnuPG home {} ({})", f.gnupg_home->path, mode_str(f.gnupg_home->mode))
        : std::string("GnuPG home");
    ev += fmt::format(", {} private key file(s) owner-only", f.private_key_files.size());
    ev += f.secret_key_protected ? "; signing key passphrase-protected"
                                 : "; passphrase protection not determinable";
    b.pass("KEY-05", ev);
  }
}

void
audit_rules(Board& b, const Facts& f)
{
  const auto& cfg = *f.config;
  if (cfg.audit.path.empty()) {
    b.fail("AUD-01",
           "audit.path is empty",
           "set audit.path (default "
           "~/.local/state/peermail/audit.jsonl)");
  } else if (f.audit_file_problem) {
    // The same rule the sender applies when it opens the log.
    b.fail("AUD-01", f.audit_file_problem->message, f.audit_file_problem->fix);
  } else {
    b.pass("AUD-01", setting(cfg, "audit.path", toml_quoted(cfg.audit.path)));
  }
  b.pass("AUD-02", "audit records never hold subjects, bodies, file names or secrets");
  // AUD-03: a chain without a key can be rewritten and rehashed; seals can't.
  if (cfg.audit.seal_key.empty()) {
    b.warn("AUD-03",
           "records are hash-chained but not sealed: a chain rewritten and rehashed from some "
           "record on is not detected",
           "set [audit] seal_key to the organisation's (or a service) OpenPGP key; see "
           "peermail-audit(1)");
  } else {
    b.pass("AUD-03",
           setting(cfg, "audit.seal_key", toml_quoted(cfg.audit.seal_key))
             + ": every run seals the chain head; `peermail audit verify` checks the seals");
  }
  b.pass("AUD-04", "the audit log is always on; no setting turns it off");
  b.pass("SIG-04", "audit records carry content_sha256 and Message-ID");
  const int days = cfg.audit.retention_days;
  if (days >= 2192) {
    b.pass("AUD-05", setting(cfg, "audit.retention_days", std::to_string(days)));
  } else {
    b.warn("AUD-05",
           setting(cfg, "audit.retention_days", std::to_string(days)) + ": less than 6 years",
           "set audit.retention_days = 2192 (6 years) or more");
  }
  bool aud6 = false;
  for (const auto* ff :
       {f.audit_dir ? &*f.audit_dir : nullptr, f.audit_file ? &*f.audit_file : nullptr}) {
    if (ff == nullptr || !ff->exists) {
      continue;
    }
    if ((ff->mode & 022) != 0 || !ff->owned_by_user) {
      b.fail("AUTH-05",
             fmt::format("audit {} {} has mode {}: others can change the log",
                         ff->is_dir ? "directory" : "log",
                         ff->path,
                         mode_str(ff->mode)),
             fmt::format("chmod go-w {}", ff->path));
    }
    if ((ff->mode & 027) != 0) {
      aud6 = true;
      b.warn("AUD-06",
             fmt::format("audit {} {} has mode {}",
                         ff->is_dir ? "directory" : "log",
                         ff->path,
                         mode_str(ff->mode)),
             fmt::format("chmod {} {}", ff->is_dir ? "700" : "600", ff->path));
    }
  }
  if (!aud6) {
    b.pass("AUD-06", "audit log owner-only (clock synchronisation is not checked)");
  }
}

void
attestation_rules(Board& b, const Facts& f)
{
  const auto& c = f.config->compliance;
  const long today = static_cast<long>(f.now / k_day);
  if (!c.baa) {
    b.fail(
      "CFG-01",
      "no Business Associate Agreement attested (compliance.baa)",
      "add compliance.baa = { provider = \"...\", reference = \"...\", expires = YYYY-MM-DD }");
  } else if (c.baa->reference.empty()) {
    b.fail("CFG-01",
           "compliance.baa has no reference",
           "set the agreement's reference in compliance.baa");
  } else if (c.baa->expires && c.baa->expires->days_since_epoch() < today) {
    b.fail("CFG-01",
           fmt::format("BAA {} expired on {}", c.baa->reference, c.baa->expires->to_string()),
           "renew the BAA with the provider and update compliance.baa.expires");
  } else {
    b.pass("CFG-01",
           fmt::format("BAA {} with {}{} ({})",
                       c.baa->reference,
                       c.baa->provider.empty() ? "(provider not named)" : c.baa->provider,
                       c.baa->expires ? ", expires " + c.baa->expires->to_string() : "",
                       f.config->where("compliance.baa")));
  }
  if (!c.risk_analysis || !c.risk_analysis->date) {
    b.warn("CFG-03",
           "no dated risk analysis attested (compliance.risk_analysis)",
           "add compliance.risk_analysis = { reference = \"...\", date = YYYY-MM-DD }");
  } else if (today - c.risk_analysis->date->days_since_epoch() > 365) {
    b.warn("CFG-03",
           fmt::format("risk analysis {} of {} is older than 12 months",
                       c.risk_analysis->reference,
                       c.risk_analysis->date->to_string()),
           "review the risk analysis and update compliance.risk_analysis.date");
  } else {
    b.pass("CFG-03",
           fmt::format("risk analysis {} of {}",
                       c.risk_analysis->reference,
                       c.risk_analysis->date->to_string()));
  }
  if (!c.emergency_access || c.emergency_access->reference.empty()) {
    b.warn("AUTH-07",
           "no emergency access procedure attested (compliance.emergency_access)",
           "add compliance.emergency_access = { reference = \"...\", date = YYYY-MM-DD }");
  } else {
    b.pass("AUTH-07", fmt::format("emergency access procedure {}", c.emergency_access->reference));
  }
}

void
config_rules(Board& b, const Facts& f)
{
  const auto& cfg = *f.config;
  if (cfg.policy.encrypt_to_self || !cfg.policy.archive_key.empty()) {
    b.pass("E2E-05",
           cfg.policy.encrypt_to_self
             ? setting(cfg, "policy.encrypt_to_self", "true")
             : setting(cfg, "policy.archive_key", toml_quoted(cfg.policy.archive_key)));
  } else {
    b.warn("E2E-05",
           setting(cfg, "policy.encrypt_to_self", "false") + " and no archive_key",
           "set policy.encrypt_to_self = true or an archive_key");
  }
  if (cfg.policy.protect_subject) {
    b.pass("E2E-06", setting(cfg, "policy.protect_subject", "true"));
  } else {
    b.warn("E2E-06",
           setting(cfg, "policy.protect_subject", "false")
             + ": the real subject travels unencrypted",
           "set policy.protect_subject = true");
  }
  b.skip("E2E-07", "not applicable: the Direct profile (S/MIME) is not used");
  b.skip("SIG-03",
         "runtime check: run `peermail encrypt` and `peermail verify --decrypt` on "
         "its output");
  if (cfg.peers.empty()) {
    b.warn("CFG-02",
           "no [[peer]] roster of verified correspondents",
           "add [[peer]] entries with fingerprints verified out of band");
  } else {
    b.pass("CFG-02",
           fmt::format("{} verified correspondent(s) in the [[peer]] roster", cfg.peers.size()));
  }
  b.pass("CFG-04", "fail closed: no override can be set in the config");
  b.skip("CFG-05", "not applicable: peermail never sends plaintext");
  const auto& v = f.versions;
  std::string ev =
    fmt::format("GnuPG {}, GPGME {}, {}, libcurl {}", v.gnupg, v.gpgme, v.openssl, v.libcurl);
  const bool gnupg_ok = v.gnupg.rfind("2.2", 0) == 0 || v.gnupg.rfind("2.4", 0) == 0
                        || v.gnupg.rfind("2.5", 0) == 0 || v.gnupg.rfind("2.6", 0) == 0;
  const bool ssl_ok = v.openssl.rfind("OpenSSL 3", 0) == 0;
  if (gnupg_ok && ssl_ok) {
    b.pass("CFG-06", ev + " (FIPS validation not checked)");
  } else {
    b.warn("CFG-06", ev, "upgrade to GnuPG 2.2 LTS or 2.4+ and OpenSSL 3.x");
  }
}

} // namespace

std::vector<Finding>
evaluate(const Facts& facts)
{
  Board b;
  transport_rules(b, facts);
  gpg_conf_rules(b, facts);
  key_rules(b, facts);
  key_protection_rules(b, facts);
  audit_rules(b, facts);
  attestation_rules(b, facts);
  config_rules(b, facts);
  if (!std::any_of(facts.config->violations.begin(),
                   facts.config->violations.end(),
                   [](const auto& v) { return v.check_id == "AUTH-04"; })) {
    b.pass("AUTH-04",
           facts.config->references_secrets
             ? "secrets only by reference (password_command / password_env / "
               "oauth2_token_command)"
             : "no secrets in the config");
  }
  b.pass("AUTH-05", "config, CA file, audit log and GnuPG home are not writable by others");
  apply_violations(b, *facts.config);
  std::vector<Finding> out;
  for (const auto& item : checklist()) {
    out.push_back(b.finish(item));
  }
  return out;
}

} // namespace peermail::policy
