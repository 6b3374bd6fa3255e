// SPDX-License-Identifier: GPL-3.0-or-later
#include "send_report.hpp"

#include "cmd_audit_seal.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "signals.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace peermail::cli {

namespace {

nlohmann::json
error_json(const Error& e)
{
  nlohmann::json j = {
    {"kind",      std::string(to_string(e.code))},
    {"message",   e.message                     },
    {"check_id",  e.check_id                    },
    {"fix",       e.fix                         },
    {"exit_code", exit_code(e.code)             }
  };
  if (e.smtp_status) {
    j["smtp_code"] = *e.smtp_status;
  }
  return j;
}

nlohmann::json
report_json(const send::SendReport& r)
{
  nlohmann::json rs = nlohmann::json::array();
  for (const auto& x : r.recipients) {
    nlohmann::json j = {
      {"address",  x.address },
      {"field",    x.field   },
      {"status",   x.status  },
      {"key_fpr",  x.key_fpr },
      {"warnings", x.warnings}
    };
    if (x.smtp_code) {
      j["smtp_code"] = *x.smtp_code;
    }
    if (!x.reason.empty()) {
      j["reason"] = x.reason;
      j["check_id"] = x.check_id;
      j["fix"] = x.fix;
    }
    rs.push_back(std::move(j));
  }
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : r.copies) {
    nlohmann::json j = {
      {"rcpt_to",      c.rcpt_to       },
      {"encrypted_to", c.recipient_fprs},
      {"bytes",        c.size          },
      {"status",       c.status        }
    };
    if (c.smtp_code) {
      j["smtp_code"] = *c.smtp_code;
    }
    cs.push_back(std::move(j));
  }
  nlohmann::json j = {
    {"ok",              r.ok()          },
    {"dry_run",         r.dry_run       },
    {"message_id",      r.message_id    },
    {"mail_from",       r.mail_from     },
    {"signer_fpr",      r.signer_fpr    },
    {"hash_algo",       r.hash_algo     },
    {"plaintext_bytes", r.plaintext_size},
    {"recipients",      rs              },
    {"copies",          cs              },
    {"warnings",        r.warnings      }
  };
  if (r.tls) {
    j["tls"] = {
      {"version",          r.tls->version         },
      {"cipher",           r.tls->cipher          },
      {"peer_cert_sha256", r.tls->peer_cert_sha256}
    };
  }
  if (r.error) {
    j["error"] = error_json(*r.error);
  }
  return j;
}

void
print_text(const send::SendReport& r)
{
  if (r.dry_run) {
    fmt::print("dry run: nothing was submitted\n");
    fmt::print("message-id:  <{}>\n", r.message_id);
    fmt::print("mail from:   {}\n", r.mail_from);
    if (!r.signer_fpr.empty()) { // send --message: encrypted elsewhere, not signed here
      fmt::print("signed by:   {} ({})\n", r.signer_fpr, r.hash_algo);
      fmt::print("plaintext:   {} bytes (never sent as such)\n", r.plaintext_size);
    }
    for (std::size_t i = 0; i < r.copies.size(); ++i) {
      const auto& c = r.copies[i];
      fmt::print("copy {}:      rcpt to {}; {} bytes; encrypted to {}\n",
                 i + 1,
                 fmt::join(c.rcpt_to, ", "),
                 c.size,
                 fmt::join(c.recipient_fprs, ", "));
    }
  }
  for (const auto& x : r.recipients) {
    fmt::print("{:<10} {:<3} {}  key {}{}\n",
               x.status,
               x.field,
               x.address,
               x.key_fpr.empty() ? "-" : x.key_fpr,
               x.smtp_code ? fmt::format("  ({})", *x.smtp_code) : std::string());
  }
}

} // namespace

int
render_error(const Error& e, const GlobalOptions& g)
{
  const int code = print_error(e);
  if (g.json) {
    print_json(nlohmann::json({
      {"ok",    false        },
      {"error", error_json(e)}
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
    auto j = report_json(r);
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

send::SendRequest
cli_request(std::string action, bool dry_run, const GlobalOptions& g)
{
  send::SendRequest req;
  req.action = std::move(action);
  req.dry_run = dry_run;
  req.gnupg_home = g.gnupg_home_dir();
  req.temp_dir = g.getenv("TMPDIR");
  req.env = g.env;
  req.transcript = transcript_for(g);
  req.cancel = &process_cancel();
  req.prompt = pinentry_prompt(g);
  return req;
}

send::Prompt
pinentry_prompt(const GlobalOptions& g)
{
  for (const char* v : {"GPG_TTY", "DISPLAY", "WAYLAND_DISPLAY"}) {
    if (!g.getenv(v).empty()) {
      return send::Prompt::possible;
    }
  }
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return send::Prompt::impossible;
  }
  ::close(fd);
  return send::Prompt::possible;
}

int
run_request(const send::SendRequest& req, const GlobalOptions& g, Verbosity verbosity)
{
  if (auto v = send::validate(req); !v) {
    return render_error(v.error(), g);
  }
  auto cfg = g.load_config();
  if (!cfg) {
    return render_error(cfg.error(), g);
  }
  send::SendReport report;
  int signal = 0;
  {
    StopOnSignals stop(process_cancel());
    report = send::run(*cfg, req, cli_services());
    signal = stop.signal();
  }
  const int rc = render_send_report(report, g, verbosity, signal);
  seal_after_run(*cfg, g); // issue 14: seal the chain head
  return rc;
}

send::Services
cli_services()
{
  auto s = send::default_services();
  s.exit_name = [](Errc code) { return std::string(exit_code_name(exit_code(code))); };
  return s;
}

transport::TranscriptFn
transcript_for(const GlobalOptions& g)
{
  if (g.verbose == 0) {
    return {};
  }
  return [](std::string_view line) { fmt::print(stderr, "peermail: smtp: {}\n", line); };
}

} // namespace peermail::cli
