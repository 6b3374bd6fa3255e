// SPDX-License-Identifier: GPL-3.0-or-later
#include "foreign.hpp"

#include <peermail/foreign/msmtprc.hpp>
#include <peermail/foreign/muttrc.hpp>
#include <peermail/foreign/postfix.hpp>
#include <peermail/policy/msmtp_rules.hpp>
#include <peermail/policy/mutt_rules.hpp>
#include <peermail/policy/postfix_rules.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/process.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

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
  facts.owned_by_root = st.st_uid == 0;
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

// Lay what `postconf` says about `dir` over `c`; a failure is a note and
// the files' own reading stays.
void
read_with_postconf(const std::string& postconf,
                   const std::string& dir,
                   foreign::PostfixConfig& c,
                   std::vector<std::string>& notes)
{
  using namespace std::chrono_literals;
  // A DIR that starts with `-` is a path, never one of postconf's options.
  const auto path = dir.front() == '-' ? fmt::format("./{}", dir) : dir;
  const auto run = [&](const char* flag) {
    return util::run_program({postconf, "-c", path, flag},
                             fmt::format("{} -c {} {}", postconf, path, flag),
                             30s,
                             k_max_config_bytes * 4);
  };
  auto n = run("-n");
  auto d = n ? run("-d") : n;
  auto m = d ? run("-M") : d;
  if (!m) {
    notes.push_back(fmt::format("{}: the files were read directly instead", m.error().message));
    return;
  }
  foreign::apply_postconf_n(*n, c);
  foreign::apply_postconf_d(*d, c);
  foreign::apply_postconf_m(*m, c);
  notes.push_back(fmt::format("read through {} -c {} (-n, -d, -M)", postconf, path));
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

Result<ForeignReport>
check_postfix(const std::string& dir, const std::string& postconf)
{
  struct stat st
  {
  };
  if (::stat(dir.c_str(), &st) != 0) {
    return fail(Errc::no_input,
                fmt::format("{}: {}", dir, std::strerror(errno)),
                "",
                "point --postfix at the directory that holds main.cf (default /etc/postfix)");
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(Errc::no_input,
                fmt::format("{}: not a directory", dir),
                "",
                "point --postfix at the directory that holds main.cf (default /etc/postfix)");
  }
  const auto main_path = dir + "/main.cf";
  const auto master_path = dir + "/master.cf";
  PEERMAIL_TRY_ASSIGN(auto main_file, util::read_file_with_stat(main_path, k_max_config_bytes));
  foreign::PostfixConfig c;
  c.defaults = foreign::postfix_builtin_defaults();
  c.defaults_source = "Postfix 3.7";
  c.defaults["config_directory"] = dir; // as `postconf -c DIR` sets it
  foreign::parse_main_cf(main_file.text, main_path, c);
  policy::PostfixFiles files;
  files.dir = dir;
  files.default_dir = dir == "/etc/postfix" || dir == "/etc/postfix/";
  files.config.push_back(facts_of(main_path, main_file.st));
  std::string digest_input = main_file.text;
  std::vector<std::string> notes;
  auto master_file = util::read_file_with_stat(master_path, k_max_config_bytes);
  if (master_file) {
    foreign::parse_master_cf(master_file->text, master_path, c);
    files.config.push_back(facts_of(master_path, master_file->st));
    digest_input += master_file->text;
  } else if (master_file.error().code == Errc::data) {
    return unexpected(master_file.error());
  } else {
    notes.push_back(fmt::format("{}: the services (submission, submissions) are not judged",
                                master_file.error().message));
  }
  if (postconf.empty()) {
    notes.push_back(
      fmt::format("without postconf: {} and {} were read as postconf(5) "
                  "documents, with Postfix 3.7's defaults",
                  main_path,
                  master_path));
  } else {
    read_with_postconf(postconf, dir, c, notes);
  }
  // The password tables: their files' modes, never their contents.
  for (const auto& t : foreign::postfix_tables(c.value("smtp_sasl_password_maps").value)) {
    for (const auto& f : t.files) {
      struct stat fst
      {
      };
      if (::stat(f.c_str(), &fst) == 0) {
        files.secrets.push_back(facts_of(f, fst));
      } else if (f == t.files.front()) {
        notes.push_back(fmt::format(
          "{}: {} (named by smtp_sasl_password_maps): not judged", f, std::strerror(errno)));
      }
    }
  }
  ForeignReport r;
  r.path = dir;
  r.sha256 = util::sha256_hex(digest_input);
  r.findings = policy::judge_postfix(c, files);
  for (const auto& n : c.notes) {
    r.notes.push_back(n.line == 0 ? fmt::format("{}: {}", n.file, n.message)
                                  : fmt::format("{}:{}: {}", n.file, n.line, n.message));
  }
  for (auto& n : notes) {
    r.notes.push_back(std::move(n));
  }
  return r;
}

} // namespace peermail::check
