// SPDX-License-Identifier: GPL-3.0-or-later
#include "reconcile.hpp"

#include <peermail/util/fs.hpp>

#include <set>
#include <utility>
#include <vector>

namespace peermail::batch_run {

std::string
reconciled_outcome(const batch::ResumeEntry& e, std::int64_t pending_ms)
{
  if (e.sent) {
    return "sent";
  }
  if (e.unknown) {
    return "unknown";
  }
  if (e.failed && e.updated_ms >= pending_ms) {
    return "failed";
  }
  return "not-sent";
}

Result<std::size_t>
resolve_pending(const std::string& audit_path,
                const std::map<std::string, batch::ResumeEntry>& entries,
                const audit::Record& base,
                const std::function<Result<std::uint64_t>(const audit::Record&)>& append)
{
  auto verified = audit::verify(audit_path);
  if (!verified && verified.error().code == Errc::no_input) {
    return std::size_t{0}; // no log yet: nothing to resolve
  }
  PEERMAIL_TRY_ASSIGN(auto rep, std::move(verified));
  if (!rep.ok || rep.unresolved.empty()) {
    return std::size_t{0};
  }
  // The journal's entries by the audit form of their Message-ID.
  std::map<std::pair<std::string, std::string>, const batch::ResumeEntry*> by_id;
  for (const auto& [email, e] : entries) {
    by_id[{"sha256:" + util::sha256_hex(e.message_id), email}] = &e;
  }
  const std::set<std::uint64_t> open(rep.unresolved.begin(), rep.unresolved.end());
  struct Found
  {
    std::uint64_t seq;
    std::string email;
    const batch::ResumeEntry* entry;
    std::int64_t ms;
    std::string protocol; // the pending record's (an S/MIME row's is signed by
    std::string signer;   // identity.smime_cert, not the OpenPGP key)
  };
  std::vector<Found> found;
  audit::Filter filter;
  filter.action = "batch";
  filter.outcome = std::string(audit::k_outcome_pending);
  PEERMAIL_TRY(audit::for_each_record(
    audit_path, filter, [&](const nlohmann::json& j, std::uint64_t /*line*/) {
      const auto seq = j.value("seq", std::uint64_t{0});
      const auto& rcpts = j.value("recipients", nlohmann::json::array());
      if (open.count(seq) == 0 || rcpts.size() != 1 || !rcpts[0].is_string()) {
        return;
      }
      const std::string email = rcpts[0].get<std::string>();
      const auto it = by_id.find({j.value("message_id", std::string()), email});
      if (it == by_id.end()) {
        return;
      }
      const auto ms = audit::parse_time(j.value("ts", std::string()));
      found.push_back({seq,
                       email,
                       it->second,
                       ms ? *ms : 0,
                       j.value("protocol", base.protocol),
                       j.value("signer_fpr", base.signer_fpr)});
    }));
  std::size_t n = 0;
  for (const auto& f : found) {
    audit::Record r = base;
    r.action = "batch";
    r.outcome = reconciled_outcome(*f.entry, f.ms);
    r.message_id = f.entry->message_id;
    r.recipients = {f.email};
    r.pending_seq = f.seq;
    r.protocol = f.protocol;
    r.signer_fpr = f.signer;
    if (r.outcome == "sent") {
      r.smtp_code = f.entry->smtp_code.value_or(250);
    } else if (r.outcome == "failed") {
      r.smtp_code = f.entry->smtp_code;
    }
    PEERMAIL_TRY(append(r));
    ++n;
  }
  return n;
}

} // namespace peermail::batch_run
