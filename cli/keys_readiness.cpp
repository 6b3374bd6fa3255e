// SPDX-License-Identifier: GPL-3.0-or-later
// Readiness of an address, and the fingerprint rules of `keys pin` and
// `keys certify`.
#include "keys_report.hpp"

#include <peermail/crypto/key_judge.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <iostream>

namespace peermail::cli {

nlohmann::json
readiness_json(const std::string& address, const crypto::KeyJudgement& j, bool pinned, bool smime)
{
  return {
    {"address",     address                        },
    {"ready",       j.ok()                         },
    {"protocol",    smime ? "S/MIME" : "OpenPGP"   },
    {"fingerprint", j.key ? j.key->fingerprint : ""},
    {"subkey",      j.subkey_fingerprint           },
    {"pinned",      pinned                         },
    {"problem",     crypto::to_string(j.problem)   },
    {"check_id",    j.check_id                     },
    {"reason",      j.reason                       },
    {"fix",         j.fix                          },
    {"warnings",    j.warnings                     }
  };
}

void
print_readiness(const std::string& address, const crypto::KeyJudgement& j, bool pinned, bool smime)
{
  if (j.ok() && smime) {
    std::cout << fmt::format(
      "{}: ready: S/MIME certificate {}, pinned\n", address, j.key->fingerprint);
  } else if (j.ok()) {
    std::cout << fmt::format("{}: ready: key {}{} (encryption subkey {})\n",
                             address,
                             j.key->fingerprint,
                             pinned ? ", pinned" : "",
                             j.subkey_fingerprint);
  } else {
    std::cout << fmt::format("{}: not ready: {} [{}]\n", address, j.reason, j.check_id);
    std::cout << fmt::format("  fix: {}\n", j.fix);
  }
  for (const auto& w : j.warnings) {
    std::cout << fmt::format("  warning: {}\n", w);
  }
}

// Show the key `fpr` (or refuse, 67, when the keyring does not hold it).
Result<crypto::KeyFacts>
show_key(crypto::Keyring& kr, const std::string& fpr, const GlobalOptions& g)
{
  PEERMAIL_TRY_ASSIGN(auto keys, kr.list(false));
  for (const auto& k : keys) {
    if (k.fingerprint == fpr) {
      if (!g.json) {
        print_key_text(k, false);
      }
      return k;
    }
  }
  return fail(Errc::no_key,
              fmt::format("no key {} in the keyring", fpr),
              "E2E-01",
              "import it first: peermail keys import FILE");
}

} // namespace peermail::cli
