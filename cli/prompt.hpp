// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Questions on the terminal (init): asked again after a blank or refused
// answer, stopped by end of input.

#include <peermail/util/result.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace peermail::cli {

// How a question judges an answer: no error accepts it.
using AnswerCheck = std::function<std::optional<Error>(const std::string&)>;

// Ask `question` on the terminal until `check` accepts the answer. A blank
// answer or a refused one (its error printed) is asked again, up to three
// times; end of input stops at once. Errors: usage, naming `flag`.
Result<std::string>
ask(const std::string& question, std::string_view flag, const AnswerCheck& check);

// The check that accepts every (non-blank) answer.
std::optional<Error> any_answer(const std::string& answer);

// Return the number 1..max in `a`, or 0.
std::size_t choice(const std::string& a, std::size_t max);

} // namespace peermail::cli
