// SPDX-License-Identifier: GPL-3.0-or-later
// TLS-02 and TLS-03 from Postfix's protocols and cipher grade parameters,
// for the client and the servers alike.
#include "postfix_judge.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace peermail::policy::postfix {

namespace {

// What a protocols value (">=TLSv1.2", "!SSLv2, !SSLv3", "TLSv1.2 TLSv1.3")
// lets OpenSSL negotiate.
struct Protocols
{
  bool legacy = false; // SSLv2, SSLv3, TLSv1 or TLSv1.1
  bool tls13 = false;
  std::string problem; // a token this reader does not know
};

Protocols
read_protocols(std::string_view value)
{
  static constexpr std::array<std::string_view, 6> k_versions = {
    "SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
  auto index = [](std::string_view v) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < k_versions.size(); ++i) {
      if (util::to_lower(k_versions[i]) == util::to_lower(v)) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<std::string> tokens;
  std::string cur;
  for (const char c : value) {
    if (c == ' ' || c == ',' || c == ':' || c == '\t') {
      if (!cur.empty()) {
        tokens.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    tokens.push_back(cur);
  }
  std::array<bool, 6> allowed{true, true, true, true, true, true};
  Protocols out;
  const bool inclusion = std::any_of(tokens.begin(), tokens.end(), [](const std::string& t) {
    return t.front() != '!' && t.rfind(">=", 0) != 0 && t.rfind("<=", 0) != 0;
  });
  if (inclusion) {
    allowed.fill(false);
  }
  for (const auto& t : tokens) {
    const bool neg = t.front() == '!';
    const bool ge = t.rfind(">=", 0) == 0;
    const bool le = t.rfind("<=", 0) == 0;
    const auto name = std::string_view(t).substr(neg ? 1 : (ge || le ? 2 : 0));
    const auto i = index(name);
    if (!i) {
      out.problem = fmt::format("\"{}\" is not a protocol this reader knows", t);
      return out;
    }
    for (std::size_t k = 0; k < allowed.size(); ++k) {
      if ((neg && k == *i) || (ge && k < *i) || (le && k > *i)) {
        allowed[k] = false;
      } else if (!neg && !ge && !le && k == *i) {
        allowed[k] = true;
      }
    }
  }
  out.legacy = allowed[0] || allowed[1] || allowed[2] || allowed[3];
  out.tls13 = allowed[5];
  return out;
}

} // namespace

void
Judge::protocols(Board& b,
                 std::string_view name,
                 const PostfixService* svc,
                 Side side,
                 const std::string& fix) const
{
  const auto v = value(name, svc);
  if (!v) {
    b.skip("TLS-02", problem(name, svc));
    return;
  }
  const auto p = read_protocols(*v);
  if (!p.problem.empty()) {
    b.skip("TLS-02", fmt::format("{}: not judged: {}", cite(name, svc), p.problem));
  } else if (p.legacy) {
    const auto ev = fmt::format(
      "{}: allows TLS 1.0/1.1 (or SSL), unless OpenSSL's own "
      "settings refuse them",
      cite(name, svc));
    if (side == Side::client_required) {
      b.fail("TLS-02", ev, fix);
    } else if (side == Side::client_opportunistic) {
      b.warn("TLS-02",
             ev + " (opportunistic TLS: a server limited to them gets clear text instead)",
             fix);
    } else {
      b.warn("TLS-02", ev, fix);
    }
  } else if (!p.tls13) {
    const auto ev = cite(name, svc) + ": TLS 1.3 is excluded";
    if (side == Side::server) {
      b.warn("TLS-02", ev, fix);
    } else {
      b.fail("TLS-02", ev, fix);
    }
  } else {
    b.pass("TLS-02", cite(name, svc));
  }
}

void
Judge::ciphers(Board& b,
               std::string_view name,
               const PostfixService* svc,
               const std::string& fix) const
{
  const auto v = value(name, svc);
  if (!v) {
    b.skip("TLS-03", problem(name, svc));
    return;
  }
  const auto grade = util::to_lower(*v);
  if (grade == "high") {
    b.pass("TLS-03", cite(name, svc) + ": OpenSSL's HIGH grade only");
  } else if (grade == "medium") {
    b.warn("TLS-03",
           cite(name, svc) + ": the MEDIUM grade admits suites weaker than HIGH (which ones "
                             "depends on the OpenSSL build)",
           fix);
  } else if (grade == "low" || grade == "export" || grade == "null") {
    b.fail("TLS-03", cite(name, svc) + ": admits weak or no encryption", fix);
  } else {
    b.skip("TLS-03", fmt::format("{}: not a cipher grade this reader knows", cite(name, svc)));
  }
}

} // namespace peermail::policy::postfix
