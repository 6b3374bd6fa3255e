// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Unattended signing (docs/DESIGN.md §4, KEY-05): the signing key keeps its
// passphrase; a command (identity.passphrase_command) prints it and GnuPG's
// loopback pinentry receives it, or gpg-agent already holds it
// (gpg-preset-passphrase). Whether the key needs a passphrase that nobody
// can type is known before anything is sent.

#include <peermail/crypto/keyring.hpp>
#include <peermail/util/result.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace peermail::crypto {

// A secret in memory, overwritten with zeros when destroyed. Never copied.
class Secret
{
public:
  explicit Secret(std::string value);
  ~Secret();
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  // Return the secret; valid as long as this object.
  const std::string&
  value() const
  {
    return m_value;
  }

private:
  std::string m_value;
};

// Overwrite `s` with zeros (not optimised away) and clear it.
void wipe(std::string& s);

// Run `command` (util::run_capture: /bin/sh, stdin /dev/null, stderr
// discarded, process group killed after `timeout`) and keep its first output
// line as the passphrase. `setting` names it in errors, which never hold the
// output. Errors: Errc::auth (77) when it fails, times out or prints an
// empty first line.
Result<std::shared_ptr<const Secret>> read_passphrase(const std::string& command,
                                                      const std::string& setting,
                                                      std::chrono::milliseconds timeout);

// What gpg-agent says about the secret parts of a key (KEYINFO).
struct AgentKeyState
{
  bool known = false;      // the agent answered for at least one secret part
  bool clear = false;      // a part is stored without a passphrase
  bool protected_ = false; // every part answered for is protected (or on a card)
  bool cached = false;     // every protected part's passphrase is cached (preset)
};

// Whether to start gpg-agent to ask it (GnuPG would start it to sign anyway).
enum class AgentStart { no, yes };

// Which secret parts to ask about: all (KEY-05: how the key is stored), or
// only those that can sign (what signing a message needs unlocked).
enum class KeyParts { all, signing };

// Ask gpg-agent for `home` ("" = default) about the secret `parts` of `key`.
// An agent that cannot be reached leaves `known` false.
AgentKeyState
agent_key_state(const std::string& home, const KeyFacts& key, AgentStart start, KeyParts parts);

// The fix for a signing key that needs a passphrase nobody can type.
std::string no_terminal_fix(const KeyFacts& key);

} // namespace peermail::crypto
