// SPDX-License-Identifier: GPL-3.0-or-later
#include "compose_body.hpp"

#include "output.hpp"

#include <peermail/util/editor.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <unistd.h>

namespace peermail::cli {

Result<std::string>
read_body(const ComposeCliOptions& o, const GlobalOptions& g, std::uint64_t max)
{
  if (o.body_file) {
    return util::read_file(*o.body_file, max);
  }
  if (::isatty(STDIN_FILENO) == 0) {
    return util::read_stdin(max);
  }
  for (const char* var : {"VISUAL", "EDITOR"}) {
    const std::string editor = g.getenv(var);
    if (editor.empty()) {
      continue;
    }
    PEERMAIL_TRY_ASSIGN(auto text,
                        util::edit_text(editor, fmt::format("${}", var), g.getenv("TMPDIR"), max));
    if (util::trim(text).empty()) {
      return fail(
        Errc::usage,
        "the message body is empty; nothing was sent",
        "",
        fmt::format("write the message in ${} and save it, or use --body-file FILE", var));
    }
    return text;
  }
  print_note(
    "type the message, then Ctrl-D on a line of its own (or set $EDITOR, or use "
    "--body-file FILE)");
  return util::read_stdin(max);
}

} // namespace peermail::cli
