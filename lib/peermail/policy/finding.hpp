// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peermail::policy {

enum class Status { pass, warn, fail, skip };
// The CHECKLIST.md "Level" column, simplified.
enum class Level { required, addressable, recommended, conditional };

std::string_view to_string(Status s);
std::string_view to_string(Level l);

// One checklist result, as printed by `check` (docs/DESIGN.md §5). `evidence` never
// holds a secret, a subject or a body.
struct Finding
{
  std::string id;    // "TLS-02"
  std::string title; // "TLS 1.2 or newer"
  Status status = Status::skip;
  Level level = Level::required;
  std::string evidence;  // "account.default.min_tls = \"1.0\" (config.toml:9)"
  std::string fix;       // empty when status is pass
  std::string reference; // "NIST SP 800-52r2 §4.1; RFC 8996"
};

} // namespace peermail::policy
