// SPDX-License-Identifier: GPL-3.0-or-later
#include "init_prompt.hpp"

#include "app.hpp"
#include "output.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/crypto/signing_candidates.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <functional>
#include <iostream>
#include <optional>
#include <vector>

namespace peermail::cli {

namespace {

// How often a question is asked again after a blank or refused answer.
constexpr int k_tries = 3;

// Ask `question` on the terminal until `check` accepts the answer (returns
// no error). A blank answer or a refused one is asked again, up to k_tries
// times; end of input stops at once. Errors: usage, naming `flag`.
Result<std::string>
ask(const std::string& question,
    std::string_view flag,
    const std::function<std::optional<Error>(const std::string&)>& check)
{
  for (int i = 0; i < k_tries; ++i) {
    std::cerr << question << ": " << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) {
      std::cerr << '\n';
      return fail(Errc::usage,
                  fmt::format("no answer for {} (end of input)", flag),
                  "",
                  fmt::format("pass {} VALUE", flag));
    }
    std::string answer(util::trim(line));
    if (answer.empty()) {
      print_note("an answer is needed here (Ctrl-D stops)");
      continue;
    }
    if (auto e = check(answer)) {
      print_error(*e);
      continue;
    }
    return answer;
  }
  return fail(Errc::usage,
              fmt::format("no usable answer for {} after {} tries", flag, k_tries),
              "",
              fmt::format("pass {} VALUE", flag));
}

std::optional<Error>
no_error(const std::string& /*answer*/)
{
  return std::nullopt;
}

// Return the number 1..max in `a`, or 0.
std::size_t
choice(const std::string& a, std::size_t max)
{
  std::size_t n = 0;
  const auto r = std::from_chars(a.data(), a.data() + a.size(), n);
  return r.ec == std::errc() && r.ptr == a.data() + a.size() && n >= 1 && n <= max ? n : 0;
}

std::string
key_line(const crypto::KeyJudgement& j)
{
  const std::string uid = j.key && !j.key->uids.empty() ? j.key->uids.front().uid : "";
  return fmt::format("{}  {}", j.key ? j.key->fingerprint : "", uid);
}

// Choose the signing key: the one given (judged before anything is
// written), else the only usable secret key for the From address, else one
// the user picks from the usable ones.
Result<void>
choose_signing_key(config::Starter& s, bool tty)
{
  PEERMAIL_TRY_ASSIGN(auto mb, address::parse_mailbox(s.from, "--from"));
  PEERMAIL_TRY_ASSIGN(auto keyring, crypto::Keyring::open(""));
  const crypto::KeyPolicy policy;
  if (!s.signing_key.empty()) {
    PEERMAIL_TRY_ASSIGN(auto j, keyring->judge_signer(s.signing_key, mb.address, policy));
    if (!j.ok()) {
      return unexpected(crypto::judgement_error(j, "--signing-key"));
    }
    return {};
  }
  PEERMAIL_TRY_ASSIGN(auto all, crypto::signing_candidates(*keyring, mb.address, policy));
  std::vector<crypto::KeyJudgement> usable;
  for (auto& j : all) {
    if (j.ok()) {
      usable.push_back(j);
    } else {
      print_warn(fmt::format("secret key {} cannot sign for <{}>: {} [{}]",
                             j.key ? j.key->fingerprint : "",
                             mb.address,
                             j.reason,
                             j.check_id));
    }
  }
  if (usable.empty()) {
    return fail(Errc::no_key,
                fmt::format("no usable secret key for <{}> in the keyring", mb.address),
                "SIG-01",
                fmt::format("create one with a passphrase (KEY-05): gpg --quick-gen-key '{}' "
                            "ed25519 sign 2y; or import yours (gpg --import); then run "
                            "`peermail init` again",
                            mb.address));
  }
  if (usable.size() == 1) {
    s.signing_key = usable.front().key->fingerprint;
    print_note(fmt::format("signing key {} (the only usable secret key for <{}>)",
                           key_line(usable.front()),
                           mb.address));
    return {};
  }
  std::string list;
  for (std::size_t i = 0; i < usable.size(); ++i) {
    list += fmt::format("  {}) {}\n", i + 1, key_line(usable[i]));
  }
  if (!tty) {
    return fail(Errc::usage,
                fmt::format("{} secret keys can sign for <{}>:\n{}",
                            usable.size(),
                            mb.address,
                            list.substr(0, list.size() - 1)),
                "",
                "pass --signing-key with the fingerprint of the one to use");
  }
  std::cerr << fmt::format("secret keys that can sign for <{}>:\n{}", mb.address, list);
  PEERMAIL_TRY_ASSIGN(
    auto pick,
    ask(fmt::format("Which one [1-{}]", usable.size()),
        "--signing-key",
        [&](const std::string& a) -> std::optional<Error> {
          if (choice(a, usable.size()) == 0) {
            return Error(Errc::usage, fmt::format("answer a number from 1 to {}", usable.size()));
          }
          return std::nullopt;
        }));
  s.signing_key = usable[choice(pick, usable.size()) - 1].key->fingerprint;
  return {};
}

} // namespace

Result<void>
ask_starter_values(config::Starter& s, bool tty)
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
  PEERMAIL_TRY(choose_signing_key(s, tty));
  if (s.host.empty()) {
    PEERMAIL_TRY_ASSIGN(auto host, ask("Submission server host name", "--host", no_error));
    s.host = host;
  }
  if (s.username.empty()) {
    PEERMAIL_TRY_ASSIGN(auto user, ask("Your own submission user name", "--username", no_error));
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
