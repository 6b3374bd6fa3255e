// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The observations of one evaluation, per checklist item; finish() turns
// them into the item's Finding: the worst status wins, and its evidence and
// fixes are joined with "; ". Shared by the rules over peermail's own
// configuration (rules.cpp) and over other tools' files (msmtp_rules.cpp).

#include <peermail/policy/checklist.hpp>
#include <peermail/policy/finding.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::policy {

class Board
{
public:
  void
  add(const std::string& id, Status s, std::string evidence, std::string fix = {})
  {
    m_obs[id].push_back(Obs{s, std::move(evidence), std::move(fix)});
  }
  void
  pass(const std::string& id, std::string evidence)
  {
    add(id, Status::pass, std::move(evidence));
  }
  void
  warn(const std::string& id, std::string evidence, std::string fix)
  {
    add(id, Status::warn, std::move(evidence), std::move(fix));
  }
  void
  fail(const std::string& id, std::string evidence, std::string fix)
  {
    add(id, Status::fail, std::move(evidence), std::move(fix));
  }
  void
  skip(const std::string& id, std::string reason)
  {
    add(id, Status::skip, std::move(reason));
  }

  // Return true if an observation was added for `id`.
  bool
  has(std::string_view id) const
  {
    return m_obs.find(std::string(id)) != m_obs.end();
  }

  Finding
  finish(const ChecklistItem& item) const
  {
    Finding f;
    f.id = std::string(item.id);
    f.title = std::string(item.title);
    f.level = item.level;
    f.reference = std::string(item.reference);
    auto it = m_obs.find(f.id);
    if (it == m_obs.end() || it->second.empty()) {
      f.status = Status::skip;
      f.evidence = "not evaluated";
      return f;
    }
    Status worst = Status::skip;
    for (const auto& o : it->second) {
      if (rank(o.status) > rank(worst)) {
        worst = o.status;
      }
    }
    f.status = worst;
    std::vector<std::string> ev;
    std::vector<std::string> fixes;
    for (const auto& o : it->second) {
      if (o.status != worst) {
        continue;
      }
      if (!o.evidence.empty() && std::find(ev.begin(), ev.end(), o.evidence) == ev.end()) {
        ev.push_back(o.evidence);
      }
      if (!o.fix.empty() && std::find(fixes.begin(), fixes.end(), o.fix) == fixes.end()) {
        fixes.push_back(o.fix);
      }
    }
    f.evidence = join(ev);
    f.fix = join(fixes);
    return f;
  }

private:
  struct Obs
  {
    Status status;
    std::string evidence;
    std::string fix;
  };
  std::map<std::string, std::vector<Obs>> m_obs;

  static int
  rank(Status s)
  {
    switch (s) {
    case Status::skip:
      return 0;
    case Status::pass:
      return 1;
    case Status::warn:
      return 2;
    case Status::fail:
      return 3;
    }
    return 0;
  }

  static std::string
  join(const std::vector<std::string>& v)
  {
    std::string out;
    for (const auto& s : v) {
      if (!out.empty()) {
        out += "; ";
      }
      out += s;
    }
    return out;
  }
};

} // namespace peermail::policy
