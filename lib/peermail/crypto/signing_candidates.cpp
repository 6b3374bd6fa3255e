// SPDX-License-Identifier: GPL-3.0-or-later
#include "signing_candidates.hpp"

#include <peermail/util/strings.hpp>

#include <algorithm>

namespace peermail::crypto {

Result<std::vector<KeyJudgement>>
signing_candidates(Keyring& keyring, const std::string& address, const KeyPolicy& policy)
{
  const std::string want = util::to_lower(address);
  PEERMAIL_TRY_ASSIGN(auto secret, keyring.list(true));
  std::vector<KeyJudgement> out;
  for (const auto& key : secret) {
    const bool for_address = std::any_of(
      key.uids.begin(), key.uids.end(), [&](const UidFacts& u) { return u.address == want; });
    if (!for_address) {
      continue;
    }
    PEERMAIL_TRY_ASSIGN(auto j, keyring.judge_signer(key.fingerprint, address, policy));
    out.push_back(std::move(j));
  }
  std::stable_sort(out.begin(), out.end(), [](const KeyJudgement& a, const KeyJudgement& b) {
    if (a.ok() != b.ok()) {
      return a.ok();
    }
    return a.key && b.key && a.key->fingerprint < b.key->fingerprint;
  });
  return out;
}

} // namespace peermail::crypto
