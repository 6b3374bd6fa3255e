// SPDX-License-Identifier: GPL-3.0-or-later
#include "passphrase.hpp"

#include "agent.hpp"
#include "context.hpp"
#include "loopback.hpp"

#include <peermail/util/process.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <vector>

namespace peermail::crypto {

void
wipe(std::string& s)
{
  if (!s.empty()) {
    ::explicit_bzero(s.data(), s.size());
  }
  s.clear();
}

Secret::Secret(std::string value)
  : m_value(std::move(value))
{
}

Secret::~Secret()
{
  wipe(m_value);
}

Result<std::shared_ptr<const Secret>>
read_passphrase(const std::string& command,
                const std::string& setting,
                std::chrono::milliseconds timeout)
{
  auto out = util::run_capture(command, setting, timeout);
  if (!out) {
    Error e = out.error();
    e.code = Errc::auth;
    e.check_id = "KEY-05";
    if (e.fix.empty()) {
      e.fix = fmt::format(
        "make {} print the signing key's passphrase on its first line and "
        "exit 0",
        setting);
    }
    return unexpected(std::move(e));
  }
  auto secret = std::make_shared<const Secret>(std::move(*out));
  wipe(*out);
  if (secret->value().empty()) {
    return fail(
      Errc::auth,
      fmt::format("{} printed an empty first line", setting),
      "KEY-05",
      fmt::format("make {} print the signing key's passphrase on its first line", setting));
  }
  return secret;
}

namespace {

// Start the agent of `home` the way gpg does: a secret-key listing asks it
// (and autostarts it). Best effort: the KEYINFO questions say what is known.
void
start_agent(const std::string& home, const KeyFacts& key)
{
  if (agent_running(home)) {
    return;
  }
  auto ctx = make_context(home);
  if (!ctx || gpgme_op_keylist_start(ctx->get(), key.fingerprint.c_str(), 1) != 0) {
    return;
  }
  gpgme_key_t k = nullptr;
  while (gpgme_op_keylist_next(ctx->get(), &k) == 0) {
    gpgme_key_unref(k);
  }
  gpgme_op_keylist_end(ctx->get());
}

} // namespace

AgentKeyState
agent_key_state(const std::string& home, const KeyFacts& key, AgentStart start, KeyParts parts)
{
  AgentKeyState st;
  std::set<std::string> grips;
  for (const auto& s : key.subkeys) {
    if (s.secret && !s.keygrip.empty() && (parts == KeyParts::all || s.can_sign)) {
      grips.insert(s.keygrip);
    }
  }
  if (start == AgentStart::yes && !grips.empty()) {
    start_agent(home, key);
  }
  bool all_protected = true;
  bool all_cached = true;
  // One Assuan question per keygrip (crypto/agent.hpp: no shell, no helper).
  for (const auto& grip : grips) {
    auto reply = agent_command(home, "KEYINFO " + grip);
    if (!reply || !reply->ok) {
      continue; // no agent, or "ERR: no such key"
    }
    const auto line = std::find_if(reply->status.begin(), reply->status.end(), [](const auto& l) {
      return l.rfind("KEYINFO ", 0) == 0;
    });
    if (line == reply->status.end()) {
      continue;
    }
    std::istringstream ls("S " + *line);
    std::vector<std::string> f;
    std::string w;
    while (ls >> w) {
      f.push_back(w);
    }
    // "S KEYINFO <grip> <type> <serial> <idstr> <cached> <protection> ..."
    if (f.size() < 8 || f[0] != "S" || f[1] != "KEYINFO" || f[2] != grip) {
      continue;
    }
    st.known = true;
    if (f[3] == "T") {
      continue; // on a smartcard: its PIN is the card's business
    }
    if (f[7] == "C") {
      st.clear = true;
    } else if (f[7] != "P") {
      all_protected = false;
    }
    all_cached = all_cached && f[6] == "1";
  }
  st.protected_ = st.known && !st.clear && all_protected;
  st.cached = st.known && all_cached;
  return st;
}

namespace {

gpgme_error_t
passphrase_cb(void* hook, const char* /*uid_hint*/, const char* /*info*/, int prev_was_bad, int fd)
{
  // An exception barrier: nothing below throws, and nothing escapes.
  auto* st = static_cast<LoopbackState*>(hook);
  ++st->asked;
  if (prev_was_bad != 0 || st->asked > 1) {
    st->rejected = true;
    return gpg_error(GPG_ERR_BAD_PASSPHRASE);
  }
  if (!st->secret) {
    return gpg_error(GPG_ERR_CANCELED);
  }
  const std::string& v = st->secret->value();
  if (gpgme_io_writen(fd, v.data(), v.size()) != 0 || gpgme_io_writen(fd, "\n", 1) != 0) {
    return gpg_error(GPG_ERR_CANCELED);
  }
  return 0;
}

} // namespace

Result<void>
use_loopback(gpgme_ctx_t ctx, LoopbackState* state)
{
  if (auto e = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK); e != 0) {
    return unexpected(from_gpgme(e, "loopback pinentry"));
  }
  gpgme_set_passphrase_cb(ctx, passphrase_cb, state);
  return {};
}

Error
loopback_error(const LoopbackState& state, gpgme_error_t err, Error fallback)
{
  const auto code = gpgme_err_code(err);
  if (state.rejected || code == GPG_ERR_BAD_PASSPHRASE) {
    return Error(Errc::auth,
                 fmt::format("GnuPG did not accept the passphrase {} printed", state.setting),
                 "KEY-05",
                 fmt::format("make {} print the signing key's passphrase", state.setting));
  }
  if (code == GPG_ERR_NOT_SUPPORTED || code == GPG_ERR_FORBIDDEN
      || (state.asked == 0 && code == GPG_ERR_NO_PIN_ENTRY)) {
    return Error(
      Errc::auth,
      fmt::format("gpg-agent refused the loopback pinentry that {} needs", state.setting),
      "KEY-05",
      "add allow-loopback-pinentry to gpg-agent.conf in the GnuPG home, then run "
      "gpgconf --kill gpg-agent");
  }
  return fallback;
}

std::string
no_terminal_fix(const KeyFacts& key)
{
  std::string grip;
  for (const auto& s : key.subkeys) {
    if (s.secret && s.can_sign && !s.keygrip.empty()) {
      grip = s.keygrip;
      break;
    }
  }
  return fmt::format(
    "set identity.passphrase_command to a command that prints the passphrase (e.g. \"cat "
    "/etc/peermail/key-passphrase\", a file only this user can read), or cache it in "
    "gpg-agent: allow-preset-passphrase in gpg-agent.conf, then /usr/lib/gnupg/"
    "gpg-preset-passphrase --preset {}",
    grip.empty() ? std::string("KEYGRIP") : grip);
}

} // namespace peermail::crypto
