// SPDX-License-Identifier: GPL-3.0-or-later
#include "key_judge.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <ctime>

namespace peermail::crypto {

namespace {

constexpr std::int64_t k_day = 86400;

bool
starts_with(std::string_view s, std::string_view prefix)
{
  return s.substr(0, prefix.size()) == prefix;
}

// Return the security-relevant size of an ECC curve in bits, or 0 if unknown.
unsigned
curve_bits(const std::string& curve_lower)
{
  struct Curve
  {
    std::string_view name;
    unsigned bits;
  };
  static constexpr Curve k_curves[] = {
    {"ed25519",         256},
    {"cv25519",         256},
    {"curve25519",      256},
    {"x25519",          256},
    {"nistp256",        256},
    {"brainpoolp256r1", 256},
    {"secp256k1",       256},
    {"ed448",           448},
    {"cv448",           448},
    {"x448",            448},
    {"nistp384",        384},
    {"brainpoolp384r1", 384},
    {"nistp521",        521},
    {"brainpoolp512r1", 512},
    {"nistp224",        224},
    {"nistp192",        192},
  };
  for (const auto& c : k_curves) {
    if (c.name == curve_lower) {
      return c.bits;
    }
  }
  return 0;
}

const UidFacts*
find_uid(const KeyFacts& key, const std::string& address, bool usable_only)
{
  const std::string want = util::to_lower(address);
  for (const auto& u : key.uids) {
    if (util::to_lower(u.address) != want) {
      continue;
    }
    if (usable_only && (u.revoked || u.invalid)) {
      continue;
    }
    return &u;
  }
  return nullptr;
}

bool
subkey_usable(const SubkeyFacts& s)
{
  return !s.revoked && !s.expired && !s.disabled && !s.invalid;
}

// Return the earliest non-zero expiry of the primary key and `sub`.
std::int64_t
effective_expiry(const KeyFacts& key, const SubkeyFacts& sub)
{
  std::int64_t e = sub.expires;
  if (!key.subkeys.empty() && key.subkeys[0].expires != 0) {
    e = e == 0 ? key.subkeys[0].expires : std::min(e, key.subkeys[0].expires);
  }
  return e;
}

KeyJudgement
problem(KeyJudgement j, KeyProblem p, std::string id, std::string reason, std::string fix)
{
  return with_problem(std::move(j), p, std::move(id), std::move(reason), std::move(fix));
}

// The roles differ in fixes and check IDs; the checks are shared.
enum class Role { recipient, signer };

std::string
renew_fix(Role role, const KeyFacts& key, const std::string& address)
{
  if (role == Role::signer) {
    return fmt::format(
      "extend it (gpg --quick-set-expire {} 1y '*') or create a new key and set "
      "identity.signing_key",
      key.fingerprint);
  }
  return fmt::format("ask {} for an updated key, then run `peermail keys import FILE`", address);
}

std::string
replace_fix(Role role, const std::string& address)
{
  if (role == Role::signer) {
    return fmt::format(
      "create a new key (gpg --quick-gen-key '{}' ed25519 sign 1y, then add a "
      "cv25519 encryption subkey) and set identity.signing_key",
      address);
  }
  return fmt::format(
    "ask {} for a new key, verify its fingerprint out of band, then run "
    "`peermail keys import FILE` and `peermail keys pin {} FPR`",
    address,
    address);
}

// The one rule's fix (E2E-04): a pin or a certification, either is enough.
std::string
certify_fix(const std::string& address, const std::string& fingerprint)
{
  return fmt::format(
    "verify the fingerprint with {} out of band, then certify it (peermail keys certify {}); "
    "to accept only this key for the address, also pin it (peermail keys pin {} {})",
    address,
    fingerprint,
    address,
    fingerprint);
}

// Checks shared by recipients and signers: key-level state, then the
// subkey for `usage`, then strength and lifetime warnings.
KeyJudgement
judge_common(KeyJudgement j,
             const KeyFacts& key,
             const std::string& address,
             Role role,
             const KeyPolicy& policy)
{
  const std::string& fpr = key.fingerprint;
  const std::int64_t now = policy_now(policy);
  const char* usage = role == Role::signer ? "signing" : "encryption";
  const std::string usage_id = role == Role::signer ? "SIG-01" : "E2E-01";

  if (key.revoked) {
    return problem(std::move(j),
                   KeyProblem::revoked,
                   "KEY-03",
                   fmt::format("key {} is revoked", fpr),
                   replace_fix(role, address));
  }
  if (key.expired) {
    const std::int64_t when = key.subkeys.empty() ? 0 : key.subkeys[0].expires;
    return problem(std::move(j),
                   KeyProblem::expired,
                   "KEY-02",
                   when > 0 ? fmt::format("key {} expired on {}", fpr, format_date(when))
                            : fmt::format("key {} has expired", fpr),
                   renew_fix(role, key, address));
  }
  if (key.disabled) {
    return problem(std::move(j),
                   KeyProblem::disabled,
                   "KEY-03",
                   fmt::format("key {} is disabled in the keyring", fpr),
                   fmt::format("enable it (gpg --edit-key {} enable) if it is still trusted, or {}",
                               fpr,
                               replace_fix(role, address)));
  }
  if (key.invalid) {
    return problem(std::move(j),
                   KeyProblem::invalid,
                   "KEY-03",
                   fmt::format("key {} is invalid", fpr),
                   replace_fix(role, address));
  }
  if (role == Role::signer && !key.has_secret) {
    return problem(std::move(j),
                   KeyProblem::no_secret,
                   "SIG-01",
                   fmt::format("the secret part of signing key {} is not in the keyring", fpr),
                   "import the secret key into this GnuPG home (gpg --import), or set "
                   "identity.signing_key to a key whose secret part you hold");
  }

  // Choose the newest usable subkey for the role.
  const SubkeyFacts* chosen = nullptr;
  const SubkeyFacts* expired_sub = nullptr;
  const SubkeyFacts* revoked_sub = nullptr;
  for (const auto& s : key.subkeys) {
    const bool capable = role == Role::signer ? s.can_sign : s.can_encrypt;
    if (!capable) {
      continue;
    }
    if (role == Role::signer && !s.secret) {
      continue;
    }
    if (!subkey_usable(s)) {
      if (s.expired && expired_sub == nullptr) {
        expired_sub = &s;
      } else if (s.revoked && revoked_sub == nullptr) {
        revoked_sub = &s;
      }
      continue;
    }
    if (chosen == nullptr || s.created > chosen->created) {
      chosen = &s;
    }
  }
  if (chosen == nullptr) {
    if (expired_sub != nullptr) {
      return problem(std::move(j),
                     KeyProblem::expired,
                     "KEY-02",
                     fmt::format("the {} subkey {} of key {} expired on {}",
                                 usage,
                                 expired_sub->fingerprint,
                                 fpr,
                                 format_date(expired_sub->expires)),
                     renew_fix(role, key, address));
    }
    if (revoked_sub != nullptr) {
      return problem(
        std::move(j),
        KeyProblem::revoked,
        "KEY-03",
        fmt::format("the {} subkey {} of key {} is revoked", usage, revoked_sub->fingerprint, fpr),
        replace_fix(role, address));
    }
    return problem(std::move(j),
                   KeyProblem::no_usable_subkey,
                   usage_id,
                   fmt::format("key {} has no usable {} subkey", fpr, usage),
                   role == Role::signer
                     ? std::string("add a signing subkey whose secret part you hold, or set "
                                   "identity.signing_key to another key")
                     : replace_fix(role, address));
  }
  j.subkey_fingerprint = chosen->fingerprint;

  // Strength of the primary key and of the chosen subkey (KEY-01).
  std::vector<const SubkeyFacts*> judged{chosen};
  if (!key.subkeys.empty() && &key.subkeys[0] != chosen) {
    judged.insert(judged.begin(), &key.subkeys[0]);
  }
  for (const auto* s : judged) {
    auto st = judge_strength(*s, policy);
    if (st.verdict == Strength::Verdict::weak) {
      return problem(std::move(j),
                     KeyProblem::weak,
                     "KEY-01",
                     fmt::format("key {}: {}", fpr, st.reason),
                     role == Role::signer
                       ? replace_fix(role, address)
                       : fmt::format("ask {} for a stronger key (ed25519/cv25519, or RSA of at "
                                     "least {} bits), then run `peermail keys import FILE`",
                                     address,
                                     std::max(2048, policy.min_rsa_bits)));
    }
    if (st.verdict == Strength::Verdict::warn) {
      j.warnings.push_back(fmt::format("key {}: {} [KEY-01]", fpr, st.reason));
    }
  }

  // Lifetime warnings (KEY-02).
  const std::int64_t expires = effective_expiry(key, *chosen);
  if (expires == 0) {
    j.warnings.push_back(
      fmt::format("key {} never expires; keys need a finite cryptoperiod "
                  "[KEY-02]",
                  fpr));
  } else if (expires - now < static_cast<std::int64_t>(policy.expiry_warning_days) * k_day) {
    const std::int64_t days = std::max<std::int64_t>(0, (expires - now) / k_day);
    j.warnings.push_back(
      fmt::format("key {} expires on {} (in {} days) [KEY-02]", fpr, format_date(expires), days));
  }
  return j;
}

} // namespace

std::string_view
validity_name(int validity)
{
  switch (validity) {
  case k_validity_undefined:
    return "undefined";
  case k_validity_never:
    return "never";
  case k_validity_marginal:
    return "marginal";
  case k_validity_full:
    return "full";
  case k_validity_ultimate:
    return "ultimate";
  default:
    return "unknown";
  }
}

std::int64_t
policy_now(const KeyPolicy& policy)
{
  return policy.now != 0 ? policy.now : static_cast<std::int64_t>(std::time(nullptr));
}

std::string
format_date(std::int64_t epoch)
{
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Strength
judge_strength(const SubkeyFacts& subkey, const KeyPolicy& policy)
{
  const std::string algo = util::to_lower(subkey.algo);
  const std::string name = algo.empty() ? std::string("key") : algo;
  const bool after_2030 = subkey.expires == 0 || subkey.expires > k_end_of_2030;
  Strength st;
  if (starts_with(algo, "rsa") || starts_with(algo, "dsa") || starts_with(algo, "elg")) {
    const unsigned bits = subkey.length;
    const unsigned floor = static_cast<unsigned>(std::max(2048, policy.min_rsa_bits));
    if (bits < 2048) {
      st.verdict = Strength::Verdict::weak;
      st.reason = fmt::format(
        "{} gives less than 112-bit security (at least 2048 bits, "
        "policy {} bits)",
        name,
        floor);
    } else if (bits < floor) {
      st.verdict = Strength::Verdict::weak;
      st.reason =
        fmt::format("{} is below the policy minimum of {} bits (policy.min_rsa_bits)", name, floor);
    } else if (bits < 3072 && after_2030) {
      st.verdict = Strength::Verdict::warn;
      st.reason =
        fmt::format("{} gives only 112-bit security and must not be used after 2030", name);
    }
    return st;
  }
  std::string curve = util::to_lower(subkey.curve);
  unsigned bits = curve_bits(curve);
  if (bits == 0) {
    bits = curve_bits(algo);
  }
  if (bits == 0) {
    bits = subkey.length;
  }
  if (bits < 224) {
    st.verdict = Strength::Verdict::weak;
    st.reason = fmt::format(
      "{} gives less than 112-bit security (curves of at least 224 bits "
      "are required)",
      name);
  } else if (bits < 255 && after_2030) {
    st.verdict = Strength::Verdict::warn;
    st.reason = fmt::format("{} gives only 112-bit security and must not be used after 2030", name);
  }
  return st;
}

KeyJudgement
judge_recipient_key(const KeyFacts& key,
                    const std::string& address,
                    bool pinned,
                    const KeyPolicy& policy)
{
  KeyJudgement j;
  j.address = address;
  j.key = key;
  const UidFacts* uid = find_uid(key, address, true);
  if (uid == nullptr) {
    if (const UidFacts* dead = find_uid(key, address, false); dead != nullptr) {
      return problem(std::move(j),
                     KeyProblem::revoked,
                     "KEY-03",
                     fmt::format("the user ID <{}> of key {} is {}",
                                 address,
                                 key.fingerprint,
                                 dead->revoked ? "revoked" : "invalid"),
                     replace_fix(Role::recipient, address));
    }
    return problem(
      std::move(j),
      KeyProblem::uid_mismatch,
      "E2E-04",
      fmt::format(
        "{}key {} has no user ID for <{}>", pinned ? "pinned " : "", key.fingerprint, address),
      pinned ? fmt::format("check the [[peer]] entry for {}: its fingerprint must be "
                           "the key that carries this address",
                           address)
             : replace_fix(Role::recipient, address));
  }
  j = judge_common(std::move(j), key, address, Role::recipient, policy);
  if (!j.ok()) {
    return j;
  }
  // One rule (docs/DESIGN.md §4, E2E-04): the key must be certified (full
  // or ultimate validity): GnuPG encrypts to nothing else, and peermail never
  // overrides it ("always trust"). A [[peer]] pin adds to that: it names the
  // one key for the address, so another certified key is refused.
  if (uid->validity < k_validity_full) {
    return problem(std::move(j),
                   KeyProblem::validity,
                   "E2E-04",
                   fmt::format("the {}key {} for <{}> is not certified ({} validity; full or "
                               "ultimate is required)",
                               pinned ? "pinned " : "",
                               key.fingerprint,
                               address,
                               validity_name(uid->validity)),
                   certify_fix(address, key.fingerprint));
  }
  return j;
}

KeyJudgement
choose_recipient_key(const std::vector<KeyFacts>& candidates,
                     const std::string& address,
                     const std::optional<std::string>& pinned,
                     const KeyPolicy& policy)
{
  if (pinned) {
    const std::string want = util::normalize_fingerprint(*pinned);
    const KeyFacts* other = nullptr;
    for (const auto& k : candidates) {
      if (util::normalize_fingerprint(k.fingerprint) == want) {
        return judge_recipient_key(k, address, true, policy);
      }
      if (other == nullptr && find_uid(k, address, false) != nullptr) {
        other = &k;
      }
    }
    KeyJudgement j;
    j.address = address;
    if (other != nullptr) {
      j.key = *other;
      return problem(std::move(j),
                     KeyProblem::pin_mismatch,
                     "E2E-04",
                     fmt::format("the [[peer]] entry pins {} for <{}>, but the keyring has {}",
                                 want,
                                 address,
                                 other->fingerprint),
                     fmt::format("import the pinned key; if {} really has a new key, verify it "
                                 "out of band and update the [[peer]] fingerprint",
                                 address));
    }
    return problem(
      std::move(j),
      KeyProblem::missing,
      "E2E-01",
      fmt::format("the pinned key {} for <{}> is not in the keyring", want, address),
      fmt::format("get the key {} from {} and run `peermail keys import FILE`", want, address));
  }

  std::vector<KeyJudgement> judged;
  for (const auto& k : candidates) {
    if (find_uid(k, address, false) != nullptr) {
      judged.push_back(judge_recipient_key(k, address, false, policy));
    }
  }
  if (judged.empty()) {
    KeyJudgement j;
    j.address = address;
    return problem(std::move(j),
                   KeyProblem::missing,
                   "E2E-01",
                   fmt::format("no key for <{}> in the keyring", address),
                   fmt::format("get {}'s public key, verify its fingerprint out of band, run "
                               "`peermail keys import FILE` and `peermail keys pin {} FPR`",
                               address,
                               address));
  }
  auto created = [](const KeyJudgement& j) -> std::int64_t {
    if (!j.key || j.key->subkeys.empty()) {
      return 0;
    }
    return j.key->subkeys[0].created;
  };
  // Prefer usable keys, then the newest.
  auto best = std::max_element(judged.begin(), judged.end(), [&](const auto& a, const auto& b) {
    if (a.ok() != b.ok()) {
      return b.ok();
    }
    return created(a) < created(b);
  });
  return std::move(*best);
}

KeyJudgement
judge_signer_key(const KeyFacts* key,
                 const std::string& fingerprint,
                 const std::string& address,
                 const KeyPolicy& policy)
{
  KeyJudgement j;
  j.address = address;
  const std::string fpr = util::normalize_fingerprint(fingerprint);
  if (fpr.empty()) {
    return problem(std::move(j),
                   KeyProblem::missing,
                   "SIG-01",
                   "identity.signing_key is not set",
                   "set identity.signing_key to the full fingerprint of your signing key "
                   "(gpg --list-secret-keys --with-colons)");
  }
  if (key == nullptr) {
    return problem(std::move(j),
                   KeyProblem::missing,
                   "SIG-01",
                   fmt::format("signing key {} is not in the keyring", fpr),
                   "import your secret key into this GnuPG home (gpg --import), or set "
                   "identity.signing_key to a key you hold");
  }
  j.key = *key;
  if (find_uid(*key, address, true) == nullptr) {
    return problem(std::move(j),
                   KeyProblem::uid_mismatch,
                   "SIG-01",
                   fmt::format("signing key {} has no user ID for the sender <{}>", fpr, address),
                   fmt::format("add the user ID (gpg --quick-add-uid {} '<{}>') or set "
                               "identity.signing_key to a key for <{}>",
                               fpr,
                               address,
                               address));
  }
  return judge_common(std::move(j), *key, address, Role::signer, policy);
}

bool
separates_usages(const KeyFacts& key)
{
  bool signs = false;
  bool encrypts = false;
  for (const auto& s : key.subkeys) {
    if (s.can_sign && s.can_encrypt) {
      return false;
    }
    signs = signs || s.can_sign;
    encrypts = encrypts || s.can_encrypt;
  }
  return signs && encrypts;
}

KeyJudgement
with_problem(KeyJudgement j, KeyProblem p, std::string id, std::string reason, std::string fix)
{
  j.problem = p;
  j.check_id = std::move(id);
  j.reason = std::move(reason);
  j.fix = std::move(fix);
  return j;
}

Error
judgement_error(const KeyJudgement& j, std::string_view who)
{
  return Error(Errc::no_key, fmt::format("{}: {}", who, j.reason), j.check_id, j.fix);
}

} // namespace peermail::crypto
