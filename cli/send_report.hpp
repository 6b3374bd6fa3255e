// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Rendering of a send::SendReport for `send` (compose mode) and
// `sendmail`: text or --json on stdout, errors on stderr. Never a subject,
// body or file name (the report holds none).

#include "app.hpp"

#include <peermail/send/pipeline.hpp>

#include <nlohmann/json.hpp>

namespace peermail::cli {

// How much to print on success.
enum class Verbosity {
  summary, // `send`: one line per recipient
  silent,  // `sendmail`: nothing on success (sendmail convention)
};

// Print `report` as `g` asks and return the exit code. `signal`: the
// SIGINT/SIGTERM that interrupted the send (0: none); the exit code is then
// 128 + signal and --json says {"interrupted": true, "signal": "SIGINT"}.
int render_send_report(const send::SendReport& report,
                       const GlobalOptions& g,
                       Verbosity verbosity,
                       int signal = 0);

// Return a request for `action` with what every sending command takes from
// `g`: GnuPG home, TMPDIR, environment, -v transcript, and the process's
// stop request (signals.hpp).
send::SendRequest cli_request(std::string action, bool dry_run, const GlobalOptions& g);

// Validate `req` (with its input read), load the config, run the pipeline
// with SIGINT/SIGTERM handled (signals.hpp) and render the report; return
// the exit code (130/143 when interrupted).
int run_request(const send::SendRequest& req, const GlobalOptions& g, Verbosity verbosity);

// Return whether a pinentry could reach the user (send::Prompt): a
// controlling terminal, $GPG_TTY, or a display. Cron and services have none.
send::Prompt pinentry_prompt(const GlobalOptions& g);

// Return the services the CLI uses: the real ones, with the exit-code names
// of cli/exit_codes.cpp for audit records.
send::Services cli_services();

// Return the SMTP transcript printer for -v (or an empty function).
transport::TranscriptFn transcript_for(const GlobalOptions& g);

// Return the --json object of `r`: ok, dry_run, message_id, mail_from,
// signer_fpr, hash_algo, plaintext_bytes, recipients, copies, warnings,
// tls, error (docs/DESIGN.md).
nlohmann::json send_report_json(const send::SendReport& r);

// Return the --json "error" object of `e`: kind, message, check_id, fix,
// exit_code, smtp_code.
nlohmann::json send_error_json(const Error& e);

// Print `e` (and, with --json, {"ok": false, "error": …} on stdout); return
// the exit code.
int render_error(const Error& e, const GlobalOptions& g);

} // namespace peermail::cli
