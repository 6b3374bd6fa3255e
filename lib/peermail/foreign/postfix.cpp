// SPDX-License-Identifier: GPL-3.0-or-later
#include "postfix.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace peermail::foreign {

namespace {

using util::trim;

constexpr std::size_t k_max_depth = 16;
// A value that doubles at each level grows to 2^16 times its size within
// the depth bound, and ten references a level look up 10^16 names: both
// are cut off and reported (Postfix's own values are far smaller).
constexpr std::size_t k_max_expanded_bytes = 65536;
constexpr std::size_t k_max_lookups = 10000;

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool
is_name_char(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

struct LogicalLine
{
  std::string text;
  std::size_t line = 0;
};

// Split `text` into postconf(5)'s logical lines: a line that starts with
// whitespace continues the previous one; empty lines and comment lines (the
// first non-whitespace character is `#`) are skipped and do not end one.
std::vector<LogicalLine>
logical_lines(std::string_view text)
{
  std::vector<LogicalLine> out;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    auto raw = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    const auto content = trim(raw);
    if (content.empty() || content.front() == '#') {
      continue;
    }
    if (is_space(raw.front()) && !out.empty()) {
      out.back().text += ' ';
      out.back().text += content;
      continue;
    }
    out.push_back({std::string(content), line_no});
  }
  return out;
}

// Split a master.cf entry into fields: whitespace separates them, except
// inside `{ … }` (master(5), Postfix 3.0), which is one field without the
// braces and the blanks next to them.
std::vector<std::string>
fields(std::string_view s)
{
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) {
      ++i;
    }
    if (i >= s.size()) {
      break;
    }
    if (s[i] == '{') {
      int depth = 0;
      const std::size_t start = i;
      for (; i < s.size(); ++i) {
        depth += s[i] == '{' ? 1 : (s[i] == '}' ? -1 : 0);
        if (depth == 0) {
          break;
        }
      }
      const auto inner = s.substr(start + 1, std::min(i, s.size()) - start - 1);
      out.emplace_back(trim(inner));
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) {
      ++i;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

// Split "name = value" (blanks around `=` allowed); false if it is not one.
bool
split_assignment(std::string_view s, std::string& name, std::string& value)
{
  const auto eq = s.find('=');
  if (eq == std::string_view::npos) {
    return false;
  }
  const auto n = trim(s.substr(0, eq));
  if (n.empty() || !std::all_of(n.begin(), n.end(), is_name_char)) {
    return false;
  }
  name = std::string(n);
  value = std::string(trim(s.substr(eq + 1)));
  return true;
}

// Strip one pair of braces around `s` ("{x}" → "x").
std::string
unbrace(std::string_view s)
{
  s = trim(s);
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
    return std::string(trim(s.substr(1, s.size() - 2)));
  }
  return std::string(s);
}

class Expander
{
public:
  Expander(const PostfixConfig& c, const PostfixService* service)
    : m_c(c),
      m_service(service)
  {
  }

  PostfixExpanded
  run(std::string_view name)
  {
    PostfixExpanded out;
    m_root = std::string(name);
    out.value = lookup(name, out.problem);
    if (!out.problem.empty()) {
      out.value.clear();
    }
    return out;
  }

private:
  std::string
  raw(std::string_view name) const
  {
    if (const auto* p = m_c.find(name, m_service)) {
      return p->value;
    }
    const auto it = m_c.defaults.find(std::string(name));
    return it == m_c.defaults.end() ? std::string() : it->second;
  }

  std::string
  lookup(std::string_view name, std::string& problem)
  {
    if (!problem.empty()) {
      return {};
    }
    const auto seen = std::find(m_stack.begin(), m_stack.end(), name);
    if (seen != m_stack.end()) {
      std::string via;
      for (auto it = seen + 1; it != m_stack.end(); ++it) {
        via += via.empty() ? "$" : ", $";
        via += *it;
      }
      problem = via.empty() ? fmt::format("${} refers to itself", name)
                            : fmt::format("${} refers to itself (through {})", name, via);
      return {};
    }
    if (m_stack.size() >= k_max_depth) {
      problem = fmt::format("${}: nested more than {} deep", name, k_max_depth);
      return {};
    }
    if (++m_lookups > k_max_lookups) {
      problem = fmt::format("${}: more than {} references to expand", m_root, k_max_lookups);
      return {};
    }
    m_stack.emplace_back(name);
    auto out = expand(raw(name), problem);
    m_stack.pop_back();
    return out;
  }

  // A value grown through references past the bound is not known.
  void
  check_size(const std::string& out, std::string& problem) const
  {
    if (out.size() > k_max_expanded_bytes && problem.empty()) {
      problem = fmt::format("${}: expands to more than {} bytes", m_root, k_max_expanded_bytes);
    }
  }

  // Expand `s` as mac_expand(3) does for the forms named in postconf(5).
  std::string
  expand(const std::string& s, std::string& problem)
  {
    std::string out;
    std::size_t i = 0;
    while (i < s.size() && problem.empty()) {
      if (s[i] != '$') {
        out += s[i++];
        continue;
      }
      if (i + 1 >= s.size()) {
        out += '$';
        ++i;
        continue;
      }
      const char c = s[i + 1];
      if (c == '$') {
        out += '$';
        i += 2;
      } else if (c == '{' || c == '(') {
        const char close = c == '{' ? '}' : ')';
        int depth = 0;
        std::size_t j = i + 1;
        for (; j < s.size(); ++j) {
          depth += s[j] == c ? 1 : (s[j] == close ? -1 : 0);
          if (depth == 0) {
            break;
          }
        }
        if (j >= s.size()) {
          problem = fmt::format("{}: an unclosed {}", s.substr(i), c);
          return {};
        }
        out += braced(s.substr(i, j + 1 - i), s.substr(i + 2, j - i - 2), problem);
        i = j + 1;
        check_size(out, problem);
      } else if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_') {
        std::size_t j = i + 1;
        while (j < s.size()
               && (std::isalnum(static_cast<unsigned char>(s[j])) != 0 || s[j] == '_')) {
          ++j;
        }
        out += lookup(s.substr(i + 1, j - i - 1), problem);
        i = j;
        check_size(out, problem);
      } else {
        out += '$';
        ++i;
      }
    }
    return out;
  }

  // `${name}`, `${name?text}`, `${name:text}`, `${name?{a}:{b}}`; anything
  // else (the relational forms of Postfix 3.0) is reported.
  std::string
  braced(const std::string& whole, const std::string& inner, std::string& problem)
  {
    std::size_t n = 0;
    while (n < inner.size()
           && (std::isalnum(static_cast<unsigned char>(inner[n])) != 0 || inner[n] == '_')) {
      ++n;
    }
    if (n == 0) {
      problem = fmt::format("{}: an expression form this reader does not evaluate", whole);
      return {};
    }
    const auto name = inner.substr(0, n);
    const auto rest = std::string_view(inner).substr(n);
    if (trim(rest).empty()) {
      return lookup(name, problem);
    }
    const bool set = !lookup(name, problem).empty();
    if (!problem.empty()) {
      return {};
    }
    const char op = rest.front();
    auto text = rest.substr(1);
    std::string chosen;
    if (op == '?') {
      // `?{a}:{b}`: a when set, else b.
      const auto t = trim(text);
      if (!t.empty() && t.front() == '{') {
        const auto close = t.find('}');
        const auto after =
          close == std::string_view::npos ? std::string_view{} : trim(t.substr(close + 1));
        if (!after.empty() && after.front() == ':') {
          chosen = set ? unbrace(t.substr(0, close + 1)) : unbrace(after.substr(1));
          return expand(chosen, problem);
        }
      }
      chosen = set ? unbrace(text) : std::string();
    } else if (op == ':') {
      chosen = set ? std::string() : unbrace(text);
    } else {
      problem = fmt::format("{}: an expression form this reader does not evaluate", whole);
      return {};
    }
    return expand(chosen, problem);
  }

  const PostfixConfig& m_c;
  const PostfixService* m_service;
  std::vector<std::string> m_stack;
  std::string m_root; // the name asked for
  std::size_t m_lookups = 0;
};

// Parse one master.cf entry (a logical line); false if it is not one.
bool
parse_service(const std::string& text,
              const std::string& path,
              std::size_t line,
              PostfixService& s,
              std::vector<PostfixNote>& notes)
{
  const auto f = fields(text);
  if (f.size() < 8) {
    return false;
  }
  s.name = f[0];
  s.type = f[1];
  s.command = f[7];
  s.file = path;
  s.line = line;
  for (std::size_t i = 8; i < f.size(); ++i) {
    std::string assignment;
    if (f[i] == "-o" && i + 1 < f.size()) {
      assignment = f[++i];
    } else if (f[i].rfind("-o", 0) == 0 && f[i].size() > 2) {
      assignment = f[i].substr(2);
    } else {
      continue; // other daemon arguments (-v, flags=, argv=, …)
    }
    std::string name;
    std::string value;
    if (split_assignment(assignment, name, value)) {
      s.overrides[name] = PostfixParam{value, path, line};
    } else {
      notes.push_back(
        {path, line, fmt::format("{}: -o {}: not `name=value`: not judged", s.name, assignment)});
    }
  }
  return true;
}

std::vector<PostfixService>
parse_services(std::string_view text, const std::string& path, std::vector<PostfixNote>& notes)
{
  std::vector<PostfixService> out;
  for (const auto& l : logical_lines(text)) {
    PostfixService s;
    if (parse_service(l.text, path, l.line, s, notes)) {
      out.push_back(std::move(s));
    } else {
      notes.push_back(
        {path,
         l.line,
         fmt::format("not a service entry (fewer than 8 fields: \"{}\"): not judged", l.text)});
    }
  }
  return out;
}

// True when `line` holds `name=` or `name =` with `name` a whole word.
bool
assigns(std::string_view line, std::string_view name)
{
  for (auto at = line.find(name); at != std::string_view::npos; at = line.find(name, at + 1)) {
    if (at > 0 && is_name_char(line[at - 1])) {
      continue;
    }
    auto rest = line.substr(at + name.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) {
      rest.remove_prefix(1);
    }
    if (!rest.empty() && rest.front() == '=') {
      return true;
    }
  }
  return false;
}

// The `-o` lines of a continued master.cf entry: each override's own line.
void
locate_overrides(std::string_view text, std::vector<PostfixService>& services)
{
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    const std::size_t end = i + 1 < services.size() && services[i + 1].file == services[i].file
                              ? services[i + 1].line - 1
                              : lines.size();
    for (auto& [name, p] : services[i].overrides) {
      // The last line that assigns `name` is the one that wins.
      for (std::size_t l = services[i].line; l >= 1 && l <= end; ++l) {
        const auto content = trim(lines[l - 1]);
        if (!content.empty() && content.front() != '#' && assigns(content, name)) {
          p.line = l;
        }
      }
    }
  }
}

// True when `a` and `b` hold the same words (postconf folds blanks).
bool
same_words(std::string_view a, std::string_view b)
{
  const auto words = [](std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      const auto start = i;
      while (i < s.size() && !is_space(s[i])) {
        ++i;
      }
      if (i > start) {
        out.push_back(s.substr(start, i - start));
      }
    }
    return out;
  };
  return words(a) == words(b);
}

// Table types that name a server or other tables, not a file.
bool
is_service_table(std::string_view type)
{
  for (const auto* t : {"socketmap",
                        "tcp",
                        "unix",
                        "inet",
                        "fail",
                        "environ",
                        "randmap",
                        "pipemap",
                        "unionmap",
                        "nis",
                        "nisplus",
                        "netinfo"}) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

} // namespace

std::string
PostfixService::port() const
{
  const auto colon = name.rfind(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

const PostfixParam*
PostfixConfig::find(std::string_view name, const PostfixService* service) const
{
  const std::string key(name);
  if (service != nullptr) {
    const auto it = service->overrides.find(key);
    if (it != service->overrides.end()) {
      return &it->second;
    }
  }
  const auto it = main.find(key);
  return it == main.end() ? nullptr : &it->second;
}

PostfixExpanded
PostfixConfig::value(std::string_view name, const PostfixService* service) const
{
  return Expander(*this, service).run(name);
}

std::map<std::string, std::string>
postfix_builtin_defaults()
{
  // `postconf -d` of Postfix 3.7.11 (Debian 12), compatibility_level 3.6.
  return {
    {"compatibility_level",           "0"                   },
    {"debug_peer_list",               ""                    },
    {"maillog_file",                  ""                    },
    {"relayhost",                     ""                    },
    {"smtp_dns_support_level",        ""                    },
    {"smtp_enforce_tls",              "no"                  },
    {"smtp_sasl_auth_enable",         "no"                  },
    {"smtp_sasl_mechanism_filter",    ""                    },
    {"smtp_sasl_password_maps",       ""                    },
    {"smtp_tls_CAfile",               ""                    },
    {"smtp_tls_CApath",               ""                    },
    {"smtp_tls_ciphers",              "medium"              },
    {"smtp_tls_exclude_ciphers",      ""                    },
    {"smtp_tls_loglevel",             "0"                   },
    {"smtp_tls_mandatory_ciphers",    "medium"              },
    {"smtp_tls_mandatory_protocols",  ">=TLSv1"             },
    {"smtp_tls_policy_maps",          ""                    },
    {"smtp_tls_protocols",            ">=TLSv1"             },
    {"smtp_tls_secure_cert_match",    "nexthop, dot-nexthop"},
    {"smtp_tls_security_level",       ""                    },
    {"smtp_tls_verify_cert_match",    "hostname"            },
    {"smtp_tls_wrappermode",          "no"                  },
    {"smtp_use_tls",                  "no"                  },
    {"smtpd_enforce_tls",             "no"                  },
    {"smtpd_sasl_auth_enable",        "no"                  },
    {"smtpd_tls_auth_only",           "no"                  },
    {"smtpd_tls_cert_file",           ""                    },
    {"smtpd_tls_chain_files",         ""                    },
    {"smtpd_tls_ciphers",             "medium"              },
    {"smtpd_tls_exclude_ciphers",     ""                    },
    {"smtpd_tls_loglevel",            "0"                   },
    {"smtpd_tls_mandatory_ciphers",   "medium"              },
    {"smtpd_tls_mandatory_protocols", ">=TLSv1"             },
    {"smtpd_tls_protocols",           ">=TLSv1"             },
    {"smtpd_tls_security_level",      ""                    },
    {"smtpd_tls_wrappermode",         "no"                  },
    {"smtpd_use_tls",                 "no"                  },
    {"syslog_facility",               "mail"                },
  };
}

void
parse_main_cf(std::string_view text, const std::string& path, PostfixConfig& out)
{
  for (const auto& l : logical_lines(text)) {
    std::string name;
    std::string value;
    if (split_assignment(l.text, name, value)) {
      out.main[name] = PostfixParam{value, path, l.line};
    } else {
      out.notes.push_back(
        {path, l.line, fmt::format("not a `name = value` line (\"{}\"): not judged", l.text)});
    }
  }
}

void
parse_master_cf(std::string_view text, const std::string& path, PostfixConfig& out)
{
  auto services = parse_services(text, path, out.notes);
  locate_overrides(text, services);
  for (auto& s : services) {
    out.services.push_back(std::move(s));
  }
}

void
apply_postconf_n(std::string_view text, PostfixConfig& out)
{
  std::map<std::string, PostfixParam> main;
  for (const auto& l : logical_lines(text)) {
    std::string name;
    std::string value;
    if (!split_assignment(l.text, name, value)) {
      continue;
    }
    PostfixParam p{value, "", 0};
    const auto it = out.main.find(name);
    if (it != out.main.end() && same_words(it->second.value, value)) {
      p.file = it->second.file;
      p.line = it->second.line;
    } else if (it != out.main.end()) {
      // Never cite a line for a value it does not hold; the values stay
      // out of the note (they may be secrets).
      out.notes.push_back(
        {it->second.file,
         it->second.line,
         fmt::format("postconf -n gives {} another value than this line: postconf's value is "
                     "judged",
                     name)});
    }
    main[name] = std::move(p);
  }
  out.main = std::move(main);
}

void
apply_postconf_d(std::string_view text, PostfixConfig& out)
{
  std::map<std::string, std::string> defaults;
  for (const auto& l : logical_lines(text)) {
    std::string name;
    std::string value;
    if (split_assignment(l.text, name, value)) {
      defaults[name] = value;
    }
  }
  out.defaults = std::move(defaults);
  out.defaults_source = "postconf -d";
}

void
apply_postconf_m(std::string_view text, PostfixConfig& out)
{
  std::vector<PostfixNote> ignored; // postconf printed it: it is well formed
  auto services = parse_services(text, "", ignored);
  for (auto& s : services) {
    s.line = 0;
    const PostfixService* in_file = nullptr;
    for (const auto& f : out.services) {
      if (f.name == s.name && f.type == s.type) {
        in_file = &f;
      }
    }
    for (auto& [name, p] : s.overrides) {
      p.file.clear();
      p.line = 0;
      if (in_file != nullptr) {
        const auto it = in_file->overrides.find(name);
        if (it != in_file->overrides.end() && same_words(it->second.value, p.value)) {
          p.file = it->second.file;
          p.line = it->second.line;
        } else if (it != in_file->overrides.end()) {
          out.notes.push_back(
            {it->second.file,
             it->second.line,
             fmt::format("postconf -M gives {} {} -o {} another value than this line: "
                         "postconf's value is judged",
                         s.name,
                         s.type,
                         name)});
        }
      }
    }
    if (in_file != nullptr) {
      s.file = in_file->file;
      s.line = in_file->line;
    } else {
      s.file.clear();
    }
  }
  out.services = std::move(services);
}

std::vector<PostfixTable>
postfix_tables(std::string_view maps)
{
  // Tables are separated by commas or blanks outside braces: "inline:{ a=b,
  // c=d }" is one table (and its values may be secrets: never split them).
  std::vector<std::string> specs;
  std::string cur;
  int depth = 0;
  for (const char c : maps) {
    depth += c == '{' ? 1 : (c == '}' && depth > 0 ? -1 : 0);
    if (depth == 0 && (c == ',' || is_space(c))) {
      if (!cur.empty()) {
        specs.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    specs.push_back(cur);
  }
  std::vector<PostfixTable> out;
  for (const auto& f : specs) {
    PostfixTable t;
    t.spec = f;
    std::string_view rest = f;
    if (rest.rfind("proxy:", 0) == 0) {
      rest.remove_prefix(6);
    }
    const auto colon = rest.find(':');
    t.type = std::string(rest.substr(0, colon));
    const std::string path =
      colon == std::string_view::npos ? "" : std::string(rest.substr(colon + 1));
    if (t.type == "inline" || t.type == "static") {
      t.literal = true;
    } else if (!path.empty() && path.front() != '{' && !is_service_table(t.type)) {
      if (t.type == "hash" || t.type == "btree") {
        t.files = {path, path + ".db"};
      } else if (t.type == "lmdb") {
        t.files = {path, path + ".lmdb"};
      } else if (t.type == "cdb") {
        t.files = {path, path + ".cdb"};
      } else if (t.type == "dbm" || t.type == "sdbm") {
        t.files = {path, path + ".dir", path + ".pag"};
      } else {
        t.files = {
          path}; // texthash, cidr, pcre, regexp, or a client's configuration (ldap:, mysql:, …)
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool
postfix_bool(std::string_view value)
{
  return value.size() == 3 && std::tolower(static_cast<unsigned char>(value[0])) == 'y'
         && std::tolower(static_cast<unsigned char>(value[1])) == 'e'
         && std::tolower(static_cast<unsigned char>(value[2])) == 's';
}

} // namespace peermail::foreign
