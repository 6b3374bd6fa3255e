// SPDX-License-Identifier: GPL-3.0-or-later
#include "init_prompt.hpp"

#include "app.hpp"
#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <vector>

namespace peermail::cli {

namespace {

// Ask for `what` on the terminal; return "" on EOF.
std::string
prompt(const std::string& what)
{
  std::cerr << what << ": " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return std::string(util::trim(line));
}

} // namespace

Result<void>
ask_starter_values(config::Starter& s, bool tty)
{
  struct Field
  {
    const char* flag;
    std::string* value;
    const char* question;
  };
  const Field required[] = {
    {"--from",        &s.from,        "Your address, e.g. Dr. Ana Ruiz <ana.ruiz@clinic.example>"},
    {"--signing-key", &s.signing_key, "Full fingerprint of your signing key"                     },
    {"--host",        &s.host,        "Submission server host name"                              },
    {"--username",    &s.username,    "Your own submission user name"                            },
  };
  std::vector<std::string> missing;
  for (const auto& f : required) {
    if (f.value->empty() && tty) {
      *f.value = prompt(f.question);
    }
    if (f.value->empty()) {
      missing.emplace_back(f.flag);
    }
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) {
      names += (names.empty() ? "" : ", ") + m;
    }
    return fail(Errc::usage,
                fmt::format("missing required values: {}", names),
                "",
                "pass them as options (no terminal to ask on)");
  }
  if (s.password_command.empty() && s.password_env.empty() && tty) {
    s.password_command = prompt("Command that prints your SMTP password (e.g. pass show smtp)");
  }
  return {};
}

void
render_init_written(const GlobalOptions& g, const std::string& path)
{
  if (g.json) {
    print_json(nlohmann::json{
      {"written", path}
    });
  } else {
    std::cout << fmt::format("wrote {} (mode 0600)\n", path);
    print_note("fill in [compliance] and add [[peer]] entries, then run `peermail check`");
  }
}

} // namespace peermail::cli
