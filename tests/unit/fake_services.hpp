// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Fakes behind send::Services (keyring, protector, SMTP session, audit log)
// for the unit tests of the send and batch use cases.

#include <peermail/send/pipeline.hpp>
#include <peermail/util/cancel.hpp>

#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace peermail::test {

using namespace peermail::send;

const std::string k_signer = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

inline std::string
fpr_for(const std::string& address)
{
  std::string f = "F" + address;
  for (auto& ch : f) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return f;
}

class FakeKeyring : public crypto::Keyring
{
public:
  std::set<std::string> unusable;
  Result<crypto::KeyJudgement>
  judge_recipient(const std::string& address,
                  const std::optional<std::string>& /*pinned*/,
                  const crypto::KeyPolicy& /*policy*/) override
  {
    crypto::KeyJudgement j;
    j.address = address;
    if (unusable.count(address) != 0) {
      j.problem = crypto::KeyProblem::missing;
      j.reason = "no key for <" + address + "> in the keyring";
      j.check_id = "E2E-01";
      j.fix = "import it";
      return j;
    }
    crypto::KeyFacts k;
    k.fingerprint = address == "ana@clinic.test" ? k_signer : fpr_for(address);
    crypto::SubkeyFacts enc;
    enc.fingerprint = k.fingerprint;
    enc.can_encrypt = true;
    k.subkeys.push_back(enc);
    j.key = k;
    return j;
  }
  Result<crypto::KeyJudgement>
  judge_signer(const std::string& fingerprint,
               const std::string& address,
               const crypto::KeyPolicy& /*policy*/) override
  {
    crypto::KeyJudgement j;
    j.address = address;
    crypto::KeyFacts k;
    k.fingerprint = fingerprint;
    j.key = k;
    return j;
  }
  Result<std::vector<crypto::KeyFacts>>
  list(bool /*secret*/) override
  {
    return std::vector<crypto::KeyFacts>{};
  }
  Result<std::vector<std::string>>
  import(const std::string& /*data*/) override
  {
    return std::vector<std::string>{};
  }
  const std::string&
  home() const override
  {
    return m_home;
  }

private:
  std::string m_home;
};

struct Recorder
{
  std::vector<protect::ProtectOptions> protected_with;
  std::vector<std::string> plaintexts;
  std::vector<transport::Envelope> envelopes;
  std::vector<std::string> submitted;
  std::vector<audit::Record> audit;
  std::vector<std::size_t> audit_after_sends; // envelopes seen when each record was appended
  int fail_send_at = -1;                      // index of the send that fails with 4xx
  bool fail_unknown = false;                  // that send ends without a reply to the final "."
  int fail_audit_at = -1;                     // index of the append that fails (disk full)
  bool closed = false;
  // A stop request (SIGINT) arrives during send number `cancel_at_send`,
  // which the session then aborts before its final "." (Errc::canceled).
  util::Cancel* cancel = nullptr;
  int cancel_at_send = -1;
  // When set, records are also appended to the real audit log at this path
  // (and its seq is returned), so that audit::verify can judge them.
  std::string real_audit;
  // The first record with this outcome fails to append (then it is cleared).
  std::string fail_audit_outcome;
  // A batch appends audit records from its workers and its main thread, and
  // sends from its workers: `audit`, `audit_after_sends` and `envelopes`
  // change under this lock.
  std::mutex mu;
};

class FakeProtector : public protect::Protector
{
public:
  explicit FakeProtector(Recorder& r)
    : m_r(r)
  {
  }
  Result<protect::ProtectResult>
  protect(std::string_view message, const protect::ProtectOptions& opts) override
  {
    m_r.protected_with.push_back(opts);
    m_r.plaintexts.emplace_back(message);
    protect::ProtectResult p;
    p.message = "-----BEGIN PGP MESSAGE-----\r\n";
    for (const auto& f : opts.recipient_fingerprints) {
      p.message += f + "\r\n";
    }
    p.hash_algo = "SHA512";
    p.content_sha256 = "00ff";
    return p;
  }

private:
  Recorder& m_r;
};

class FakeTransport : public transport::Transport
{
public:
  explicit FakeTransport(Recorder& r)
    : m_r(r)
  {
  }
  Result<transport::SendResult>
  send(const transport::Envelope& envelope, std::string_view message) override
  {
    int index = 0;
    {
      std::lock_guard<std::mutex> lock(m_r.mu);
      index = static_cast<int>(m_r.envelopes.size());
      m_r.envelopes.push_back(envelope);
    }
    if (index == m_r.cancel_at_send && m_r.cancel != nullptr) {
      m_r.cancel->request(2); // SIGINT
      return unexpected(Error(Errc::canceled, "interrupted before the end of the message"));
    }
    if (index == m_r.fail_send_at && m_r.fail_unknown) {
      return unexpected(Error(Errc::maybe_delivered, "no reply to the final \".\""));
    }
    if (index == m_r.fail_send_at) {
      Error e(Errc::temp, "server said 451 try later");
      e.smtp_status = 451;
      return unexpected(e);
    }
    m_r.submitted.emplace_back(message);
    transport::SendResult s;
    s.code = 250;
    s.tls = {"TLSv1.3", "TLS_AES_256_GCM_SHA384", "abcd"};
    return s;
  }
  void
  close() override
  {
    m_r.closed = true;
  }

private:
  Recorder& m_r;
};

inline Services
fakes(Recorder& rec, FakeKeyring* keyring_template = nullptr)
{
  Services s;
  std::set<std::string> unusable =
    keyring_template ? keyring_template->unusable : std::set<std::string>{};
  s.open_keyring = [unusable](const std::string&) -> Result<std::unique_ptr<crypto::Keyring>> {
    auto k = std::make_unique<FakeKeyring>();
    k->unusable = unusable;
    return std::unique_ptr<crypto::Keyring>(std::move(k));
  };
  s.make_protector = [&rec](const std::string&) -> Result<std::unique_ptr<protect::Protector>> {
    return std::unique_ptr<protect::Protector>(std::make_unique<FakeProtector>(rec));
  };
  s.make_transport =
    [&rec](transport::SessionOptions) -> Result<std::unique_ptr<transport::Transport>> {
    return std::unique_ptr<transport::Transport>(std::make_unique<FakeTransport>(rec));
  };
  s.resolve_credentials =
    [](const config::Account& a,
       const std::map<std::string, std::string>&) -> Result<config::Credentials> {
    config::Credentials c;
    c.username = a.username;
    c.password = "s3cret";
    return c;
  };
  s.check_audit_writable = [](const std::string&) -> Result<void> { return {}; };
  s.offline_checklist = [](const config::Config&,
                           const std::string&,
                           const std::map<std::string, std::string>&) -> Result<void> {
    return {};
  };
  s.append_audit = [&rec](const std::string&, const audit::Record& r) -> Result<std::uint64_t> {
    std::lock_guard<std::mutex> lock(rec.mu);
    if (static_cast<int>(rec.audit.size()) == rec.fail_audit_at
        || (!rec.fail_audit_outcome.empty() && r.outcome == rec.fail_audit_outcome)) {
      rec.fail_audit_at = -1;
      rec.fail_audit_outcome.clear();
      return fail(Errc::io,
                  "audit log /x/audit.jsonl: cannot sync to disk: No space left on device",
                  "AUD-04",
                  "free space on that file system");
    }
    rec.audit.push_back(r);
    rec.audit_after_sends.push_back(rec.envelopes.size());
    if (!rec.real_audit.empty()) {
      auto log = audit::AuditLog::open(rec.real_audit);
      if (!log) {
        return unexpected(log.error());
      }
      auto j = log->append(r);
      if (!j) {
        return unexpected(j.error());
      }
      return (*j)["seq"].get<std::uint64_t>();
    }
    return static_cast<std::uint64_t>(rec.audit.size()); // the seq
  };
  s.exit_name = [](Errc c) {
    return c == Errc::no_key ? std::string("EX_NOUSER") : std::string(to_string(c));
  };
  return s;
}

// A message to be composed for `to`, `cc` and `bcc`, with the subject
// "Secret subject" and the body "Secret body\n".
inline SendRequest
secret_request(std::vector<std::string> to,
               std::vector<std::string> cc = {},
               std::vector<std::string> bcc = {})
{
  SendRequest req;
  mime::ComposeRequest c;
  c.to = std::move(to);
  c.cc = std::move(cc);
  c.bcc = std::move(bcc);
  c.subject = "Secret subject";
  c.body = "Secret body\n";
  req.compose = c;
  return req;
}

inline config::Config
make_config()
{
  config::Config cfg;
  cfg.identity.from = "Ana Ruiz <ana@clinic.test>";
  cfg.identity.display_name = "Ana Ruiz";
  cfg.identity.address = "ana@clinic.test";
  cfg.identity.user_id = "ana";
  cfg.identity.signing_key = k_signer;
  config::Account a;
  a.host = "smtp.clinic.test";
  a.username = "ana";
  a.password_env = "PW";
  cfg.accounts["default"] = a;
  cfg.account_name = "default";
  cfg.audit.path = "/nonexistent/audit.jsonl";
  cfg.sha256 = "cfg";
  return cfg;
}

} // namespace peermail::test
