// SPDX-License-Identifier: GPL-3.0-or-later
#include "agent.hpp"

#include <peermail/crypto/context.hpp>

#include <fmt/core.h>
#include <gpgme.h>

namespace peermail::crypto {

namespace {

// Return the agent socket of `home` as gpgconf --list-dirs names it.
Result<std::string>
agent_socket(const std::string& home)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, new_context(GPGME_PROTOCOL_GPGCONF));
  if (!home.empty()) {
    if (auto e =
          gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_GPGCONF, nullptr, home.c_str());
        e != 0) {
      return unexpected(from_gpgme(e, fmt::format("GnuPG home {}", home)));
    }
  }
  char* raw = nullptr;
  if (auto e = gpgme_op_conf_dir(ctx.get(), "agent-socket", &raw); e != 0 || raw == nullptr) {
    return fail(Errc::unavailable, "the gpg-agent socket is unknown");
  }
  std::string socket(raw);
  gpgme_free(raw);
  return socket;
}

// The Assuan callbacks are exception barriers: they only append.
gpgme_error_t
on_data(void* opaque, const void* data, size_t len) noexcept
{
  try {
    static_cast<AgentReply*>(opaque)->data.append(static_cast<const char*>(data), len);
  } catch (...) {
    return gpg_error(GPG_ERR_ENOMEM);
  }
  return 0;
}

gpgme_error_t
on_status(void* opaque, const char* status, const char* args) noexcept
{
  try {
    static_cast<AgentReply*>(opaque)->status.push_back(
      fmt::format("{} {}", status != nullptr ? status : "", args != nullptr ? args : ""));
  } catch (...) {
    return gpg_error(GPG_ERR_ENOMEM);
  }
  return 0;
}

} // namespace

Result<AgentReply>
agent_command(const std::string& home, const std::string& command)
{
  PEERMAIL_TRY_ASSIGN(auto socket, agent_socket(home));
  PEERMAIL_TRY_ASSIGN(auto ctx, new_context(GPGME_PROTOCOL_ASSUAN));
  // Connecting to the socket never starts an agent (gpg-connect-agent
  // --no-autostart).
  if (auto e = gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_ASSUAN, socket.c_str(), nullptr);
      e != 0) {
    return unexpected(from_gpgme(e, "gpg-agent"));
  }
  AgentReply reply;
  gpgme_error_t op_err = 0;
  const auto e = gpgme_op_assuan_transact_ext(
    ctx.get(), command.c_str(), on_data, &reply, nullptr, nullptr, on_status, &reply, &op_err);
  if (e != 0) {
    return unexpected(from_gpgme(e, "gpg-agent", Errc::unavailable));
  }
  reply.ok = op_err == 0;
  return reply;
}

bool
agent_running(const std::string& home)
{
  // Only a running agent answers GETINFO version ("D 2.2.40").
  const auto r = agent_command(home, "GETINFO version");
  return r.has_value() && r->ok && !r->data.empty();
}

} // namespace peermail::crypto
