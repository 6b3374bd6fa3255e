// SPDX-License-Identifier: GPL-3.0-or-later
#include "init_prompt.hpp"

#include "app.hpp"
#include "init_key.hpp"
#include "output.hpp"
#include "prompt.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>
#include <vector>

namespace peermail::cli {

Result<void>
ask_starter_values(config::Starter& s, bool tty, const std::string& gnupg_home)
{
  if (s.from.empty() && tty) {
    PEERMAIL_TRY_ASSIGN(auto from,
                        ask("Your address, e.g. Dr. Ana Ruiz <ana.ruiz@clinic.example>",
                            "--from",
                            [](const std::string& a) -> std::optional<Error> {
                              if (auto m = address::parse_mailbox(a, "--from"); !m) {
                                return m.error();
                              }
                              return std::nullopt;
                            }));
    s.from = from;
  }
  if (!tty) {
    std::string missing;
    for (const auto& [flag, value] : {
           std::pair{"--from",     &s.from    },
           std::pair{"--host",     &s.host    },
           std::pair{"--username", &s.username}
    }) {
      if (value->empty()) {
        missing += fmt::format("{}{}", missing.empty() ? "" : ", ", flag);
      }
    }
    if (!missing.empty()) {
      return fail(Errc::usage,
                  fmt::format("missing required values: {}", missing),
                  "",
                  "pass them as options (no terminal to ask on)");
    }
  }
  PEERMAIL_TRY(choose_signing_key(s, tty, gnupg_home));
  if (s.host.empty()) {
    PEERMAIL_TRY_ASSIGN(auto host, ask("Submission server host name", "--host", any_answer));
    s.host = host;
  }
  if (s.username.empty()) {
    PEERMAIL_TRY_ASSIGN(auto user, ask("Your own submission user name", "--username", any_answer));
    s.username = user;
  }
  if (s.password_command.empty() && s.password_env.empty() && tty) {
    std::cerr << "Command that prints your SMTP password (e.g. pass show smtp): " << std::flush;
    std::string line;
    std::getline(std::cin, line);
    s.password_command = std::string(util::trim(line));
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
