// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/result.hpp>

#include <nlohmann/json.hpp>

#include <string>

// `audit test`: the runtime check of AUD-01/AUD-04 ("emit a synthetic
// event"), also used by the test suites.
namespace peermail::audit {

// Append a synthetic record (action "audit-test", outcome "ok", no protocol)
// by `user` under the config `config_sha256` to the log at `path`, and return
// the record as written. Errors: those of AuditLog::open() and append().
Result<nlohmann::json>
append_test_record(const std::string& path, std::string user, std::string config_sha256);

} // namespace peermail::audit
