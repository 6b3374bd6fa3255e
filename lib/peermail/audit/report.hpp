// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports an auditor files as evidence: the header every report carries
// (`check`, `audit report`) and the period summary of `audit report`.

#include <peermail/audit/audit_log.hpp>
#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace peermail::audit {

// Who, where and from what a report was made (docs/DESIGN.md §5, §7).
struct EvidenceHeader
{
  std::string generated;     // UTC, RFC 3339 with milliseconds
  std::string host;          // gethostname()
  std::string tool_version;  // the peermail version
  std::string config_path;   // the config file read ("" = none)
  std::string config_sha256; // of its bytes
  std::string gnupg_home;    // the GnuPG home used
};

// Return the header for a report made now on this host from the config at
// `config_path` (hash `config_sha256`) and the GnuPG home `gnupg_home`.
EvidenceHeader
make_evidence_header(std::string config_path, std::string config_sha256, std::string gnupg_home);

// Return `h` as {"generated", "host", "peermail_version", "config_path",
// "config_sha256", "gnupg_home"}.
nlohmann::json to_json(const EvidenceHeader& h);

// The summary of `audit report --since --until`.
struct Summary
{
  std::string path;                     // the log read
  std::optional<std::int64_t> since_ms; // the period, as given
  std::optional<std::int64_t> until_ms;
  // Records in the period.
  std::uint64_t records = 0;
  std::uint64_t first_seq = 0; // 0 = none
  std::uint64_t last_seq = 0;
  std::map<std::string, std::uint64_t> by_action;
  // Send attempts in the period (actions send, sendmail, batch, refusal).
  // by_outcome counts every record, the write-ahead "pending" ones too;
  // by_user and by_tls count the final records only (not "pending").
  std::map<std::string, std::uint64_t> sends_by_outcome;
  std::map<std::string, std::uint64_t> sends_by_user;
  std::map<std::string, std::uint64_t> sends_by_tls; // "TLSv1.3", …, "none"
  std::uint64_t seals = 0;                           // seal records in the period
  // The whole log: its last seq, the last seal record, how many records
  // follow it (all of them when there is no seal), missing seq ranges
  // [first, last] and lines that are not records.
  std::uint64_t head_seq = 0;
  std::optional<std::uint64_t> last_seal_seq;
  std::uint64_t unsealed_tail = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
  std::uint64_t out_of_order = 0; // records whose seq is not above the one before
  std::uint64_t bad_lines = 0;
};

// Summarise the log at `path` for the period of `period` (only since_ms and
// until_ms are used). This counts; `audit verify` judges the chain.
// Errors: no_input, io.
Result<Summary> summarise(const std::string& path, const Filter& period);

// Return `s` as the JSON of `audit report --json` (docs/DESIGN.md §7).
nlohmann::json to_json(const Summary& s);

} // namespace peermail::audit
