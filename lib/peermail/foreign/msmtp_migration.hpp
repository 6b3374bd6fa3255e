// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What an msmtp account becomes in peermail (`peermail init --from-msmtprc`):
// the same server, user and password command, with everything
// non-compliant changed and each change said, never carried over silently.

#include <peermail/foreign/msmtprc.hpp>
#include <peermail/util/result.hpp>

#include <string>
#include <vector>

namespace peermail::foreign {

struct MsmtpMigration
{
  std::string from;             // `from` (a bare address), may be ""
  std::string host;             // `host`
  int port = 0;                 // a submission port: 465 or 587 (or the account's own)
  std::string tls;              // "implicit" or "starttls"
  std::string username;         // `user`
  std::string password_command; // `passwordeval`
  std::string ca_file;          // `tls_trust_file` ("" = the system store)
  // What was changed or left out, each "FILE:LINE: setting: what peermail does
  // instead [ID]", in file order.
  std::vector<std::string> changes;
};

// Migrate `account` read from `file` (named in the changes). Errors: config
// when the account has no host.
Result<MsmtpMigration> migrate_msmtp_account(const MsmtpAccount& account, const std::string& file);

} // namespace peermail::foreign
