// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Questions to the gpg-agent of a GnuPG home over its Assuan socket, through
// GPGME's raw Assuan protocol: an agent is never started, and no shell or
// helper program is involved.

#include <peermail/util/result.hpp>

#include <string>
#include <vector>

namespace peermail::crypto {

// What the agent answered to one command.
struct AgentReply
{
  bool ok = false;                 // "OK"; false: the agent answered "ERR"
  std::string data;                // the D lines, unescaped and joined
  std::vector<std::string> status; // each S line as "KEYWORD ARGS"
};

// Send the Assuan `command` to the gpg-agent of `home` ("" = the default
// home) without starting one. Errc::unavailable when no agent answers.
Result<AgentReply> agent_command(const std::string& home, const std::string& command);

// Return true when a gpg-agent answers for `home` ("" = the default home)
// without being started.
bool agent_running(const std::string& home);

} // namespace peermail::crypto
