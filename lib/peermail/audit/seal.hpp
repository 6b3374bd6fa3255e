// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/audit/audit_log.hpp>
#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

// Seals: the head of the audit chain signed with an OpenPGP key (issue 14,
// docs/DESIGN.md §7.1, CHECKLIST.md AUD-03).
//
// A hash chain has no key: whoever can write the file can rewrite a record
// and recompute every later hash. A seal is a record of its own in the chain
// (action "seal", outcome "sealed") whose member "seal" holds
//   {"v": 1, "seq": N, "hash": H, "time": T, "host": X, "key": FPR, "sig": S}
// where N and H are the seq and hash of the record right before the seal
// (so seal.seq == seq - 1 and seal.hash == prev), T the UTC time of sealing
// (RFC 3339), X the host name, FPR the fingerprint of [audit] seal_key and S
// an ASCII-armored detached OpenPGP signature by that key over the canonical
// text seal_text() (never over JSON, so the signed bytes are unambiguous):
//   "peermail-seal v1\nseq=N\nhash=H\ntime=T\nhost=X\n"
// Rewriting any record before a seal changes H (or breaks the chain), and a
// new H needs a new signature by the seal key.
namespace peermail::audit {

// The action and outcome of a seal record.
inline constexpr std::string_view k_seal_action = "seal";
inline constexpr std::string_view k_seal_outcome = "sealed";

// The head of a chain as a seal signs it.
struct SealHead
{
  std::uint64_t seq = 0; // 0: the empty log
  std::string hash;      // k_genesis_prev for the empty log
  std::string time;      // RFC 3339 UTC
  std::string host;
};

// Return the canonical text a seal signs (see above).
std::string seal_text(const SealHead& head);

// Read the "seal" member of `record` into a head; nothing when it is missing
// or malformed (wrong types, a hash that is not 64 hex digits, a field with a
// newline or "=" that would make the signed text ambiguous).
std::optional<SealHead> parse_seal(const nlohmann::json& record);

// Return the last record of the log at `path` (reading backwards from the
// end), or null for an empty log. Errors: no_input, io (an incomplete or
// invalid last line, AUD-04).
Result<nlohmann::json> last_record(const std::string& path);

// What seal() needs.
struct SealOptions
{
  std::string gnupg_home;    // "" = GnuPG's default home
  std::string key;           // [audit] seal_key: full fingerprint
  std::string user;          // identity.user_id ("" = the OS user)
  std::string config_sha256; // of the config in force
};

// Sign the head of the log at `path` and append the seal record right after
// it. Should another process append in between, sign the new head (a few
// attempts). Returns the seal record as written. Errors: no_input (no log),
// io (AUD-04), no_key / crypto / canceled / temp from GnuPG, each with
// check_id AUD-03 and a fix naming [audit] seal_key.
Result<nlohmann::json> seal(const std::string& path, const SealOptions& opts);

// How one seal record judged against the seal key.
struct SealVerdict
{
  bool valid = false;
  std::string problem; // why not, naming the record: "record 9 is a seal … "
};

// Checks seal records (and export manifests) against one key. Keeps one
// GnuPG context for its lifetime; not thread-safe.
class SealChecker
{
public:
  // Create a checker for seals by `key` (full fingerprint) in `gnupg_home`.
  static Result<std::shared_ptr<SealChecker>> create(const std::string& gnupg_home,
                                                     const std::string& key);

  // Judge the seal record `record` (its own hash and chain are checked by
  // the caller): the seal member is well formed, names the record before it
  // (seq - 1, prev), and carries a good signature by the seal key over
  // seal_text(). A good signature by another key is not a seal.
  SealVerdict check_record(const nlohmann::json& record);

  // Judge a detached armored `signature` over `text` made by the seal key;
  // `what` names the object in the problem ("the export manifest").
  SealVerdict
  check_signature(std::string_view text, std::string_view signature, const std::string& what);

  const std::string& key() const;

  ~SealChecker();
  SealChecker(const SealChecker&) = delete;
  SealChecker& operator=(const SealChecker&) = delete;

private:
  struct Impl;
  explicit SealChecker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// Make a detached armored signature over `text` with the seal key.
// Errors as for seal().
struct SealSignature
{
  std::string signature; // ASCII armor
  std::string key;       // the fingerprint that signed
  std::string hash_algo; // "SHA512"
};
Result<SealSignature> sign_with_seal_key(std::string_view text, const SealOptions& opts);

} // namespace peermail::audit
