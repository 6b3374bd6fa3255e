// SPDX-License-Identifier: GPL-3.0-or-later
// The scheduler's view of batch/journal (SQLite, WAL, synchronous=FULL).
#include "resume.hpp"

#include <peermail/batch/journal.hpp>

#include <mutex>
#include <set>

namespace peermail::batch {

namespace {

class JournalResume : public Resume
{
public:
  explicit JournalResume(Journal j)
    : m_j(std::move(j))
  {
  }

  Result<std::map<std::string, ResumeEntry>>
  plan(const std::vector<std::string>& emails,
       const std::function<std::string(const std::string&)>& make_id) override
  {
    std::vector<std::pair<std::string, std::string>> pending;
    pending.reserve(emails.size());
    for (const auto& e : emails) {
      pending.emplace_back(e, make_id(e)); // known entries keep their Message-ID
    }
    PEERMAIL_TRY(m_j.add_pending(pending));
    PEERMAIL_TRY_ASSIGN(auto all, m_j.entries());
    const std::set<std::string> wanted(emails.begin(), emails.end());
    std::map<std::string, ResumeEntry> out;
    for (auto& e : all) {
      if (wanted.count(e.email) != 0) {
        out.emplace(e.email,
                    ResumeEntry{std::move(e.message_id),
                                e.state == EntryState::sent,
                                e.attempts,
                                e.state == EntryState::unknown,
                                e.state == EntryState::failed,
                                e.smtp_code,
                                e.updated_ms});
      }
    }
    return out;
  }

  Result<void>
  in_flight(const Outcome& o) override
  {
    const std::lock_guard<std::mutex> lock(m_mu);
    return m_j.mark_in_flight(o.email);
  }

  Result<void>
  record(const Outcome& o) override
  {
    const std::lock_guard<std::mutex> lock(m_mu);
    if (o.status == "sent") {
      return m_j.mark_sent(o.email, o.smtp_code.value_or(250));
    }
    if (o.status == "unknown") {
      return m_j.mark_unknown(o.email, o.error ? o.error->message : std::string(), o.attempts);
    }
    if (o.status == "failed" || o.status == "interrupted") {
      return m_j.mark_failed(
        o.email, o.smtp_code, o.error ? o.error->message : std::string(), o.attempts);
    }
    return {};
  }

private:
  // in_flight() runs on worker threads, record() on the outcome thread.
  std::mutex m_mu;
  Journal m_j;
};

} // namespace

Result<std::unique_ptr<Resume>>
open_resume(const std::string& path, const std::string& batch_key)
{
  PEERMAIL_TRY_ASSIGN(auto j, Journal::open(path, batch_key));
  return std::unique_ptr<Resume>(std::make_unique<JournalResume>(std::move(j)));
}

} // namespace peermail::batch
