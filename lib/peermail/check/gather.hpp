// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/config/config.hpp>
#include <peermail/policy/facts.hpp>
#include <peermail/protect/smime_judgements.hpp>
#include <peermail/util/result.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

// Gather the facts `peermail check` judges: file modes, GnuPG configuration,
// key verdicts, agent protection flags, library versions. All I/O of the
// check lives here; the rules (policy/checklist.hpp) stay pure.
namespace peermail::check {

struct GatherOptions
{
  std::string gnupg_home;                 // "" = $GNUPGHOME from `env`, else ~/.gnupg
  std::map<std::string, std::string> env; // GNUPGHOME, HOME
  std::int64_t now = 0;                   // 0 = the current time
  bool query_agent = true;                // ask gpg-agent about key protection (KEY-05)
  // S/MIME: the run's certificate judgements, shared with the preflight of
  // send, sendmail and batch (each certificate judged once per run); unset
  // (`check`): judged here.
  std::shared_ptr<protect::SmimeJudgements> smime_judgements;
  // Opens gpgsm for a judgement not made yet (unset: gpgsm in the home with
  // [smime] anchors, protect::SmimeProtector::create; tests: a fake).
  protect::SmimeFactory make_smime;
};

// What a send meets before it connects, found the same way for `check`,
// `send --dry-run` and `send`: the audit log opened for appending (and
// created, as the first send would: audit::AuditLog::check_writable, after
// audit::check_log_file's ownership rule) and the TLS files loaded as the
// session loads them (transport::check_tls_files). gather() calls it.
struct Preflight
{
  std::optional<Error> audit;     // AUD-01 / AUD-04, with the exit code send would have
  std::optional<Error> tls_files; // TLS-04: account.NAME.ca_file cannot be loaded (78)
};
Preflight preflight(const config::Config& cfg);

// The S/MIME part of gather(): identity.smime_cert (for signing) and each
// S/MIME peer's pinned certificate, judged as send judges them
// (crypto/cert_judge.cpp) through opts.smime_judgements, into
// f.smime_signer and f.peers. gpgsm is opened only when a certificate is
// configured and not judged yet; a failure opening it refuses every
// certificate with its reason.
void gather_smime(const config::Config& cfg,
                  const std::string& gnupg_home,
                  const GatherOptions& opts,
                  policy::Facts& f);

// Gather facts about `cfg` and the files and keys it names. Never fails:
// what cannot be read is recorded (e.g. Facts::keyring_error) and judged.
// The returned Facts points at `cfg`, which must outlive it.
policy::Facts gather(const config::Config& cfg, const GatherOptions& opts);

// The offline checklist gate of send, sendmail and batch: gather() without
// asking gpg-agent, policy::evaluate(), and policy::require_no_fail() — the
// same evaluation as `check` without --probe. Errors: Errc::config (exit 78)
// naming the failing items, the first one's ID and fix.
Result<void> require_offline_checklist(const config::Config& cfg, GatherOptions opts);

} // namespace peermail::check
