// SPDX-License-Identifier: GPL-3.0-or-later
#include "prompt.hpp"

#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <charconv>
#include <iostream>

namespace peermail::cli {

namespace {

// How often a question is asked again after a blank or refused answer.
constexpr int k_tries = 3;

} // namespace

Result<std::string>
ask(const std::string& question, std::string_view flag, const AnswerCheck& check)
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
any_answer(const std::string& /*answer*/)
{
  return std::nullopt;
}

std::size_t
choice(const std::string& a, std::size_t max)
{
  std::size_t n = 0;
  const auto r = std::from_chars(a.data(), a.data() + a.size(), n);
  return r.ec == std::errc() && r.ptr == a.data() + a.size() && n >= 1 && n <= max ? n : 0;
}

} // namespace peermail::cli
