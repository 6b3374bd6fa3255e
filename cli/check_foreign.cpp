// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_foreign.hpp"

#include "check_report.hpp"
#include "evidence.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/check/foreign.hpp>
#include <peermail/policy/checklist.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <unistd.h>

namespace peermail::cli {

namespace {

// Print the report `r` on the file of kind `kind` like `check` does.
int
render(const GlobalOptions& g, const Result<check::ForeignReport>& r, const char* kind)
{
  if (!r) {
    return print_error(r.error());
  }
  CheckReportMeta meta;
  meta.header = evidence_header(g, r->path, r->sha256);
  meta.source_kind = kind;
  meta.source_path = r->path;
  meta.source_account = r->account;
  meta.notes = r->notes;
  if (g.json) {
    print_check_json(r->findings, meta);
  } else {
    print_check_text(r->findings, meta); // terminal-safe (check_report.cpp)
  }
  return policy::any_fail(r->findings) ? k_negative : k_ok;
}

// The postconf to read the configuration with: $PEERMAIL_POSTCONF when set
// ("" or "none": read the files), else the first executable postconf in
// $PATH, /usr/sbin or /usr/local/sbin; "" when Postfix is not installed.
std::string
find_postconf(const GlobalOptions& g)
{
  if (g.env.count("PEERMAIL_POSTCONF") > 0) {
    const auto v = g.getenv("PEERMAIL_POSTCONF");
    return v == "none" ? std::string() : v;
  }
  auto dirs = util::split(g.getenv("PATH"), ':');
  dirs.emplace_back("/usr/sbin");
  dirs.emplace_back("/usr/local/sbin");
  for (const auto& d : dirs) {
    if (d.empty() || d.front() != '/') {
      continue; // a relative PATH entry depends on the working directory
    }
    const auto p = fmt::format("{}/postconf", d);
    if (::access(p.c_str(), X_OK) == 0) {
      return p;
    }
  }
  return {};
}

} // namespace

int
run_check_msmtprc(const GlobalOptions& g, const std::string& path)
{
  return render(g, check::check_msmtprc(path, g.account.value_or("")), "msmtprc");
}

int
run_check_muttrc(const GlobalOptions& g, const std::string& path)
{
  return render(g, check::check_muttrc(path, g.getenv("HOME")), "muttrc");
}

int
run_check_postfix(const GlobalOptions& g, const std::string& dir)
{
  return render(g, check::check_postfix(dir, find_postconf(g)), "postfix");
}

} // namespace peermail::cli
