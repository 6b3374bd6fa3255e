// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace peermail {

// What went wrong, by kind. The CLI maps each kind to one sysexits code in one
// table (cli/exit_codes.cpp); the library never decides exit codes itself.
enum class Errc {
  usage,           // bad command-line use (64)
  data,            // malformed input: message, CSV, template, header (65)
  no_input,        // input file missing or unreadable (66)
  no_key,          // no usable, valid key for a recipient or signer (67)
  unavailable,     // server refused permanently / no compliant TLS (69)
  internal,        // a bug or unexpected library failure (70)
  io,              // local I/O error (74)
  temp,            // temporary failure: 4xx, timeout, connection lost (75)
  protocol,        // SMTP or TLS protocol violation (76)
  auth,            // authentication failed (77)
  permissions,     // a file has unsafe permissions (77)
  config,          // configuration cannot be parsed or is invalid (78)
  insecure_config, // configuration is valid TOML but not compliant (78)
  crypto,          // a GnuPG operation failed unexpectedly (70)
  canceled,        // an operation was canceled (e.g. pinentry) (75)
  verdict,         // a negative verdict (check FAIL, verify invalid) (1)
  maybe_delivered, // delivered to some recipients only, or the reply to the
                   // final "." never came: a retry could duplicate (69)
  cant_create,     // an output file exists and may not be replaced (73)
};

// Return the stable lower-case name of `code`, e.g. "insecure_config".
std::string_view to_string(Errc code);

// An error with everything a user needs to fix it. `message` names the
// setting or input; `check_id` is the CHECKLIST.md item it breaks (if any) and
// `fix` says what to do. Messages never contain secrets or message content.
struct Error
{
  Errc code = Errc::internal;
  std::string message;
  std::string check_id;           // e.g. "TLS-02"; empty if none
  std::string fix;                // e.g. "set min_tls = \"1.2\""; may be empty
  std::optional<int> smtp_status; // SMTP reply code, when one was received

  Error() = default;
  Error(Errc c, std::string msg, std::string id = {}, std::string fix_text = {})
    : code(c),
      message(std::move(msg)),
      check_id(std::move(id)),
      fix(std::move(fix_text))
  {
  }
};

} // namespace peermail
