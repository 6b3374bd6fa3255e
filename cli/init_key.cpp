// SPDX-License-Identifier: GPL-3.0-or-later
#include "init_key.hpp"

#include "output.hpp"
#include "prompt.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/crypto/signing_candidates.hpp>

#include <fmt/core.h>

#include <iostream>
#include <vector>

namespace peermail::cli {

namespace {

std::string
key_line(const crypto::KeyJudgement& j)
{
  const std::string uid = j.key && !j.key->uids.empty() ? j.key->uids.front().uid : "";
  return fmt::format("{}  {}", j.key ? j.key->fingerprint : "", uid);
}

} // namespace

Result<void>
choose_signing_key(config::Starter& s, bool tty, const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto mb, address::parse_mailbox(s.from, "--from"));
  PEERMAIL_TRY_ASSIGN(auto keyring, crypto::Keyring::open(gnupg_home));
  const crypto::KeyPolicy policy;
  if (!s.signing_key.empty()) {
    PEERMAIL_TRY_ASSIGN(auto j, keyring->judge_signer(s.signing_key, mb.address, policy));
    if (!j.ok()) {
      return unexpected(crypto::judgement_error(j, "--signing-key"));
    }
    return {};
  }
  PEERMAIL_TRY_ASSIGN(auto all, crypto::signing_candidates(*keyring, mb.address, policy));
  std::vector<crypto::KeyJudgement> usable;
  for (auto& j : all) {
    if (j.ok()) {
      usable.push_back(j);
    } else {
      print_warn(fmt::format("secret key {} cannot sign for <{}>: {} [{}]",
                             j.key ? j.key->fingerprint : "",
                             mb.address,
                             j.reason,
                             j.check_id));
    }
  }
  if (usable.empty()) {
    return fail(Errc::no_key,
                fmt::format("no usable secret key for <{}> in the keyring", mb.address),
                "SIG-01",
                fmt::format("create one with a passphrase (KEY-05): gpg --quick-gen-key '{}' "
                            "ed25519 sign 2y; or import yours (gpg --import); then run "
                            "`peermail init` again",
                            mb.address));
  }
  if (usable.size() == 1) {
    s.signing_key = usable.front().key->fingerprint;
    print_note(fmt::format("signing key {} (the only usable secret key for <{}>)",
                           key_line(usable.front()),
                           mb.address));
    return {};
  }
  std::string list;
  for (std::size_t i = 0; i < usable.size(); ++i) {
    list += fmt::format("  {}) {}\n", i + 1, key_line(usable[i]));
  }
  if (!tty) {
    return fail(Errc::usage,
                fmt::format("{} secret keys can sign for <{}>:\n{}",
                            usable.size(),
                            mb.address,
                            list.substr(0, list.size() - 1)),
                "",
                "pass --signing-key with the fingerprint of the one to use");
  }
  std::cerr << fmt::format("secret keys that can sign for <{}>:\n{}", mb.address, list);
  PEERMAIL_TRY_ASSIGN(
    auto pick,
    ask(fmt::format("Which one [1-{}]", usable.size()),
        "--signing-key",
        [&](const std::string& a) -> std::optional<Error> {
          if (choice(a, usable.size()) == 0) {
            return Error(Errc::usage, fmt::format("answer a number from 1 to {}", usable.size()));
          }
          return std::nullopt;
        }));
  s.signing_key = usable[choice(pick, usable.size()) - 1].key->fingerprint;
  return {};
}

} // namespace peermail::cli
