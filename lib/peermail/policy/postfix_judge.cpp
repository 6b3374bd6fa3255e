// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the Postfix rules: which scope (main.cf, a master.cf service,
// the smtp transport) a parameter is read in, how it is cited, its value,
// and the `postconf` command that fixes it.
#include "postfix_judge.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <vector>

namespace peermail::policy::postfix {

// Levels at which the Postfix SMTP client defers mail rather than send it
// without TLS (postconf(5) smtp_tls_security_level).
bool
tls_required(std::string_view level)
{
  return level == "encrypt" || level == "dane-only" || level == "fingerprint" || level == "verify"
         || level == "secure";
}

bool
known_level(std::string_view level)
{
  return tls_required(level) || level == "none" || level == "may" || level == "dane";
}

Judge::Judge(const PostfixConfig& c, const PostfixFiles& f)
  : m_c(c),
    m_f(f)
{
  // The client's settings are main.cf's unless the `smtp` transport
  // (default_transport, which relayhost and MX deliveries use) overrides
  // them in master.cf.
  for (const auto& s : c.services) {
    if (s.name == "smtp" && s.type == "unix" && s.command == "smtp") {
      m_client = &s;
    }
  }
}

// The scope of `name`: `svc` if given, else the smtp transport when it
// overrides `name`, else main.cf (null).
const PostfixService*
Judge::scope(std::string_view name, const PostfixService* svc) const
{
  if (svc != nullptr) {
    return svc;
  }
  if (m_client != nullptr && m_client->overrides.count(std::string(name)) > 0) {
    return m_client;
  }
  return nullptr;
}

// "pf/main.cf:12: smtp_tls_security_level = may", or "pf/main.cf:
// smtp_tls_security_level is not set (Postfix's default: empty)".
std::string
Judge::cite(std::string_view name, const PostfixService* scope_svc) const
{
  const auto* svc = scope(name, scope_svc);
  const auto* p = m_c.find(name, svc);
  if (p == nullptr) {
    const auto it = m_c.defaults.find(std::string(name));
    const auto def =
      it == m_c.defaults.end() || it->second.empty() ? std::string("empty") : it->second;
    return svc != nullptr
             ? fmt::format("{}: {} {}: {} is not set (Postfix's default: {})",
                           where(svc->file, svc->line, "master.cf"),
                           svc->name,
                           svc->type,
                           name,
                           def)
             : fmt::format("{}/main.cf: {} is not set (Postfix's default: {})", m_f.dir, name, def);
  }
  const bool override_ = svc != nullptr && svc->overrides.count(std::string(name)) > 0;
  if (override_) {
    return fmt::format("{}: {} {} -o {}={}{}",
                       where(p->file, p->line, "postconf -M"),
                       svc->name,
                       svc->type,
                       name,
                       p->value,
                       expanded(name, svc));
  }
  const auto main_cite =
    p->value.empty() ? fmt::format("{}: {} is empty", where(p->file, p->line, "postconf -n"), name)
                     : fmt::format("{}: {} = {}{}",
                                   where(p->file, p->line, "postconf -n"),
                                   name,
                                   p->value,
                                   expanded(name, svc));
  if (svc != nullptr) {
    return fmt::format("{}: {} {} inherits {}",
                       where(svc->file, svc->line, "master.cf"),
                       svc->name,
                       svc->type,
                       main_cite);
  }
  return main_cite;
}

// " (VALUE)" when the value of `name` refers to others and expands.
std::string
Judge::expanded(std::string_view name, const PostfixService* svc) const
{
  const auto* p = m_c.find(name, svc);
  if (p == nullptr || p->value.find('$') == std::string::npos) {
    return {};
  }
  const auto v = m_c.value(name, svc);
  return v.problem.empty() ? fmt::format(" ({})", v.value) : std::string();
}

// "pf/main.cf:7: smtp_sasl_password_maps" (no value).
std::string
Judge::cite_name(std::string_view name) const
{
  const auto* p = m_c.find(name);
  return p == nullptr ? fmt::format("{}/main.cf: {}", m_f.dir, name)
                      : fmt::format("{}: {}", where(p->file, p->line, "postconf -n"), name);
}

std::string
Judge::service_cite(const PostfixService& s) const
{
  return fmt::format(
    "{}: {} {} {}", where(s.file, s.line, "postconf -M"), s.name, s.type, s.command);
}

// `postconf -e 'name = value'` (with `-c DIR` for another directory).
// An assignment the smtp transport overrides in master.cf becomes a
// `postconf -P` for it (`postconf -e` would not change what it uses).
std::string
Judge::set(std::string_view assignments) const
{
  std::vector<std::string> words;
  std::string cur;
  char quote = 0;
  for (const char c : assignments) {
    if (quote == 0 && c == ' ') {
      if (!cur.empty()) {
        words.push_back(cur);
      }
      cur.clear();
      continue;
    }
    quote = c == '\'' ? (quote == 0 ? c : 0) : quote;
    cur += c;
  }
  if (!cur.empty()) {
    words.push_back(cur);
  }
  std::string main;
  std::string out;
  for (const auto& w : words) {
    const auto eq = w.find('=');
    std::string name = w.substr(0, eq);
    name.erase(
      std::remove_if(name.begin(), name.end(), [](char c) { return c == '\'' || c == ' '; }),
      name.end());
    if (eq != std::string::npos && scope(name, nullptr) != nullptr) {
      std::string v = w.substr(eq + 1);
      v.erase(std::remove(v.begin(), v.end(), '\''), v.end());
      const auto first = v.find_first_not_of(' ');
      out +=
        fmt::format("{}{}",
                    out.empty() ? "" : "; ",
                    set_in(*m_client, name, first == std::string::npos ? "" : v.substr(first)));
    } else {
      if (!main.empty()) {
        main += ' ';
      }
      main += w;
    }
  }
  if (!main.empty()) {
    const auto e = m_f.default_dir ? fmt::format("postconf -e {}", main)
                                   : fmt::format("postconf -c {} -e {}", m_f.dir, main);
    out = out.empty() ? e : fmt::format("{}; {}", e, out);
  }
  return out;
}

// `postconf -P 'service/type/name=value'` for a master.cf override.
std::string
Judge::set_in(const PostfixService& s, std::string_view name, std::string_view value) const
{
  const auto arg = fmt::format("'{}/{}/{}={}'", s.name, s.type, name, value);
  return m_f.default_dir ? fmt::format("postconf -P {}", arg)
                         : fmt::format("postconf -c {} -P {}", m_f.dir, arg);
}

// The expanded value of `name`; an expansion problem is a note, and the
// value is then nothing.
std::optional<std::string>
Judge::value(std::string_view name, const PostfixService* svc) const
{
  auto v = m_c.value(name, scope(name, svc));
  if (!v.problem.empty()) {
    return std::nullopt;
  }
  return v.value;
}

std::string
Judge::problem(std::string_view name, const PostfixService* svc) const
{
  return fmt::format(
    "{}: not judged: {}", cite(name, svc), m_c.value(name, scope(name, svc)).problem);
}

// The client's (svc null) or a server's effective TLS level, with the
// obsolete use_tls / enforce_tls booleans Postfix still honours when the
// level is empty.
std::optional<std::string>
Judge::level(std::string_view prefix, const PostfixService* svc) const
{
  const auto v = value(fmt::format("{}_tls_security_level", prefix), svc);
  if (!v) {
    return std::nullopt;
  }
  if (!v->empty()) {
    return util::to_lower(*v);
  }
  if (foreign::postfix_bool(value(fmt::format("{}_enforce_tls", prefix), svc).value_or(""))) {
    return std::string("encrypt");
  }
  if (foreign::postfix_bool(value(fmt::format("{}_use_tls", prefix), svc).value_or(""))) {
    return std::string("may");
  }
  return std::string("none");
}

// "FILE:LINE" or FILE, or `fallback` when postconf named it.
std::string
Judge::where(const std::string& file, std::size_t line, std::string_view fallback)
{
  if (file.empty()) {
    return std::string(fallback);
  }
  return line == 0 ? file : fmt::format("{}:{}", file, line);
}

std::string
Judge::where_main(std::string_view name) const
{
  const auto* p = m_c.find(name);
  return p == nullptr ? fmt::format("{}/main.cf", m_f.dir) : cite(name);
}

} // namespace peermail::policy::postfix
