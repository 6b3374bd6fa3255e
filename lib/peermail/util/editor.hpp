// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Let the user write text in their own editor ($VISUAL / $EDITOR), as git
// and mutt do.

#include <peermail/util/result.hpp>

#include <cstdint>
#include <string>

namespace peermail::util {

// Run `editor` (a shell command such as "vim" or "code -w", as $EDITOR is
// written) on a new file and return what the user saved in it. The file lives
// in a directory of its own (mode 0700, created under `tmp_dir`) with mode
// 0600, and both are removed before this returns, whatever happens: the text
// may be PHI. The editor inherits the terminal (standard input, output and
// error) and runs in peermail's process group, so it owns the terminal as a
// shell would give it. `what` names the editor setting in errors ("$EDITOR").
// Errors: usage (the editor exited non-zero or was killed: the user gave up),
// io (the directory or file could not be made or read), data (more than
// `max_bytes`).
Result<std::string> edit_text(const std::string& editor,
                              const std::string& what,
                              const std::string& tmp_dir,
                              std::uint64_t max_bytes);

} // namespace peermail::util
