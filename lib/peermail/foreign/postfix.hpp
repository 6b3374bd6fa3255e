// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Read a Postfix configuration (main.cf and master.cf, postconf(5) and
// master(5)) the way postconf documents it, for the parameters that decide
// how mail is submitted and relayed: a logical line starts with
// non-whitespace text and a line that starts with whitespace continues it;
// empty lines and lines whose first non-whitespace character is `#` are
// ignored; main.cf holds `name = value` (the last one wins); master.cf holds
// one service per logical line with `-o name=value` (or `-o { name = value
// }`) overrides. `$name`, `${name}` and `$(name)` are expanded on request
// (bounded depth; loops and constructs this reader does not implement are
// reported, never guessed). The parser does no I/O and runs nothing; the
// output of `postconf -n`, `-d` and `-M` can be laid over what the files say
// (check/foreign.cpp runs postconf when it is installed). Every value keeps
// the file and line it came from, so a finding can cite
// "/etc/postfix/main.cf:12: smtp_tls_security_level = may".

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::foreign {

// One parameter as main.cf or a master.cf `-o` sets it.
struct PostfixParam
{
  std::string value;    // as written (not expanded)
  std::string file;     // main.cf or master.cf path; "" when only postconf named it
  std::size_t line = 0; // 1-based; 0 when not known
};

// One master.cf service entry.
struct PostfixService
{
  std::string name;    // first field: "submission", "127.0.0.1:submissions", "2525"
  std::string type;    // inet, unix, unix-dgram, fifo, pass
  std::string command; // the program: smtpd, smtp, pickup, …
  std::string file;
  std::size_t line = 0;
  std::map<std::string, PostfixParam> overrides; // -o name=value

  // The port part of `name` (after the last ':'): "submission" for
  // "127.0.0.1:submission".
  std::string port() const;
};

// Something in the configuration that is not judged, and why.
struct PostfixNote
{
  std::string file;
  std::size_t line = 0;
  std::string message;
};

// A value after `$name` expansion, or why it could not be expanded.
struct PostfixExpanded
{
  std::string value;
  std::string problem; // non-empty: the value is not known (a loop, an unsupported form)
};

struct PostfixConfig
{
  std::map<std::string, PostfixParam> main;    // what main.cf sets
  std::map<std::string, std::string> defaults; // Postfix's defaults
  std::string defaults_source;                 // "postconf -d" or the built-in table's name
  std::vector<PostfixService> services;        // master.cf, in order
  std::vector<PostfixNote> notes;

  // The parameter `name` as `service` (null: main.cf) sets it, or null when it
  // is left at Postfix's default.
  const PostfixParam* find(std::string_view name, const PostfixService* service = nullptr) const;

  // The value of `name` in `service` (null: main.cf): its `-o` override, else
  // main.cf, else the default; `$name` references expanded in the same scope
  // (at most 16 deep, 10000 references and 64 KiB grown through them; past
  // that the value is unknown and `problem` says why).
  PostfixExpanded value(std::string_view name, const PostfixService* service = nullptr) const;
};

// Postfix 3.7's defaults (`postconf -d` of Debian 12's 3.7.11) for the
// parameters the rules judge; used when postconf is not installed.
std::map<std::string, std::string> postfix_builtin_defaults();

// Parse the main.cf text `text` read from `path` into `out.main` (and notes).
void parse_main_cf(std::string_view text, const std::string& path, PostfixConfig& out);

// Parse the master.cf text `text` read from `path` into `out.services`.
void parse_master_cf(std::string_view text, const std::string& path, PostfixConfig& out);

// Lay the output of `postconf -n` (`name = value` lines) over `out.main`:
// postconf's values win; the file's line numbers stay where the file holds
// the same value. A name the files do not show, or show with another value,
// is kept without a line; the other value is a note (naming the parameter,
// never its values).
void apply_postconf_n(std::string_view text, PostfixConfig& out);

// Read the output of `postconf -d` into `out.defaults`.
void apply_postconf_d(std::string_view text, PostfixConfig& out);

// Replace `out.services` with the output of `postconf -M` (one service per
// line), keeping the file's line numbers for services (and `-o` names) found
// in the file with the same name and type and, for an `-o`, the same value
// (another value is a note naming the parameter, as for `-n`).
void apply_postconf_m(std::string_view text, PostfixConfig& out);

// One lookup table of a parameter such as smtp_sasl_password_maps
// ("hash:/etc/postfix/sasl_passwd").
struct PostfixTable
{
  std::string spec;               // as written: "hash:/etc/postfix/sasl_passwd"
  std::string type;               // "hash" (for "proxy:hash:…" the inner type)
  std::vector<std::string> files; // the local files it is read from (source and database)
  bool literal = false;           // inline: or static: — the values are in main.cf itself
};

// Split the table list `maps` (comma or blank separated, `{…}` kept whole).
std::vector<PostfixTable> postfix_tables(std::string_view maps);

// A Postfix boolean: "yes" true, anything else false (as Postfix reads it).
bool postfix_bool(std::string_view value);

} // namespace peermail::foreign
