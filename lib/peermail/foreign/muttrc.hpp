// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Read a Mutt or NeoMutt configuration file (muttrc(5)) as Mutt does, for
// the variables that decide how mail is sent and protected: commands
// separated by newlines or `;`, `#` comments, 'single quotes' (literal),
// "double quotes" (backslash escapes), a backslash quoting the next character
// or joining the next line; `set a=b c=d`, `set a = b`, `set a` (yes),
// `set noa` / `unset a` (no), `set inva` / `toggle a`, `set &a` / `reset a`
// (back to the default). `source FILE` is followed through a reader the
// caller gives (the parser itself does no I/O).
//
// Nothing is run: a value in backticks (command substitution) is kept as
// written and marked, `source "cmd|"` and `source `...`` are reported as not
// followed, and settings inside hooks (`send-hook`, `account-hook`, …), which
// apply only when the hook matches, are reported as not judged. Every value
// keeps the file and line it came from, so a finding can cite
// "~/.muttrc:12: set smtp_url=…".

#include <peermail/util/result.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::foreign {

// One variable as the configuration leaves it.
struct MuttSetting
{
  std::string value;         // "yes" for `set a`, "no" for `unset a` / `set noa`
  std::string file;          // the file that set it, as the reader named it
  std::size_t line = 0;      // 1-based, in `file`
  bool from_command = false; // the value holds a `backtick` command substitution
  bool unset = false;        // `unset a` / `set noa`: off, or an empty string
};

// Something in the configuration peermail cannot judge.
struct MuttNote
{
  std::string file;
  std::size_t line = 0;
  std::string message;
};

struct MuttFile
{
  std::map<std::string, MuttSetting> vars; // by canonical name (see below)
  std::vector<MuttNote> notes;             // in reading order
  std::vector<std::string> files;          // every file read, the first one first

  // The variable `name`, or nothing when the configuration leaves it at its
  // default (never set, or reset).
  const MuttSetting* find(std::string_view name) const;
};

// A file that a `source` line names, as the reader found it.
struct MuttSource
{
  std::string path; // for citations and cycle detection
  std::string text;
};

// Read the file `arg` (as written on the `source` line, unquoted) named in
// the file `from`. Errors become notes ("not followed: …").
using MuttReader =
  std::function<Result<MuttSource>(const std::string& arg, const std::string& from)>;

// Parse `text`, the file `path`, following `source` lines through `read`
// (none: `source` lines are reported as not followed) at most 8 deep.
// Old names are read as the current ones (pgp_autosign → crypt_autosign,
// pgp_autoencrypt → crypt_autoencrypt, pgp_replyencrypt → crypt_replyencrypt,
// pgp_sign_as → pgp_default_key).
MuttFile parse_muttrc(std::string_view text, const std::string& path, const MuttReader& read = {});

// Mutt's boolean or quad-option as a boolean: "yes" true, "no" false; an
// "ask-…" answer, a value from a command or anything else is nothing, as is
// a variable left at its default (`s` null).
std::optional<bool> mutt_bool(const MuttSetting* s);

} // namespace peermail::foreign
