// SPDX-License-Identifier: GPL-3.0-or-later
#include "send_compose.hpp"

#include "compose_body.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/send/pipeline.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::cli {

// RFC 5322 §2.1.1: a line is at most 998 characters; a longer file is not a
// subject.
constexpr std::uint64_t k_max_subject_file_bytes = 1000;

void
add_compose_options(CLI::App& sub, ComposeCliOptions& o)
{
  sub.add_option("--cc", o.cc, "carbon-copy recipient (repeatable)");
  sub.add_option(
    "--bcc", o.bcc, "blind-copy recipient (repeatable); gets a separately encrypted copy");
  auto* subject = sub.add_option(
    "--subject",
    o.subject,
    "subject (protected: the outer header shows \"[...]\"); visible to other local users in "
    "the process list: prefer --subject-file for PHI");
  sub
    .add_option("--subject-file",
                o.subject_file,
                "read the subject from FILE (one line), so that it never appears on the command "
                "line")
    ->excludes(subject);
  sub.add_option("--body-file",
                 o.body_file,
                 "UTF-8 body text (default: stdin; on a terminal $VISUAL or $EDITOR)");
  sub.add_option("--attach", o.attach, "attach FILE (repeatable; streamed, base64)");
}

bool
compose_requested(const ComposeCliOptions& o)
{
  return !o.cc.empty() || !o.bcc.empty() || o.subject || o.subject_file || o.body_file
         || !o.attach.empty();
}

namespace {

// The subject: --subject, or the one line of --subject-file (its line end
// removed; a second line is refused by send::validate as header
// injection). The file name is content too (AUD-02): errors name the option.
Result<std::string>
read_subject(const ComposeCliOptions& o)
{
  if (o.subject) {
    return *o.subject;
  }
  auto text = util::read_file(*o.subject_file, k_max_subject_file_bytes);
  if (!text) {
    Error e = text.error();
    if (e.code == Errc::data) {
      e.message = fmt::format("--subject-file: larger than {} bytes: not a subject",
                              k_max_subject_file_bytes);
    } else if (e.message.starts_with(*o.subject_file + ": ")) {
      e.message = "--subject-file: " + e.message.substr(o.subject_file->size() + 2);
    }
    return unexpected(e);
  }
  std::string s = std::move(*text);
  if (!s.empty() && s.back() == '\n') {
    s.pop_back();
    if (!s.empty() && s.back() == '\r') {
      s.pop_back();
    }
  }
  return s;
}

} // namespace

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
  if (!o.subject && !o.subject_file) {
    return render_error(Error(Errc::usage,
                              "send: --subject or --subject-file is required",
                              "",
                              "give --subject-file FILE or --subject TEXT (it is protected: the "
                              "outer header shows \"[...]\")"),
                        g);
  }
  auto subject = read_subject(o);
  if (!subject) {
    return render_error(subject.error(), g);
  }
  auto req = cli_request("send", dry_run, g);
  mime::ComposeRequest c;
  c.to = to;
  c.cc = o.cc;
  c.bcc = o.bcc;
  c.subject = std::move(*subject);
  for (const auto& path : o.attach) {
    c.attachments.push_back({path, "", ""});
  }
  req.compose = c;
  // Header injection, addresses and sizes first, before reading anything.
  if (auto v = send::validate(req); !v) {
    return render_error(v.error(), g);
  }
  const auto max_body = req.limits.max_body_bytes + 1;
  auto body = read_body(o, g, max_body);
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
