// SPDX-License-Identifier: GPL-3.0-or-later
#include "app.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "parse_errors.hpp"

#include <peermail/runtime/init.hpp>

#include <fmt/core.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

extern char** environ;

int
main(int argc, char** argv)
{
  using namespace peermail::cli;
  // No core dump and no ptrace by other processes of the user: a core of
  // `send` would hold the password, the body and the Subject (AUTH-04).
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  std::signal(SIGPIPE, SIG_IGN);
  ::umask(077);

  GlobalOptions g;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) {
      g.env.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
    }
  }
  g.argv0 = argc > 0 ? argv[0] : "peermail";

  // Invoked as `sendmail` (a symlink): behave as `peermail sendmail ...`.
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto slash = g.argv0.rfind('/');
  const std::string base = slash == std::string::npos ? g.argv0 : g.argv0.substr(slash + 1);
  if (base == "sendmail" || base == "peermail-sendmail") {
    args.insert(args.begin(), "sendmail");
  }

  try {
    auto lib = peermail::runtime::init();
    if (!lib) {
      return print_error(lib.error());
    }
    int exit_code = 0;
    CLI::App app{
      "peermail: compliant secure messaging (OpenPGP end to end, verified TLS, "
      "tamper-evident audit)",
      "peermail"};
    build_app(app, g, &exit_code);
    std::vector<std::string> rev(args.rbegin(), args.rend());
    try {
      app.parse(rev);
    } catch (const CLI::ParseError& e) {
      return finish_stdout(report_parse_error(app, e, args));
    }
    // Every command: what it wrote on stdout must have arrived (74 if not).
    return finish_stdout(exit_code);
  } catch (const std::exception& e) {
    if (std::ferror(stdout) != 0) {
      // fmt::print throws when stdout cannot be written (disk full, EPIPE).
      return finish_stdout(k_ok);
    }
    fmt::print(stderr, "peermail: error: internal: {}\n", e.what());
    return k_software;
  }
}
