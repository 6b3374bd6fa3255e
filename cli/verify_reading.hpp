// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `verify --decrypt` for a person reading: what a released plaintext holds
// (the protected Subject, its attachments), --save-attachments DIR and
// --body-only. Only a plaintext the verdict released (VerifyReport::
// decrypted_message) is read; nothing is saved or shown otherwise.

#include <peermail/mime/attachments.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/save_dir.hpp>
#include <peermail/verify/verify.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace peermail::cli {

// What verify read from a released plaintext, and where it saved each
// attachment ("" when not saved).
struct ReleasedReading
{
  mime::Reading reading;
  std::vector<std::string> saved_as;
};

// Read the plaintext `r` released (nullopt when it released none) and save
// its attachments into `dir` when given (util::SaveDir: safe names, never
// over a file). A plaintext GMime cannot read is an error only when the
// reading is `required` (--save-attachments, --body-only); else a warning,
// and nullopt. Errors: data (the plaintext is not a message), io (saving).
Result<std::optional<ReleasedReading>>
read_released(const verify::VerifyReport& r, util::SaveDir* dir, bool required);

// Return the text lines of `rr` for the report: "subject: …" and one line
// per attachment (name, type, size, where saved), every text terminal-safe.
std::string render_reading_text(const ReleasedReading& rr);

// Return the JSON object of `rr`: {"subject", "attachments": [{"name",
// "type", "bytes", "saved_as"}]}.
nlohmann::json reading_json(const ReleasedReading& rr);

// Print the verify report of `r` (JSON when `json`, else text) on stderr
// when `to_stderr` (the plaintext goes to stdout), else on stdout. With a
// reading, JSON gains "reading" (reading_json), and the text its lines when
// it goes to a terminal (a log file gets no subject or file names).
Result<void> write_verify_report(bool json,
                                 const verify::VerifyReport& r,
                                 const std::optional<ReleasedReading>& rr,
                                 bool to_stderr);

// Where and how `verify` releases the plaintext.
struct Release
{
  std::string output;                                  // -o FILE ("": stdout)
  util::Overwrite overwrite = util::Overwrite::refuse; // --force
  bool body_only = false;                              // --body-only
};

// Release the plaintext of `r`, if any: the text body of `rr`, terminal-safe
// (--body-only), else the decrypted message to -o FILE or stdout; else a
// note that none was written. Returns the exit code (0 when all is well).
int release_plaintext(const verify::VerifyReport& r,
                      const std::optional<ReleasedReading>& rr,
                      const Release& how);

} // namespace peermail::cli
