// SPDX-License-Identifier: GPL-3.0-or-later
// Rendering a send::SendReport: the text lines, or --json (send_json.cpp).
#include "send_report.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "signals.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace peermail::cli {

namespace {

void
print_text(const send::SendReport& r)
{
  if (r.dry_run) {
    fmt::print("dry run: nothing was submitted\n");
    fmt::print("message-id:  <{}>\n", util::terminal_safe(r.message_id));
    fmt::print("mail from:   {}\n", r.mail_from);
    if (!r.signer_fpr.empty()) { // send --message: encrypted elsewhere, not signed here
      fmt::print("signed by:   {} ({})\n", r.signer_fpr, r.hash_algo);
      fmt::print("plaintext:   {} bytes (never sent as such)\n", r.plaintext_size);
    }
    for (std::size_t i = 0; i < r.copies.size(); ++i) {
      const auto& c = r.copies[i];
      fmt::print("copy {}:      {}; rcpt to {}; {} bytes; encrypted to {}\n",
                 i + 1,
                 c.protocol,
                 fmt::join(c.rcpt_to, ", "),
                 c.size,
                 fmt::join(c.recipient_fprs, ", "));
    }
  }
  for (const auto& x : r.recipients) {
    fmt::print("{:<10} {:<3} {}  {} {}{}\n",
               x.status,
               x.field,
               x.address,
               x.protocol == "S/MIME" ? "certificate" : "key",
               x.key_fpr.empty() ? "-" : x.key_fpr,
               x.smtp_code ? fmt::format("  ({})", *x.smtp_code) : std::string());
  }
  // The Message-ID finds the message again (in a mailbox, or as its SHA-256
  // in the audit log); the dry run printed it above. Only for a message that
  // went out: a refused one's Message-ID may be what was wrong with it.
  const bool sent = std::any_of(
    r.recipients.begin(), r.recipients.end(), [](const auto& x) { return x.status == "sent"; });
  if (!r.dry_run && sent && !r.message_id.empty()) {
    fmt::print("message-id: <{}>\n", util::terminal_safe(r.message_id));
  }
}

} // namespace

int
render_error(const Error& e, const GlobalOptions& g)
{
  const int code = print_error(e);
  if (g.json) {
    print_json(nlohmann::json({
      {"ok",    false             },
      {"error", send_error_json(e)}
    }));
  }
  return code;
}

int
render_send_report(const send::SendReport& r,
                   const GlobalOptions& g,
                   Verbosity verbosity,
                   int signal)
{
  for (const auto& w : r.warnings) {
    print_warn(w);
  }
  for (const auto& x : r.recipients) {
    for (const auto& w : x.warnings) {
      print_warn(fmt::format("{}: {}", x.address, w));
    }
  }
  if (g.json) {
    auto j = send_report_json(r);
    if (signal > 0) {
      j["interrupted"] = true;
      j["signal"] = signal_name(signal);
      if (j.contains("error")) {
        j["error"]["exit_code"] = 128 + signal;
      }
    }
    print_json(j);
  } else if (!g.quiet && (verbosity == Verbosity::summary || r.dry_run)) {
    print_text(r);
  }
  if (signal > 0) {
    print_note(
      fmt::format("interrupted by {}: the outcome of every copy that was started is "
                  "in the audit log; copies not started were not sent",
                  signal_name(signal)));
  }
  if (!r.error) {
    return signal > 0 ? 128 + signal : k_ok;
  }
  // Every refused recipient, then the error itself.
  for (const auto& x : r.recipients) {
    if (x.status == "refused" && !x.reason.empty()) {
      fmt::print(stderr,
                 "peermail: {}: {}{}\n",
                 x.address,
                 x.reason,
                 x.check_id.empty() ? "" : fmt::format(" [{}]", x.check_id));
    }
  }
  const int code = print_error(*r.error);
  return signal > 0 ? 128 + signal : code;
}

} // namespace peermail::cli
