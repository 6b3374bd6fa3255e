// SPDX-License-Identifier: GPL-3.0-or-later
// The seam over the batch data layer (batch/recipients, batch/template,
// batch/journal's make_batch_id): every problem collected as a Problem.
#include "source.hpp"

#include <peermail/batch/journal.hpp>
#include <peermail/batch/recipients.hpp>
#include <peermail/batch/template.hpp>
#include <peermail/util/fs.hpp>

#include <memory>

namespace peermail::batch {

namespace {

// `row`: only that recipients-file row is wrong (Problem::row).
Problem
to_problem(const InputProblem& p, bool in_template, bool row, std::string email = {})
{
  InputProblem q = p;
  q.line = 0; // the CLI prefixes file:line
  return Problem{p.line, std::move(email), Error(Errc::data, to_string(q)), in_template, row};
}

} // namespace

Result<Input>
load_input(const std::string& recipients_path,
           const std::string& template_path,
           const std::string& identity)
{
  // Each file is read once: what is parsed is what the batch id covers.
  PEERMAIL_TRY_ASSIGN(auto rbytes,
                      util::read_file(recipients_path, RecipientLimits{}.max_file_bytes));
  PEERMAIL_TRY_ASSIGN(auto tbytes, util::read_file(template_path, k_max_template_bytes));
  auto list = load_recipients(recipients_path, rbytes);
  std::vector<InputProblem> tprobs;
  auto tmpl = load_template(template_path, tbytes, tprobs);
  if (!tmpl && tprobs.empty()) {
    return unexpected(tmpl.error()); // missing, unreadable, too large
  }
  Input in;
  for (const auto& p : list.problems) {
    in.problems.push_back(to_problem(p, false, p.row));
  }
  for (const auto& p : tprobs) {
    in.problems.push_back(to_problem(p, true, false));
  }
  // Without a header (an empty or unreadable file) there are no columns to
  // judge the template's fields against: the recipients problem says it all.
  if (tmpl && !list.columns.empty()) {
    for (const auto& p : tmpl->check_fields(list.columns)) {
      in.problems.push_back(to_problem(p, true, false));
    }
  }
  for (auto& r : list.rows) {
    if (tmpl) {
      for (const auto& p : tmpl->check_row(r.line, r.fields)) {
        // A row's value the template cannot use: that row only.
        in.problems.push_back(to_problem(p, false, true, r.email));
      }
    }
    in.rows.push_back(Row{r.line, r.email, std::move(r.fields)});
  }
  if (in.rows.empty() && in.problems.empty()) {
    in.problems.push_back(
      Problem{0, "", Error(Errc::data, "the recipients file has no recipients"), false});
  }
  in.batch_key = make_batch_id(rbytes, tbytes, identity);
  if (tmpl) {
    auto t = std::make_shared<Template>(std::move(*tmpl));
    in.render = [t](const Row& row) { return t->render(row.fields); };
  } else {
    in.render = [](const Row&) -> Result<std::string> {
      return fail(Errc::data, "the template has problems");
    };
  }
  return in;
}

} // namespace peermail::batch
