// SPDX-License-Identifier: GPL-3.0-or-later
#include "send_compose.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/send/pipeline.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>

namespace peermail::cli {

void
add_compose_options(CLI::App& sub, ComposeCliOptions& o)
{
  sub.add_option("--cc", o.cc, "carbon-copy recipient (repeatable)");
  sub.add_option(
    "--bcc", o.bcc, "blind-copy recipient (repeatable); gets a separately encrypted copy");
  sub.add_option("--subject", o.subject, "subject (protected: the outer header shows \"[...]\")");
  sub.add_option("--body-file", o.body_file, "UTF-8 body text (default: stdin)");
  sub.add_option("--attach", o.attach, "attach FILE (repeatable; streamed, base64)");
}

bool
compose_requested(const ComposeCliOptions& o)
{
  return !o.cc.empty() || !o.bcc.empty() || o.subject || o.body_file || !o.attach.empty();
}

int
run_send_compose(const ComposeCliOptions& o,
                 const std::vector<std::string>& to,
                 bool dry_run,
                 const GlobalOptions& g)
{
  if (to.empty() && !compose_requested(o)) {
    return render_error(Error(Errc::usage,
                              "send: nothing to send",
                              "",
                              "give --message FILE, or --to ADDR --subject TEXT (body on stdin "
                              "or --body-file)"),
                        g);
  }
  if (!o.subject) {
    return render_error(Error(Errc::usage,
                              "send: --subject is required",
                              "",
                              "give --subject TEXT (it is protected: the outer header shows "
                              "\"[...]\")"),
                        g);
  }
  auto req = cli_request("send", dry_run, g);
  mime::ComposeRequest c;
  c.to = to;
  c.cc = o.cc;
  c.bcc = o.bcc;
  c.subject = *o.subject;
  for (const auto& path : o.attach) {
    c.attachments.push_back({path, "", ""});
  }
  req.compose = c;
  // Header injection, addresses and sizes first, before reading anything.
  if (auto v = send::validate(req); !v) {
    return render_error(v.error(), g);
  }
  const auto max_body = req.limits.max_body_bytes + 1;
  auto body = o.body_file ? util::read_file(*o.body_file, max_body) : util::read_stdin(max_body);
  if (!body) {
    Error e = body.error();
    if (e.code == Errc::data) {
      e.message = fmt::format("the body is larger than {} MiB", req.limits.max_body_bytes >> 20);
    } else if (o.body_file && e.message.starts_with(*o.body_file + ": ")) {
      // File names are content too (AUD-02): name the option, not the file.
      e.message = "--body-file: " + e.message.substr(o.body_file->size() + 2);
    }
    return render_error(e, g);
  }
  req.compose->body = std::move(*body);
  return run_request(req, g, Verbosity::summary);
}

} // namespace peermail::cli
