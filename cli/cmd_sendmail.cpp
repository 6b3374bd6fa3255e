// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail sendmail` (and the binary invoked as `sendmail`): the
// sendmail-compatible entry point. Reads an RFC 5322 message on stdin and
// applies the same policy as `send` (sign + encrypt, refuse unready
// recipients with 67, strip Bcc), so scripts and MUAs gain compliance
// without changes (mutt: set sendmail="peermail sendmail").
#include "app.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/send/pipeline.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peermail::cli {

namespace {

struct SendmailOptions
{
  bool from_headers = false;                // -t
  bool ignore_dots = false;                 // -i (we always read to EOF)
  std::vector<std::string> o_options;       // -oi, -oem, -odi … ("-o" "i")
  std::optional<std::string> envelope_from; // -f / -r
  std::optional<std::string> full_name;     // -F
  std::optional<std::string> mode;          // -bm (the only mode)
  std::vector<std::string> ignored_values;  // -B 8BITMIME, -N never, -R, -V
  bool dry_run = false;
  std::vector<std::string> recipients; // ADDR...
};

// -o options that change nothing for us: -oi (dots; we read to EOF), -oe*
// (error reporting), -od* (delivery mode), -om (me too), -oQ/-oA.
bool
harmless_o(const std::string& v)
{
  return v == "i" || v.starts_with("e") || v.starts_with("d") || v == "m" || v.starts_with("Q")
         || v.starts_with("A") || v.starts_with("B") || v.starts_with("m");
}

int
run_sendmail(const SendmailOptions& o, const GlobalOptions& g)
{
  if (o.mode && *o.mode != "m") {
    return render_error(
      Error(Errc::usage, fmt::format("sendmail: -b{} is not supported (only -bm)", *o.mode)), g);
  }
  for (const auto& v : o.o_options) {
    if (!harmless_o(v)) {
      print_warn(fmt::format("sendmail: ignoring -o{}", v));
    }
  }
  auto req = cli_request("sendmail", o.dry_run, g);
  req.submission.recipients_from_headers = o.from_headers;
  req.submission.extra_recipients = o.recipients;
  req.submission.envelope_from = o.envelope_from;
  req.submission.full_name = o.full_name;
  req.raw = std::string();
  // Arguments first (header injection, addresses), then stdin.
  if (auto v = send::validate(req); !v) {
    return render_error(v.error(), g);
  }
  auto raw = util::read_stdin(req.submission.max_bytes + 1);
  if (!raw) {
    return render_error(raw.error(), g);
  }
  req.raw = std::move(*raw);
  return run_request(req, g, Verbosity::silent);
}

} // namespace

void
register_sendmail(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<SendmailOptions>();
  sub.add_flag("-t", o->from_headers, "take recipients from To, Cc and Bcc (Bcc is removed)");
  sub.add_flag("-i", o->ignore_dots, "a lone \".\" line does not end the input (always so)");
  sub.add_option("-o", o->o_options, "sendmail -o option: -oi, -oem, -odi … (accepted)")
    ->allow_extra_args(false);
  sub.add_option("-f,-r",
                 o->envelope_from,
                 "envelope sender; must be the identity address (the signer must match From)");
  sub.add_option("-F", o->full_name, "full name for a From header that is missing");
  sub.add_option("-b", o->mode, "mode: only -bm (deliver a message) is supported");
  sub.add_option("-B,-N,-R,-V", o->ignored_values, "accepted and ignored (body type, DSN)");
  sub.add_flag("--dry-run", o->dry_run, "check and protect, submit nothing");
  sub.add_option("recipients", o->recipients, "recipient addresses");
  sub.callback([o, &g, exit_code] { *exit_code = run_sendmail(*o, g); });
}

} // namespace peermail::cli
