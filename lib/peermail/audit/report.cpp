// SPDX-License-Identifier: GPL-3.0-or-later
// Evidence headers and the period summary of `audit report`.
#include "report.hpp"

#include <peermail/audit/line_reader.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <array>
#include <chrono>

namespace peermail::audit {

namespace {

std::string
host_name()
{
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) {
    return "unknown";
  }
  return buf.data();
}

std::string
text_of(const nlohmann::json& j, const char* key)
{
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool
is_send(const std::string& action)
{
  return action == "send" || action == "sendmail" || action == "batch" || action == "refusal";
}

std::string
tls_version(const nlohmann::json& j)
{
  const auto it = j.find("tls");
  if (it == j.end() || !it->is_object()) {
    return "none";
  }
  const auto v = it->find("version");
  return v != it->end() && v->is_string() && !v->get<std::string>().empty() ? v->get<std::string>()
                                                                            : "none";
}

nlohmann::json
time_or_null(const std::optional<std::int64_t>& ms)
{
  return ms ? nlohmann::json(format_time(*ms)) : nlohmann::json(nullptr);
}

// Count `j` (a record in the period) into `s`.
void
count_in_period(Summary& s, const nlohmann::json& j, std::uint64_t seq)
{
  ++s.records;
  if (s.first_seq == 0) {
    s.first_seq = seq;
  }
  s.last_seq = seq;
  const std::string action = text_of(j, "action");
  const std::string outcome = text_of(j, "outcome");
  ++s.by_action[action];
  if (action == "seal") {
    ++s.seals;
  }
  if (!is_send(action)) {
    return;
  }
  ++s.sends_by_outcome[outcome];
  if (outcome != k_outcome_pending) {
    ++s.sends_by_user[text_of(j, "user")];
    ++s.sends_by_tls[tls_version(j)];
  }
}

} // namespace

EvidenceHeader
make_evidence_header(std::string config_path, std::string config_sha256, std::string gnupg_home)
{
  using namespace std::chrono;
  EvidenceHeader h;
  h.generated =
    format_time(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  h.host = host_name();
  h.tool_version = PEERMAIL_VERSION;
  h.config_path = std::move(config_path);
  h.config_sha256 = std::move(config_sha256);
  h.gnupg_home = std::move(gnupg_home);
  return h;
}

nlohmann::json
to_json(const EvidenceHeader& h)
{
  return {
    {"generated",        h.generated    },
    {"host",             h.host         },
    {"peermail_version", h.tool_version },
    {"config_path",      h.config_path  },
    {"config_sha256",    h.config_sha256},
    {"gnupg_home",       h.gnupg_home   }
  };
}

Result<Summary>
summarise(const std::string& path, const Filter& period)
{
  Filter when;
  when.since_ms = period.since_ms;
  when.until_ms = period.until_ms;
  Summary s;
  s.path = path;
  s.since_ms = period.since_ms;
  s.until_ms = period.until_ms;
  PEERMAIL_TRY_ASSIGN(auto in, detail::LineReader::open(path));
  std::string line;
  bool complete = false;
  std::optional<std::uint64_t> prev;
  while (in.next(line, complete)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    const auto seq_it = j.is_object() ? j.find("seq") : j.end();
    if (!j.is_object() || seq_it == j.end() || !seq_it->is_number_unsigned()) {
      ++s.bad_lines;
      continue;
    }
    const auto seq = seq_it->get<std::uint64_t>();
    const std::uint64_t expected = prev ? *prev + 1 : 1;
    if (seq > expected) {
      s.gaps.emplace_back(expected, seq - 1);
    } else if (seq < expected) {
      ++s.out_of_order;
    }
    prev = seq;
    s.head_seq = seq;
    if (text_of(j, "action") == "seal") {
      s.last_seal_seq = seq;
      s.unsealed_tail = 0;
    } else {
      ++s.unsealed_tail;
    }
    if (when.matches(j)) {
      count_in_period(s, j, seq);
    }
  }
  if (!in.ok()) {
    return fail(Errc::io, fmt::format("audit log {}: read error", path));
  }
  return s;
}

nlohmann::json
to_json(const Summary& s)
{
  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& [first, last] : s.gaps) {
    gaps.push_back({
      {"first", first},
      {"last",  last }
    });
  }
  return {
    {"path",    s.path                              },
    {"since",   time_or_null(s.since_ms)            },
    {"until",   time_or_null(s.until_ms)            },
    {"records",
     {{"count", s.records},
      {"first_seq", s.first_seq},
      {"last_seq", s.last_seq},
      {"by_action", s.by_action}}                   },
    {"sends",
     {{"by_outcome", s.sends_by_outcome},
      {"by_user", s.sends_by_user},
      {"by_tls_version", s.sends_by_tls}}           },
    {"seals",
     {{"in_period", s.seals},
      {"last_seal_seq",
       s.last_seal_seq ? nlohmann::json(*s.last_seal_seq) : nlohmann::json(nullptr)},
      {"unsealed_after_last_seal", s.unsealed_tail}}},
    {"log",
     {{"head_seq", s.head_seq},
      {"gaps", gaps},
      {"out_of_order", s.out_of_order},
      {"bad_lines", s.bad_lines}}                   }
  };
}

} // namespace peermail::audit
