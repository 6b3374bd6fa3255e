// SPDX-License-Identifier: GPL-3.0-or-later
// The real collaborators of the pipeline (kept apart from pipeline.cpp so
// that unit tests with fakes do not need them).
#include "pipeline.hpp"

#include <peermail/check/gather.hpp>
#include <peermail/crypto/cms_recipients.hpp>
#include <peermail/crypto/recipient_proof.hpp>
#include <peermail/protect/smime_judgements.hpp>
#include <peermail/transport/probe.hpp>

namespace peermail::send {

Services
default_services()
{
  Services s;
  s.open_keyring = [](const std::string& home) { return crypto::Keyring::open(home); };
  s.make_protector = [](const std::string& home) { return protect::Protector::create(home); };
  s.make_smime = [](const config::Config& cfg, const std::string& home) {
    return protect::SmimeProtector::create(cfg, home);
  };
  s.make_transport = [](transport::SessionOptions o) {
    return transport::make_smtp_session(std::move(o));
  };
  s.resolve_credentials = [](const config::Account& a,
                             const std::map<std::string, std::string>& env) {
    return config::resolve_credentials(a, env);
  };
  s.check_audit_writable = [](const std::string& path) {
    return audit::AuditLog::check_writable(path);
  };
  s.append_audit = [](const std::string& path, const audit::Record& r) -> Result<std::uint64_t> {
    PEERMAIL_TRY_ASSIGN(auto log, audit::AuditLog::open(path));
    PEERMAIL_TRY_ASSIGN(auto j, log.append(r));
    return j["seq"].get<std::uint64_t>();
  };
  s.session_key_ids = [](const std::string& home, std::string_view ciphertext) {
    return crypto::session_key_ids(home, ciphertext);
  };
  s.cms_envelope = [](const std::string& home,
                      std::string_view der,
                      const std::vector<std::string>& fingerprints) {
    return crypto::read_cms_envelope_for(home, der, fingerprints);
  };
  s.size_limit = [](const config::Account& a) { return transport::size_limit(a); };
  s.signing_passphrase = [](const config::Config& cfg,
                            const std::string& home,
                            const crypto::KeyFacts& signer,
                            Prompt prompt) {
    return signing_passphrase(cfg, home, signer, prompt);
  };
  return judge_smime_once(std::move(s),
                          [](const config::Config& cfg,
                             const std::string& gnupg_home,
                             const std::map<std::string, std::string>& env,
                             const std::shared_ptr<protect::SmimeJudgements>& judgements) {
                            check::GatherOptions o;
                            o.gnupg_home = gnupg_home;
                            o.env = env;
                            o.smime_judgements = judgements;
                            return check::require_offline_checklist(cfg, o);
                          });
}

Services
judge_smime_once(Services s, SmimeChecklist checklist)
{
  auto judgements = std::make_shared<protect::SmimeJudgements>();
  s.make_smime = [judgements, make = std::move(s.make_smime)](
                   const config::Config& cfg,
                   const std::string& home) -> Result<std::unique_ptr<protect::SmimeProtector>> {
    if (!make) {
      return fail(Errc::internal, "no S/MIME service");
    }
    PEERMAIL_TRY_ASSIGN(auto opened, make(cfg, home));
    return protect::judge_once(judgements, cfg, home, std::move(opened));
  };
  s.offline_checklist =
    [judgements, checklist = std::move(checklist)](const config::Config& cfg,
                                                   const std::string& gnupg_home,
                                                   const std::map<std::string, std::string>& env) {
      return checklist(cfg, gnupg_home, env, judgements);
    };
  return s;
}

} // namespace peermail::send
