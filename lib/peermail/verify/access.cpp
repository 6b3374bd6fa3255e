// SPDX-License-Identifier: GPL-3.0-or-later
#include "access.hpp"

#include <peermail/util/fs.hpp>

namespace peermail::verify {

audit::Record
access_record(const VerifyReport& report, std::string_view message)
{
  audit::Record r;
  r.action = std::string(k_action_access);
  r.outcome =
    std::string(report.decrypted_message.empty() ? k_outcome_withheld : k_outcome_accessed);
  r.verdict = std::string(to_string(report.verdict));
  r.message_id = report.message_id;
  r.content_sha256 = util::sha256_hex(message);
  r.protocol = report.protocol;
  if (!report.signatures.empty()) {
    r.signer_fpr = report.signatures.front().fingerprint;
    r.hash_algo = crypto::hash_name(report.signatures.front().hash_algo);
  }
  return r;
}

Result<std::uint64_t>
record_access(const AccessLog& log, const VerifyReport& report, std::string_view message)
{
  audit::Record r = access_record(report, message);
  r.user = log.user;
  r.config_sha256 = log.config_sha256;
  PEERMAIL_TRY_ASSIGN(auto file, audit::AuditLog::open(log.path));
  PEERMAIL_TRY_ASSIGN(auto j, file.append(r));
  return j["seq"].get<std::uint64_t>();
}

} // namespace peermail::verify
