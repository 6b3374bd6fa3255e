// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/seal.hpp>
#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

// Exports that verify (issue 14, docs/DESIGN.md §7.2).
//
// `audit export` writes JSON Lines: first a manifest, then the selected
// records unchanged, in log order. The manifest:
//   {"peermail_export": 1, "source": PATH, "filter": {since, until, outcome,
//    action, recipient (only those set)}, "count": N, "first_seq": A,
//    "last_seq": B, "records_sha256": hex SHA-256 of every exported record's
//    "hash" followed by "\n", in order, "head_seq": S, "head_hash": H (the
//    source log's head when exported), "seals": [the source's seal records
//    that cover the export: the first seal after record B and the last seal,
//    complete], "created": RFC 3339, "host": X, "signature": {"key": FPR,
//    "hash_algo": "SHA512", "sig": armored detached signature over
//    manifest_text()}}
// "signature" is absent when no [audit] seal_key is configured.
// A file whose first line is not a manifest is verified as a log.
namespace peermail::audit {

inline constexpr int k_export_version = 1;

// Return true if `first_line` is an export manifest (has "peermail_export").
bool is_export_manifest(const nlohmann::json& first_line);

// Return true if the first line of the file at `path` is an export manifest;
// false for a log, and for a file that cannot be read (verified as a log,
// which then reports why).
bool is_export_file(const std::string& path);

// Return the text the manifest signature signs: "peermail-export v1\n"
// followed by the canonical JSON of `manifest` without "signature".
std::string manifest_text(const nlohmann::json& manifest);

// What make_export() needs.
struct ExportOptions
{
  Filter filter;
  nlohmann::json filter_desc = nlohmann::json::object(); // the filter as the user gave it
  // The seal key: the source's seals are checked with it and the manifest
  // is signed with it. Null checker / empty key: unsigned manifest.
  std::shared_ptr<SealChecker> seals;
  SealOptions signer;
};

struct Export
{
  std::string text; // manifest line + record lines
  std::uint64_t count = 0;
  bool signed_manifest = false;
};

// Verify the log at `path` (with its seals), select the records and build the
// export. A log that does not verify is refused (Errc::verdict, AUD-03): an
// export vouches for what it holds. Errors: no_input, io, and those of
// sign_with_seal_key().
Result<Export> make_export(const std::string& path, const ExportOptions& opts);

// The result of verifying an export.
struct ExportReport
{
  bool ok = true;
  std::string problem;
  std::uint64_t first_bad_line = 0;
  std::uint64_t records = 0;  // records present and intact
  std::uint64_t filtered = 0; // seqs between first_seq and last_seq left out by the filter
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t head_seq = 0; // the source log's head at export time
  std::string source;
  nlohmann::json filter = nlohmann::json::object();
  bool manifest_signed = false;
  bool signature_checked = false; // a checker was given and judged it
  std::uint64_t seals = 0;        // manifest seals (valid ones when checked)
};

// Verify the export at `path`: each record's own hash, the chain between
// consecutive records, the manifest (count, range, digest) and, with
// `seals`, the manifest signature and the seals it carries. Records left out
// by the filter are counted as filtered, never reported as removed.
// A doctored export is a report with ok false; errors only for unreadable
// files (no_input, io).
Result<ExportReport> verify_export(const std::string& path,
                                   const std::shared_ptr<SealChecker>& seals);

// Where a seal key is set (`key_set`), an export whose manifest is not
// signed could have been rewritten by anyone: mark the otherwise intact
// report `r` as not ok, naming line 1 and [audit] seal_key (AUD-03).
void require_signed_manifest(ExportReport& r, bool key_set);

} // namespace peermail::audit
