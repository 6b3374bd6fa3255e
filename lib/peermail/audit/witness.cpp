// SPDX-License-Identifier: GPL-3.0-or-later
#include "witness.hpp"

#include <peermail/audit/seal.hpp>

#include <fmt/core.h>

#include <cstdint>

namespace peermail::audit {

bool
needs_seal(const std::string& path)
{
  auto last = last_record(path);
  return !last || (!last->is_null() && !last->contains("seal"));
}

std::string
witness_text(const std::string& log, const nlohmann::json& seal_record)
{
  const auto& s = seal_record["seal"];
  const auto seq = seal_record.value("seq", std::uint64_t{0});
  const auto hash = seal_record.value("hash", "");
  return fmt::format(
    "peermail audit seal: keep this message. It lets an auditor show that the audit log\n"
    "was not rewritten up to the sealed record.\n\n"
    "log:          {}\n"
    "host:         {}\n"
    "sealed head:  seq {} hash {}\n"
    "seal record:  seq {} hash {}\n"
    "time:         {}\n"
    "seal key:     {}\n\n"
    "Check the log against this message:\n"
    "  peermail audit verify --file {} --anchor {} --expect-seq {}\n\n"
    "The seal record:\n{}\n",
    log,
    s.value("host", ""),
    s.value("seq", std::uint64_t{0}),
    s.value("hash", ""),
    seq,
    hash,
    s.value("time", ""),
    s.value("key", ""),
    log,
    hash,
    seq,
    seal_record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace peermail::audit
