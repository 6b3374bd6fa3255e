// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/audit/audit_log.hpp>
#include <peermail/config/config.hpp>

#include <string>

namespace peermail::send {

// Return the audit record that every record of a send, sendmail or batch run
// starts from: `action`, `message_id` and `signer_fpr`, with the user
// (identity.user_id) and the config hash of `cfg`. The outcome, recipients
// and the rest are the caller's.
audit::Record run_record(const config::Config& cfg,
                         std::string action,
                         std::string message_id,
                         std::string signer_fpr);

} // namespace peermail::send
