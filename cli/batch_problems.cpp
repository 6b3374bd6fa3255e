// SPDX-License-Identifier: GPL-3.0-or-later
// A refused `peermail batch`: every problem, named by FILE:LINE, and nothing
// sent.
#include "batch_report.hpp"
#include "output.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <set>

namespace peermail::cli {

namespace {

std::string
problem_text(const std::string& recipients,
             const std::string& template_path,
             const batch::Problem& p)
{
  std::string where;
  if (p.line != 0) {
    where = fmt::format("{}:{}: ", p.in_template ? template_path : recipients, p.line);
  } else if (p.in_template) {
    where = fmt::format("{}: ", template_path);
  }
  if (!p.email.empty() && p.error.message.find(p.email) == std::string::npos) {
    where += fmt::format("{}: ", p.email);
  }
  return where + p.error.message;
}

} // namespace

int
report_batch_problems(bool json,
                      const std::string& recipients,
                      const std::string& template_path,
                      const batch_run::Report& report)
{
  const auto& problems = report.problems;
  const int code = report.exit_code;
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) {
      list.push_back({
        {"line",     p.line                              },
        {"email",    p.email                             },
        {"kind",     std::string(to_string(p.error.code))},
        {"message",  p.error.message                     },
        {"check_id", p.error.check_id                    },
        {"fix",      p.error.fix                         }
      });
    }
    print_json(nlohmann::json({
      {"ok",        false},
      {"exit_code", code },
      {"problems",  list }
    }));
  }
  std::set<std::string> fixes;
  bool rows_only = !problems.empty();
  for (const auto& p : problems) {
    rows_only = rows_only && p.row;
    std::string line =
      fmt::format("peermail: error: {}", problem_text(recipients, template_path, p));
    if (!p.error.check_id.empty()) {
      line += fmt::format(" [{}]", p.error.check_id);
    }
    fmt::print(stderr, "{}\n", line);
    if (!p.error.fix.empty() && fixes.insert(p.error.fix).second && fixes.size() <= 5) {
      fmt::print(stderr, "peermail: fix: {}\n", p.error.fix);
    }
  }
  fmt::print(stderr,
             "peermail: error: {} problem{} in the batch; nothing was sent\n",
             problems.size(),
             problems.size() == 1 ? "" : "s");
  if (rows_only) {
    print_note("to send to the other rows and report these, add --skip-invalid");
  }
  return code;
}

} // namespace peermail::cli
