// SPDX-License-Identifier: GPL-3.0-or-later
// `$name` expansion (mac_expand(3)'s forms that postconf(5) documents) and
// the lookup of a parameter in a service's scope.
#include "postfix.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace peermail::foreign {

namespace {

using util::trim;

constexpr std::size_t k_max_depth = 16;
// A value that doubles at each level grows to 2^16 times its size within
// the depth bound, and ten references a level look up 10^16 names: both
// are cut off and reported (Postfix's own values are far smaller).
constexpr std::size_t k_max_expanded_bytes = 65536;
constexpr std::size_t k_max_lookups = 10000;

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

} // namespace

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

} // namespace peermail::foreign
