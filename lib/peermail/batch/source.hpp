// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The batch input as the scheduler side sees it: recipient rows, the problems
// found while reading them and the template, and a renderer. A thin seam over
// the data layer (recipients reader, template engine) so that the preflight
// and the CLI do not depend on its details.

#include <peermail/batch/preflight.hpp>
#include <peermail/util/result.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace peermail::batch {

// One recipient row.
struct Row
{
  std::size_t line = 0;                      // line of the recipients file where the row starts
  std::string email;                         // the `email` column, lower-cased and trimmed
  std::map<std::string, std::string> fields; // every column, `email` included
};

struct Input
{
  std::vector<Row> rows; // the rows that could be read (bad ones too, when they have an email)
  std::vector<Problem> problems; // every bad row, field, placeholder, template problem
  std::string batch_key; // batch id: recipients file, template and identity (journal, Message-IDs)
  // Render the template for `row`. Errors: data (missing field, header
  // injection), naming the field, never its value.
  std::function<Result<std::string>(const Row& row)> render;
};

// Read the recipients file (batch/recipients: CSV with a header row, or JSON
// Lines) and the template (batch/template), and check every row against
// every placeholder. `identity` (signing key and From) enters the batch id.
// Errors: no_input (a file is missing or unreadable), data (a file over its
// size limit); everything wrong with the content is a Problem.
Result<Input> load_input(const std::string& recipients_path,
                         const std::string& template_path,
                         const std::string& identity);

} // namespace peermail::batch
