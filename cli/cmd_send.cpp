// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail send`: submit a message over verified TLS (docs/DESIGN.md §2.1).
//   send --message FILE|-   an already encrypted message (run_send_message)
//   send --to … --subject … compose mode (send_compose.cpp)
// Both go through send::run: preflight, write-ahead audit, submission.
#include "app.hpp"
#include "output.hpp"
#include "send_compose.hpp"
#include "send_report.hpp"

#include <peermail/send/pipeline.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>

#include <memory>

namespace peermail::cli {

namespace {

struct SendOptions
{
  std::string message;         // --message FILE|-
  std::vector<std::string> to; // --to (overrides the message's recipients)
  bool dry_run = false;        // --dry-run
  ComposeCliOptions compose;   // compose mode (send_compose.cpp)
};

// Submit the already encrypted message `o.message` through the pipeline.
// Returns the exit code.
int
run_send_message(const SendOptions& o, const GlobalOptions& g)
{
  auto req = cli_request("send", o.dry_run, g);
  req.envelope_to = o.to;
  req.encrypted = std::string();
  // Arguments first (addresses), then the message, then the config.
  if (auto v = send::validate(req); !v) {
    return render_error(v.error(), g);
  }
  const auto max = req.submission.max_bytes + 1;
  auto bytes = o.message == "-" ? util::read_stdin(max) : util::read_file(o.message, max);
  if (!bytes) {
    Error e = bytes.error();
    if (e.code == Errc::data) {
      e.message = fmt::format("the message is larger than {} MiB", req.submission.max_bytes >> 20);
    } else if (e.message.starts_with(o.message + ": ")) {
      // File names are content too (AUD-02): name the option, not the file.
      e.message = "--message: " + e.message.substr(o.message.size() + 2);
    }
    return render_error(e, g);
  }
  req.encrypted = std::move(*bytes);
  return run_request(req, g, Verbosity::summary);
}

} // namespace

void
register_send(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<SendOptions>();
  sub.add_option(
    "--message", opts->message, "submit this already encrypted RFC 5322 message (\"-\": stdin)");
  sub.add_option("--to", opts->to, "recipient (repeatable); with --message: overrides To/Cc/Bcc");
  add_compose_options(sub, opts->compose);
  sub.add_flag("--dry-run", opts->dry_run, "check and show what would be sent; send nothing");
  sub.callback([opts, &g, exit_code] {
    if (!opts->message.empty()) {
      if (compose_requested(opts->compose)) {
        *exit_code = print_error(Error(Errc::usage,
                                       "--message cannot be combined with --cc, --bcc, "
                                       "--subject, --subject-file, --body-file or --attach"));
        return;
      }
      *exit_code = run_send_message(*opts, g);
      return;
    }
    *exit_code = run_send_compose(opts->compose, opts->to, opts->dry_run, g);
  });
}

} // namespace peermail::cli
