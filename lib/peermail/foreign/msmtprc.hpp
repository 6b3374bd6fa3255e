// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Read an msmtp configuration file (msmtp(1), "Configuration files") as
// msmtp does: one command and an optional argument per line, `#` comments,
// arguments optionally in double quotes (backslash escapes " and \ inside),
// `defaults` for what every later account starts from, `account NAME [:
// PARENT[,PARENT...]]` inheriting from defaults and then from the named
// accounts, `account default : NAME` naming the default account. Pure: no I/O.
//
// What is not understood is reported, never guessed: `eval` (a command's
// output becomes configuration), an unknown command, a parent that does not
// exist, a setting before any `defaults` or `account`. Values are kept with
// the line they came from, so a finding can cite "~/.msmtprc:12: tls off".

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::foreign {

// One setting as written.
struct MsmtpSetting
{
  std::string value;
  std::size_t line = 0;
};

// One account with everything it inherits resolved.
struct MsmtpAccount
{
  std::string name;
  std::size_t line = 0; // where `account NAME` is
  std::map<std::string, MsmtpSetting> settings;

  // The setting `command`, or nothing when neither the account nor what it
  // inherits sets it.
  const MsmtpSetting* find(std::string_view command) const;
};

// Something in the file peermail cannot judge.
struct MsmtpNote
{
  std::size_t line = 0;
  std::string message;
};

struct MsmtpFile
{
  std::vector<MsmtpAccount> accounts; // in file order
  std::string default_account;        // from `account default : NAME`, else ""
  std::vector<MsmtpNote> notes;

  // The account `name`; "" selects `account default`'s target, else the
  // account called "default", else the first one. Nothing when not found.
  const MsmtpAccount* select(std::string_view name) const;
};

MsmtpFile parse_msmtprc(std::string_view text);

// msmtp's boolean: an empty argument or "on" is true, "off" false;
// anything else is nothing.
std::optional<bool> msmtp_bool(const MsmtpSetting* s);

} // namespace peermail::foreign
