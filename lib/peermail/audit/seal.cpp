// SPDX-License-Identifier: GPL-3.0-or-later
// Seals: the chain head signed with [audit] seal_key (see seal.hpp).
#include "seal.hpp"

#include <peermail/audit/file_util.hpp>
#include <peermail/crypto/engine.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <set>

namespace peermail::audit {

namespace {

constexpr const char* k_check_id = "AUD-03";
constexpr int k_attempts = 5;

bool
is_hex64(const std::string& s)
{
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A value that cannot change the meaning of the signed text.
bool
plain_value(const std::string& s)
{
  return !s.empty() && s.size() <= 255 && s.find_first_of("\n\r=") == std::string::npos;
}

std::string
host_name()
{
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') {
    return "unknown";
  }
  std::string h(buf.data());
  return plain_value(h) ? h : std::string("unknown");
}

std::int64_t
now_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Add what the user can do to a GnuPG error from sealing.
Error
seal_error(Error e, const std::string& key)
{
  // GnuPG names the source of the failure ("signing: Pinentry: …"): a
  // passphrase that could not be asked for is a failure of the moment (75).
  const bool pinentry = e.message.find("Pinentry") != std::string::npos
                        || e.message.find("passphrase") != std::string::npos;
  if (pinentry) {
    e.code = Errc::canceled;
  }
  e.message = fmt::format("sealing the audit log with [audit] seal_key {}: {}", key, e.message);
  e.check_id = k_check_id;
  if (e.code == Errc::canceled || e.code == Errc::temp) {
    e.fix = fmt::format(
      "the seal key's passphrase could not be asked for (no pinentry, or it was dismissed); "
      "unlock the key in gpg-agent (e.g. sign something with it once) or use a service key "
      "kept on this host, then run `peermail audit seal`");
  } else if (e.fix.empty()) {
    e.fix = fmt::format(
      "import the secret key of {} into this GnuPG home, or set [audit] seal_key to a key "
      "whose secret part is here; then run `peermail audit seal`",
      key);
  }
  return e;
}

// The last record of the log: its seq and hash (0 and genesis when empty).
struct Head
{
  std::uint64_t seq = 0;
  std::string hash = std::string(k_genesis_prev);
};

Result<Head>
read_head(const std::string& path)
{
  PEERMAIL_TRY_ASSIGN(const auto last, last_record(path));
  Head h;
  if (last.is_null()) {
    return h;
  }
  h.seq = last["seq"].get<std::uint64_t>();
  h.hash = last["hash"].get<std::string>();
  return h;
}

} // namespace

Result<nlohmann::json>
last_record(const std::string& path)
{
  detail::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
  if (!fd) {
    return fail(Errc::no_input,
                fmt::format("audit log {}: cannot open: {}", path, std::strerror(errno)));
  }
  struct stat st
  {
  };
  if (::fstat(fd.get(), &st) != 0) {
    return fail(Errc::io, fmt::format("audit log {}: cannot stat: {}", path, std::strerror(errno)));
  }
  if (st.st_size == 0) {
    return nlohmann::json();
  }
  PEERMAIL_TRY_ASSIGN(const auto line, detail::read_last_line(fd.get(), st.st_size));
  auto j = nlohmann::json::parse(line.text, nullptr, false);
  if (!line.complete || !j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()
      || !j.contains("hash") || !j["hash"].is_string()) {
    return fail(Errc::io,
                fmt::format("audit log {}: the last line is not a valid audit record", path),
                "AUD-04",
                fmt::format("run `peermail audit verify --file {}`", path));
  }
  return j;
}

std::string
seal_text(const SealHead& head)
{
  return fmt::format("peermail-seal v1\nseq={}\nhash={}\ntime={}\nhost={}\n",
                     head.seq,
                     head.hash,
                     head.time,
                     head.host);
}

std::optional<SealHead>
parse_seal(const nlohmann::json& record)
{
  const auto it = record.find("seal");
  if (it == record.end() || !it->is_object()) {
    return std::nullopt;
  }
  const auto& s = *it;
  auto str = [&](const char* k) -> std::optional<std::string> {
    const auto f = s.find(k);
    if (f == s.end() || !f->is_string()) {
      return std::nullopt;
    }
    return f->get<std::string>();
  };
  // Integers built in memory are signed, parsed ones unsigned: accept both.
  const auto v = s.find("v");
  const auto seq = s.find("seq");
  if (v == s.end() || !v->is_number_integer() || v->get<std::int64_t>() != 1 || seq == s.end()
      || !seq->is_number_integer() || seq->get<std::int64_t>() < 0) {
    return std::nullopt;
  }
  SealHead h;
  h.seq = seq->get<std::uint64_t>();
  const auto hash = str("hash");
  const auto time = str("time");
  const auto host = str("host");
  if (!hash || !time || !host || !str("key") || !str("sig") || !is_hex64(*hash)
      || !plain_value(*time) || !plain_value(*host)) {
    return std::nullopt;
  }
  h.hash = *hash;
  h.time = *time;
  h.host = *host;
  return h;
}

Result<SealSignature>
sign_with_seal_key(std::string_view text, const SealOptions& opts)
{
  if (opts.key.empty()) {
    return fail(Errc::config,
                "no [audit] seal_key configured",
                k_check_id,
                "set [audit] seal_key to the full fingerprint of the organisation's (or a "
                "service) OpenPGP key");
  }
  auto engine = crypto::Engine::create(opts.gnupg_home);
  if (!engine) {
    return unexpected(seal_error(engine.error(), opts.key));
  }
  auto sig = (*engine)->sign_detached(text, opts.key);
  if (!sig) {
    return unexpected(seal_error(sig.error(), opts.key));
  }
  return SealSignature{sig->data, opts.key, crypto::hash_name(sig->hash_algo)};
}

Result<nlohmann::json>
seal(const std::string& path, const SealOptions& opts)
{
  try {
    PEERMAIL_TRY_ASSIGN(auto log, AuditLog::open(path));
    for (int attempt = 0;; ++attempt) {
      PEERMAIL_TRY_ASSIGN(const Head head, read_head(path));
      SealHead h{head.seq, head.hash, format_time(now_ms()), host_name()};
      PEERMAIL_TRY_ASSIGN(auto sig, sign_with_seal_key(seal_text(h), opts));
      Record r;
      r.action = std::string(k_seal_action);
      r.outcome = std::string(k_seal_outcome);
      r.protocol = "OpenPGP";
      r.signer_fpr = sig.key;
      r.hash_algo = sig.hash_algo;
      r.user = opts.user;
      r.config_sha256 = opts.config_sha256;
      r.seal = {
        {"v",    1            },
        {"seq",  h.seq        },
        {"hash", h.hash       },
        {"time", h.time       },
        {"host", h.host       },
        {"key",  sig.key      },
        {"sig",  sig.signature}
      };
      auto written = log.append_after(r, head.seq, head.hash);
      if (written || written.error().code != Errc::temp || attempt + 1 >= k_attempts) {
        return written;
      }
    }
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("audit log {}: {}", path, e.what()), k_check_id);
  }
}

// --- SealChecker ---

struct SealChecker::Impl
{
  std::string home;
  std::string key;
  std::unique_ptr<crypto::Engine> engine;
  std::set<std::string> key_fprs; // the seal key and its subkeys
  bool key_known = false;
};

SealChecker::SealChecker(std::unique_ptr<Impl> impl)
  : m_impl(std::move(impl))
{
}

SealChecker::~SealChecker() = default;

Result<std::shared_ptr<SealChecker>>
SealChecker::create(const std::string& gnupg_home, const std::string& key)
{
  auto impl = std::make_unique<Impl>();
  impl->home = gnupg_home;
  impl->key = util::normalize_fingerprint(key);
  impl->key_fprs.insert(impl->key);
  PEERMAIL_TRY_ASSIGN(impl->engine, crypto::Engine::create(gnupg_home));
  PEERMAIL_TRY_ASSIGN(auto ring, crypto::Keyring::open(gnupg_home));
  PEERMAIL_TRY_ASSIGN(auto keys, ring->list(false));
  for (const auto& k : keys) {
    if (k.fingerprint != impl->key) {
      continue;
    }
    impl->key_known = true;
    for (const auto& sub : k.subkeys) {
      impl->key_fprs.insert(sub.fingerprint);
    }
  }
  return std::shared_ptr<SealChecker>(new SealChecker(std::move(impl)));
}

const std::string&
SealChecker::key() const
{
  return m_impl->key;
}

SealVerdict
SealChecker::check_signature(std::string_view text,
                             std::string_view signature,
                             const std::string& what)
{
  if (!m_impl->key_known) {
    return {false,
            fmt::format("{}: the seal key {} is not in the keyring, so no seal can be checked",
                        what,
                        m_impl->key)};
  }
  auto sigs = m_impl->engine->verify_detached(text, signature);
  if (!sigs) {
    return {false,
            fmt::format("{}: its signature cannot be checked: {}", what, sigs.error().message)};
  }
  if (sigs->size() != 1) {
    return {false, fmt::format("{}: {} signatures instead of one", what, sigs->size())};
  }
  const auto& s = sigs->front();
  const std::string fpr = util::normalize_fingerprint(s.fingerprint);
  if (s.status == crypto::SigStatus::bad) {
    return {false,
            fmt::format("{}: the signature does not match what it signs (BAD signature)", what)};
  }
  if (s.status == crypto::SigStatus::no_key) {
    return {false,
            fmt::format("{}: signed by an unknown key {}, not by the seal key {}",
                        what,
                        fpr.empty() ? "(unknown)" : fpr,
                        m_impl->key)};
  }
  if (m_impl->key_fprs.count(fpr) == 0) {
    return {false,
            fmt::format("{}: signed by key {}, not by the seal key {}", what, fpr, m_impl->key)};
  }
  // A seal stays a seal after its key expired; a revoked key may have been
  // stolen, and anything weaker than SHA-256 proves nothing.
  if (s.status != crypto::SigStatus::good && s.status != crypto::SigStatus::key_expired) {
    return {false,
            fmt::format("{}: the seal key's signature is {}", what, crypto::to_string(s.status))};
  }
  if (crypto::hash_is_weak(s.hash_algo)) {
    return {
      false,
      fmt::format("{}: signed with the weak digest {}", what, crypto::hash_name(s.hash_algo))};
  }
  return {true, ""};
}

SealVerdict
SealChecker::check_record(const nlohmann::json& record)
{
  const auto seq = record.value("seq", std::uint64_t{0});
  const std::string prev = record.value("prev", std::string());
  const auto head = parse_seal(record);
  if (!head) {
    return {false, fmt::format("record {} is a seal record without a well-formed seal", seq)};
  }
  if (head->seq + 1 != seq || head->hash != prev) {
    return {false,
            fmt::format("record {} is a seal of record {} (hash {}…) but follows record {} "
                        "(hash {}…): the seal was moved or the records before it were changed",
                        seq,
                        head->seq,
                        head->hash.substr(0, 12),
                        seq - 1,
                        prev.substr(0, 12))};
  }
  const std::string sig = record["seal"]["sig"].get<std::string>();
  auto v = check_signature(seal_text(*head), sig, fmt::format("record {} (seal)", seq));
  if (!v.valid) {
    v.problem +=
      fmt::format(": records 1…{} or the seal were changed, or the seal was forged", head->seq);
  }
  return v;
}

} // namespace peermail::audit
