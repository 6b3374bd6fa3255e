// SPDX-License-Identifier: GPL-3.0-or-later
#include "foreign.hpp"

#include <peermail/foreign/msmtprc.hpp>
#include <peermail/policy/msmtp_rules.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <unistd.h>

namespace peermail::check {

namespace {

constexpr std::uint64_t k_max_config_bytes = 1U << 20;

} // namespace

Result<ForeignReport>
check_msmtprc(const std::string& path, const std::string& account)
{
  PEERMAIL_TRY_ASSIGN(auto file, util::read_file_with_stat(path, k_max_config_bytes));
  const auto parsed = foreign::parse_msmtprc(file.text);
  if (parsed.accounts.empty()) {
    return fail(Errc::data,
                fmt::format("{}: no account (msmtp needs `account NAME` lines)", path),
                "",
                "point --msmtprc at the msmtp configuration that cron or your mail program uses");
  }
  const auto* a = parsed.select(account);
  if (a == nullptr) {
    std::string names;
    for (const auto& x : parsed.accounts) {
      names += names.empty() ? x.name : ", " + x.name;
    }
    return fail(
      Errc::usage,
      fmt::format("{}: no account {}", path, account.empty() ? parsed.default_account : account),
      "",
      fmt::format("pass --account with one of: {}", names));
  }
  ForeignReport r;
  r.path = path;
  r.sha256 = util::sha256_hex(file.text);
  r.account = a->name;
  policy::ForeignFileFacts facts;
  facts.path = path;
  facts.mode = static_cast<unsigned>(file.st.st_mode & 07777);
  facts.owned_by_user = file.st.st_uid == ::geteuid();
  r.findings = policy::judge_msmtp_account(*a, facts);
  for (const auto& n : parsed.notes) {
    r.notes.push_back(fmt::format("{}:{}: {}", path, n.line, n.message));
  }
  return r;
}

} // namespace peermail::check
