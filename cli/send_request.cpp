// SPDX-License-Identifier: GPL-3.0-or-later
// Running a send request for `send` and `sendmail`: what every sending
// command takes from the global options, the pipeline under signal
// handling, then the report (send_report.cpp).
#include "cmd_audit_seal.hpp"
#include "exit_codes.hpp"
#include "progress_line.hpp"
#include "send_report.hpp"
#include "signals.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

namespace peermail::cli {

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
    // Work longer than about two seconds (a large message, a slow server)
    // shows what it is doing; -v's transcript lines would break the line.
    ProgressLine line(progress_wanted(g.quiet) && g.verbose == 0, std::chrono::seconds(2));
    send::SendRequest r = req;
    r.progress = [&line](const send::Progress& p) {
      line.show(p.step,
                p.total > 0 && p.done < p.total
                  ? fmt::format("{}% of {:.1f} MiB",
                                p.done * 100 / p.total,
                                static_cast<double>(p.total) / (1024.0 * 1024.0))
                  : std::string());
    };
    StopOnSignals stop(process_cancel());
    report = send::run(*cfg, r, cli_services());
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
