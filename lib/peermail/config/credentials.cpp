// SPDX-License-Identifier: GPL-3.0-or-later
// Secrets: resolved only when a login needs them, never stored.
#include "config.hpp"

#include <peermail/util/process.hpp>

#include <fmt/core.h>

#include <chrono>

namespace peermail::config {

Result<Credentials>
resolve_credentials(const Account& account, const std::map<std::string, std::string>& env)
{
  Credentials c;
  c.username = account.username;
  const std::string prefix = "account." + account.name;
  // timeout_s bounds the helper too; then its whole process group is ended.
  const std::chrono::milliseconds helper_timeout = std::chrono::seconds(account.timeout_s);
  if (!account.password_command.empty()) {
    PEERMAIL_TRY_ASSIGN(
      c.password,
      util::run_capture(account.password_command, prefix + ".password_command", helper_timeout));
    if (c.password.empty()) {
      return fail(Errc::auth,
                  fmt::format("{}.password_command printed an empty first line", prefix),
                  "AUTH-04",
                  "make the command print the password on its first line");
    }
  } else if (!account.password_env.empty()) {
    auto it = env.find(account.password_env);
    if (it == env.end() || it->second.empty()) {
      return fail(Errc::auth,
                  fmt::format("{}.password_env: ${} is not set", prefix, account.password_env),
                  "AUTH-04",
                  fmt::format("export {} before running peermail", account.password_env));
    }
    c.password = it->second;
  } else if (!account.oauth2_token_command.empty()) {
    PEERMAIL_TRY_ASSIGN(c.oauth2_token,
                        util::run_capture(account.oauth2_token_command,
                                          prefix + ".oauth2_token_command",
                                          helper_timeout));
    if (c.oauth2_token.empty()) {
      return fail(Errc::auth,
                  fmt::format("{}.oauth2_token_command printed an empty first line", prefix),
                  "AUTH-04",
                  "make the command print the token on its first line");
    }
  }
  return c;
}

} // namespace peermail::config
