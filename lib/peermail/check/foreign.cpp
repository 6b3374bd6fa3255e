// SPDX-License-Identifier: GPL-3.0-or-later
#include "foreign.hpp"

#include <peermail/foreign/msmtprc.hpp>
#include <peermail/foreign/muttrc.hpp>
#include <peermail/policy/msmtp_rules.hpp>
#include <peermail/policy/mutt_rules.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <sys/stat.h>
#include <unistd.h>

namespace peermail::check {

namespace {

constexpr std::uint64_t k_max_config_bytes = 1U << 20;

policy::ForeignFileFacts
facts_of(const std::string& path, const struct stat& st)
{
  policy::ForeignFileFacts facts;
  facts.path = path;
  facts.mode = static_cast<unsigned>(st.st_mode & 07777);
  facts.owned_by_user = st.st_uid == ::geteuid();
  return facts;
}

// The file a muttrc `source` line names, as Mutt finds it.
std::string
source_path(const std::string& arg, const std::string& from, const std::string& home)
{
  if (arg == "~" || arg.rfind("~/", 0) == 0) {
    return home + arg.substr(1);
  }
  if (arg.rfind("$HOME/", 0) == 0) {
    return home + arg.substr(5);
  }
  const auto slash = from.rfind('/');
  if (arg.empty() || arg.front() == '/' || slash == std::string::npos) {
    return arg;
  }
  return from.substr(0, slash + 1) + arg;
}

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
  r.findings = policy::judge_msmtp_account(*a, facts_of(path, file.st));
  for (const auto& n : parsed.notes) {
    r.notes.push_back(fmt::format("{}:{}: {}", path, n.line, n.message));
  }
  return r;
}

Result<ForeignReport>
check_muttrc(const std::string& path, const std::string& home)
{
  PEERMAIL_TRY_ASSIGN(auto file, util::read_file_with_stat(path, k_max_config_bytes));
  std::vector<policy::ForeignFileFacts> facts{facts_of(path, file.st)};
  std::string digest_input = file.text;
  const foreign::MuttReader read = [&](const std::string& arg,
                                       const std::string& from) -> Result<foreign::MuttSource> {
    const auto p = source_path(arg, from, home);
    PEERMAIL_TRY_ASSIGN(auto f, util::read_file_with_stat(p, k_max_config_bytes));
    facts.push_back(facts_of(p, f.st));
    digest_input += f.text;
    return foreign::MuttSource{p, std::move(f.text)};
  };
  const auto rc = foreign::parse_muttrc(file.text, path, read);
  ForeignReport r;
  r.path = path;
  r.sha256 = util::sha256_hex(digest_input);
  r.findings = policy::judge_muttrc(rc, facts);
  for (const auto& n : rc.notes) {
    r.notes.push_back(fmt::format("{}:{}: {}", n.file, n.line, n.message));
  }
  return r;
}

} // namespace peermail::check
