// SPDX-License-Identifier: GPL-3.0-or-later
// The configuration files' and password tables' owner and mode (AUTH-05),
// logging (AUD-04, AUD-02) and what Postfix cannot do (E2E-01).
#include "postfix_judge.hpp"

#include <fmt/core.h>

#include <cctype>

namespace peermail::policy::postfix {

void
Judge::files(Board& b) const
{
  // Postfix wants its configuration root's and closed to writers (`postfix
  // check`), and the password tables root's alone.
  for (const auto& f : m_f.config) {
    file(b, f, 022, "others can change it", "go-w");
  }
  for (const auto& f : m_f.secrets) {
    file(b, f, 077, "others can read the passwords", "600");
  }
}

void
Judge::file(Board& b,
            const ForeignFileFacts& f,
            unsigned forbidden,
            std::string_view why,
            std::string_view chmod)
{
  const bool root = f.owned_by_root;
  const bool closed = (f.mode & forbidden) == 0;
  if (!root) {
    b.fail("AUTH-05",
           fmt::format("{}: not owned by root", f.path),
           fmt::format("chown root {}", f.path));
  }
  if (!closed) {
    b.fail("AUTH-05",
           fmt::format("{}: mode {:04o}: {}", f.path, f.mode, why),
           fmt::format("chmod {} {}", chmod, f.path));
  }
  if (root && closed) {
    b.pass("AUTH-05", fmt::format("{}: mode {:04o}, owned by root", f.path, f.mode));
  }
}

void
Judge::logging(Board& b) const
{
  const auto file = value("maillog_file");
  if (!file) {
    b.skip("AUD-04", problem("maillog_file"));
  } else if (*file == "/dev/null") {
    b.fail("AUD-04",
           cite("maillog_file") + ": Postfix's log is thrown away",
           set("'maillog_file ='") + " (log to syslog)");
  } else {
    b.pass("AUD-04",
           file->empty() ? fmt::format("{}: Postfix logs every delivery to syslog (facility {})",
                                       cite("maillog_file"),
                                       value("syslog_facility").value_or("mail"))
                         : cite("maillog_file") + ": Postfix logs every delivery there");
  }
  const auto level_of = [this](std::string_view name) {
    const auto v = value(name).value_or("0");
    return v.empty() || std::isdigit(static_cast<unsigned char>(v.front())) == 0 ? 0
                                                                                 : v.front() - '0';
  };
  if (level_of("smtp_tls_loglevel") == 0) {
    b.warn("AUD-04",
           cite("smtp_tls_loglevel") + ": whether each delivery used TLS (and which) is not logged",
           set("smtp_tls_loglevel=1"));
  }
  for (const char* name : {"smtp_tls_loglevel", "smtpd_tls_loglevel"}) {
    if (level_of(name) >= 3) {
      b.warn("AUD-02",
             cite(name) + ": logs the TLS traffic itself (hex dumps), which can hold message data",
             set(fmt::format("{}=1", name)));
    }
  }
  if (!value("debug_peer_list").value_or("").empty()) {
    b.warn("AUD-02",
           cite("debug_peer_list") + ": sessions with these peers are logged in detail",
           set("'debug_peer_list ='"));
  }
  b.warn("E2E-01",
         fmt::format("{}: Postfix relays what it is given; nothing in this configuration "
                     "encrypts end to end",
                     m_f.dir),
         "encrypt before sending: peermail sendmail is a drop-in for /usr/sbin/sendmail in "
         "mail programs and scripts");
}

} // namespace peermail::policy::postfix
