// SPDX-License-Identifier: GPL-3.0-or-later
#include "run_record.hpp"

#include <utility>

namespace peermail::send {

audit::Record
run_record(const config::Config& cfg,
           std::string action,
           std::string message_id,
           std::string signer_fpr)
{
  audit::Record r;
  r.action = std::move(action);
  r.message_id = std::move(message_id);
  r.signer_fpr = std::move(signer_fpr);
  r.config_sha256 = cfg.sha256;
  r.user = cfg.identity.user_id;
  return r;
}

} // namespace peermail::send
