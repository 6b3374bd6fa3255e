// SPDX-License-Identifier: GPL-3.0-or-later
#include "verify_report.hpp"

#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <ctime>

namespace peermail::cli {

namespace {

std::string
rfc3339(std::int64_t t)
{
  if (t <= 0) {
    return "";
  }
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string
join(const std::vector<std::string>& v)
{
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? s : ", " + s;
  }
  return out;
}

// The user ID shown for a signature: the one for the From address, else the first.
const crypto::SignatureFacts::Uid*
shown_uid(const crypto::SignatureFacts& s, const std::vector<std::string>& from)
{
  for (const auto& u : s.uids) {
    if (from.size() == 1 && u.address == from.front()) {
      return &u;
    }
  }
  return s.uids.empty() ? nullptr : &s.uids.front();
}

} // namespace

std::string
render_verify_json(const verify::VerifyReport& r)
{
  nlohmann::json sigs = nlohmann::json::array();
  for (const auto& s : r.signatures) {
    const auto* u = shown_uid(s, r.from);
    sigs.push_back({
      {"fingerprint", s.fingerprint                                   },
      {"uid",         u != nullptr ? u->uid : ""                      },
      {"email",       u != nullptr ? u->address : ""                  },
      {"status",      std::string(crypto::to_string(s.status))        },
      {"validity",    std::string(crypto::validity_string(s.validity))},
      {"hash_algo",   crypto::hash_name(s.hash_algo)                  },
      {"created",     rfc3339(s.created)                              }
    });
  }
  nlohmann::json j = {
    {"verdict",             std::string(to_string(r.verdict))},
    {"reason",              r.failure                        },
    {"fix",                 r.fix                            },
    {"protocol",            r.protocol                       },
    {"unsigned_headers",    r.unsigned_headers               },
    {"encrypted",           r.encrypted                      },
    {"decrypted",           r.decrypted                      },
    {"integrity_protected", r.integrity_protected            },
    {"signatures",          sigs                             },
    {"from",                join(r.from)                     },
    {"from_matches_signer", r.from_matches_signer            },
    {"fully_covered",       r.fully_covered                  },
    {"protected_headers",   r.protected_headers              },
    {"warnings",            r.warnings                       }
  };
  return json_text(j) + "\n";
}

// Every text that came from the message or a key goes through
// util::terminal_safe: a From with escape sequences must not draw a fake
// "verdict: valid" on the reader's terminal.
std::string
render_verify_text(const verify::VerifyReport& r)
{
  std::string out = fmt::format("verdict: {}\n", to_string(r.verdict));
  if (!r.failure.empty()) {
    out += fmt::format("reason: {}\n", util::terminal_safe(r.failure));
  }
  if (!r.fix.empty()) {
    out += fmt::format("fix: {}\n", util::terminal_safe(r.fix));
  }
  if (r.encrypted) {
    out += fmt::format("encrypted: yes; decrypted: {}; integrity protected: {}\n",
                       r.decrypted ? "yes" : "no",
                       r.integrity_protected ? "yes" : "no");
  } else {
    out += "encrypted: no\n";
  }
  if (r.signatures.empty()) {
    out += "signatures: none\n";
  }
  for (const auto& s : r.signatures) {
    const auto* u = shown_uid(s, r.from);
    out += fmt::format("signature: {} by {} ({}), key validity {}, {}, made {}\n",
                       crypto::to_string(s.status),
                       util::terminal_safe(s.fingerprint),
                       u != nullptr ? util::terminal_safe(u->uid) : "unknown key",
                       crypto::validity_string(s.validity),
                       crypto::hash_name(s.hash_algo),
                       rfc3339(s.created));
  }
  out += fmt::format("from: {} ({})\n",
                     r.from.empty() ? "(none)" : util::terminal_safe(join(r.from)),
                     r.from_matches_signer ? "matches the signer" : "does not match a signer");
  out += fmt::format("coverage: {}\n",
                     r.fully_covered ? "the signature covers the whole message"
                                     : "not everything a reader sees is signed");
  out += fmt::format("protected headers: {}\n", r.protected_headers ? "yes" : "no");
  if (!r.unsigned_headers.empty()) {
    out += fmt::format("unsigned headers: {}\n", join(r.unsigned_headers));
  }
  for (const auto& w : r.warnings) {
    out += fmt::format("warning: {}\n", util::terminal_safe(w));
  }
  return out;
}

} // namespace peermail::cli
