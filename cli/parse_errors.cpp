// SPDX-License-Identifier: GPL-3.0-or-later
#include "parse_errors.hpp"

#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace peermail::cli {

namespace {

// The deepest subcommand the user chose ("keys" then "list"), or `app`.
CLI::App*
chosen(CLI::App* app)
{
  for (CLI::App* sub : app->get_subcommands()) {
    return chosen(sub);
  }
  return app;
}

std::vector<std::string>
command_names(CLI::App* app)
{
  std::vector<std::string> out;
  for (const CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    out.push_back(sub->get_name());
  }
  return out;
}

std::vector<std::string>
option_names(CLI::App* app)
{
  std::vector<std::string> out;
  for (const CLI::Option* o : app->get_options()) {
    for (const auto& l : o->get_lnames()) {
      out.push_back("--" + l);
    }
    for (const auto& s : o->get_snames()) {
      out.push_back("-" + s);
    }
  }
  return out;
}

// The first word of CLI11's "The following argument(s) was/were not
// expected: a b".
std::string
first_unexpected(const std::string& what)
{
  const auto colon = what.rfind(": ");
  std::string rest = colon == std::string::npos ? what : what.substr(colon + 2);
  return rest.substr(0, rest.find(' '));
}

// The first argument of `args` that `app` itself cannot take: an unknown
// option, or a word that is not one of its commands. "" when none.
std::string
first_unknown(CLI::App* app, const std::vector<std::string>& args)
{
  const auto names = command_names(app);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a.front() != '-') {
      return std::find(names.begin(), names.end(), a) == names.end() ? a : std::string();
    }
    const std::string name = a.substr(0, a.find('='));
    const CLI::Option* o = app->get_option_no_throw(name);
    if (o == nullptr) {
      return name;
    }
    if (a.find('=') == std::string::npos && o->get_items_expected_min() > 0) {
      ++i; // its value
    }
  }
  return {};
}

// The arguments after the command path that selected `where`.
std::vector<std::string>
args_of(CLI::App* where, CLI::App* app, const std::vector<std::string>& args)
{
  if (where == app) {
    return args;
  }
  const auto it = std::find(args.begin(), args.end(), where->get_name());
  return it == args.end() ? std::vector<std::string>{}
                          : std::vector<std::string>(it + 1, args.end());
}

} // namespace

std::string
did_you_mean(const std::string& word, const std::vector<std::string>& candidates)
{
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : candidates) {
    const std::size_t d = util::edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

int
report_parse_error(CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args)
{
  if (e.get_exit_code() == 0) {
    return app.exit(e); // --help, --version
  }
  CLI::App* where = chosen(&app);
  const std::string where_name =
    where == &app ? std::string("peermail") : "peermail " + where->get_name();
  std::string message;
  std::string fix;
  const std::string what = e.what();
  if (where == &app && args.empty()) {
    message = "no command given";
    fix = "run `peermail --help` for the list of commands";
    std::fputs(app.help().c_str(), stderr);
  } else if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr
             || what.find("subcommand is required") != std::string::npos) {
    const std::string word = what.find("subcommand is required") != std::string::npos
                               ? first_unknown(where, args_of(where, &app, args))
                               : first_unexpected(what);
    const bool option = !word.empty() && word.front() == '-';
    if (word.empty()) {
      message = fmt::format("'{}' needs a command", where_name);
      fix = fmt::format("run `{} --help` for its commands", where_name);
    } else if (option) {
      message = fmt::format("'{}' is not an option of {}", word, where_name);
      const auto near = did_you_mean(word, option_names(where));
      fix = near.empty() ? fmt::format("run `{} --help` for its options", where_name)
                         : fmt::format("did you mean '{}'?", near);
    } else if (!command_names(where).empty()) {
      message = fmt::format("'{}' is not a {} command", word, where_name);
      const auto near = did_you_mean(word, command_names(where));
      fix = near.empty() ? fmt::format("run `{} --help` for the list of commands", where_name)
                         : fmt::format("did you mean '{}'?", near);
    } else {
      message = fmt::format("unexpected argument '{}' for {}", word, where_name);
      fix = fmt::format("run `{} --help`", where_name);
    }
  } else {
    message = fmt::format("{}: {}", where_name, what);
    fix = fmt::format("run `{} --help`", where_name);
  }
  if (std::find(args.begin(), args.end(), "--json") != args.end()) {
    print_json({
      {"error", {{"kind", "usage"}, {"message", message}, {"fix", fix}, {"exit_code", k_usage}}}
    });
    return k_usage;
  }
  fmt::print(stderr, "peermail: error: {}\n", util::terminal_safe(message));
  fmt::print(stderr, "peermail: fix: {}\n", util::terminal_safe(fix));
  return k_usage;
}

} // namespace peermail::cli
