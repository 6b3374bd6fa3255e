// SPDX-License-Identifier: GPL-3.0-or-later
// `audit verify`: recompute the hash chain and name the first record that was
// changed, removed or reordered.
#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/file_util.hpp>
#include <peermail/audit/line_reader.hpp>
#include <peermail/audit/seal.hpp>

#include <fmt/core.h>

#include <exception>
#include <set>

namespace peermail::audit {

namespace {

// Return the line number of the record with `seq` among the remaining lines.
std::optional<std::uint64_t>
find_seq(detail::LineReader& in, std::uint64_t seq)
{
  std::string line;
  bool complete = false;
  while (in.next(line, complete)) {
    if (line.find("\"seq\"") == std::string::npos) {
      continue;
    }
    const auto p = detail::parse_chained(line);
    if (p && p->seq == seq) {
      return in.line_number();
    }
  }
  return std::nullopt;
}

// Note a "pending" record, and forget the one an outcome record resolves.
void
track_pending(const nlohmann::json& j, std::set<std::uint64_t>& pending)
{
  const auto outcome = j.find("outcome");
  if (outcome != j.end() && outcome->is_string()
      && outcome->get<std::string>() == k_outcome_pending) {
    pending.insert(j["seq"].get<std::uint64_t>());
  }
  const auto resolved = j.find("pending_seq");
  if (resolved != j.end() && resolved->is_number_unsigned()) {
    pending.erase(resolved->get<std::uint64_t>());
  }
}

// A seal record: its action says so, or it carries a seal (a record that
// has one without the other is judged as a seal, and fails).
bool
is_seal(const nlohmann::json& j)
{
  const auto action = j.find("action");
  return j.contains("seal")
         || (action != j.end() && action->is_string()
             && action->get<std::string>() == k_seal_action);
}

std::string
missing_range(std::uint64_t from, std::uint64_t to)
{
  return from == to ? fmt::format("record {} is missing", from)
                    : fmt::format("records {}…{} are missing", from, to);
}

Result<VerifyReport>
verify_impl(const std::string& path, const VerifyOptions& opts)
{
  PEERMAIL_TRY_ASSIGN(auto in, detail::LineReader::open(path));
  VerifyReport rep;
  rep.head_hash.clear();
  std::string last_hash(k_genesis_prev);
  std::uint64_t last_line = 0;
  bool anchor_seen = opts.anchor_hash.empty();
  std::set<std::uint64_t> pending; // write-ahead records without an outcome yet

  auto bad = [&](std::uint64_t line, std::uint64_t seq, std::string problem) {
    rep.ok = false;
    rep.first_bad_line = line;
    rep.first_bad_seq = seq;
    rep.problem = std::move(problem);
    return rep;
  };

  std::string line;
  bool complete = false;
  while (in.next(line, complete)) {
    const std::uint64_t n = in.line_number();
    const std::uint64_t expected = rep.head_seq + 1;
    auto p = detail::parse_chained(line);
    if (!p) {
      if (!complete && !in.more()) {
        return bad(n,
                   expected,
                   fmt::format("line {} is incomplete: the last record was cut off (a crash "
                               "during a write?)",
                               n));
      }
      return bad(n, expected, fmt::format("line {} is not a valid audit record", n));
    }
    if (record_hash(p->j) != p->hash) {
      return bad(
        n, p->seq, fmt::format("record {} (line {}) was changed: hash mismatch", p->seq, n));
    }
    if (p->seq > expected) {
      if (const auto at = find_seq(in, expected)) {
        return bad(n,
                   p->seq,
                   fmt::format("records reordered at line {}: record {} comes before record {} "
                               "(line {})",
                               n,
                               p->seq,
                               expected,
                               *at));
      }
      return bad(n,
                 expected,
                 fmt::format("{} (seq jumps {} → {} at line {})",
                             missing_range(expected, p->seq - 1),
                             rep.head_seq,
                             p->seq,
                             n));
    }
    if (p->seq < expected) {
      return bad(n,
                 p->seq,
                 fmt::format("records reordered at line {}: record {} comes after record {}",
                             n,
                             p->seq,
                             rep.head_seq));
    }
    if (p->prev != last_hash) {
      if (p->seq == 1) {
        return bad(
          n, 1, fmt::format("record 1 (line {}) was changed: prev is not the genesis value", n));
      }
      return bad(last_line,
                 p->seq - 1,
                 fmt::format("record {} (line {}) was changed or replaced: record {} (line {}) "
                             "does not chain to it (prev mismatch)",
                             p->seq - 1,
                             last_line,
                             p->seq,
                             n));
    }
    if (!complete && !in.more()) {
      // A valid record without its "\n": append() would refuse to chain onto it.
      return bad(n,
                 p->seq,
                 fmt::format("line {} is incomplete: the last record has no newline (a crash "
                             "during a write?)",
                             n));
    }
    rep.records += 1;
    rep.head_seq = p->seq;
    rep.head_hash = p->hash;
    last_hash = p->hash;
    last_line = n;
    if (!anchor_seen && p->hash == opts.anchor_hash) {
      anchor_seen = true;
    }
    track_pending(p->j, pending);
    if (is_seal(p->j)) {
      if (opts.seals) {
        const auto v = opts.seals->check_record(p->j);
        if (!v.valid) {
          return bad(n, p->seq, v.problem);
        }
        rep.sealed_seq = p->seq;
        rep.sealed_time = p->j["seal"].value("time", std::string());
      }
      rep.seals += 1;
    }
  }
  if (!in.ok()) {
    return fail(Errc::io, fmt::format("audit log {}: read error", path));
  }
  if (opts.expect_seq && rep.head_seq < *opts.expect_seq) {
    return bad(last_line + 1,
               rep.head_seq + 1,
               fmt::format("{} at the end: the log ends at record {}, expected at least {}",
                           missing_range(rep.head_seq + 1, *opts.expect_seq),
                           rep.head_seq,
                           *opts.expect_seq));
  }
  if (!anchor_seen) {
    return bad(last_line + 1,
               rep.head_seq + 1,
               fmt::format("no record has the anchor hash {}: the log was truncated or rewritten "
                           "after that hash was recorded",
                           opts.anchor_hash));
  }
  rep.unresolved.assign(pending.begin(), pending.end());
  rep.seals_checked = opts.seals != nullptr;
  rep.unsealed = rep.head_seq - rep.sealed_seq;
  return rep;
}

} // namespace

Result<VerifyReport>
verify(const std::string& path, const VerifyOptions& opts)
{
  try {
    return verify_impl(path, opts);
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("audit log {}: {}", path, e.what()));
  }
}

} // namespace peermail::audit
