// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys certify FPR`: show the key and certify it locally with the
// identity's signing key (E2E-04: certified or pinned, either is enough).
#include "exit_codes.hpp"
#include "keys_report.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/crypto/certify.hpp>
#include <peermail/send/unattended.hpp>
#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace peermail::cli {

int
run_keys_certify(const GlobalOptions& g, const std::string& fingerprint)
{
  auto cfg = g.load_config();
  if (!cfg) {
    return render_error(cfg.error(), g);
  }
  const std::string home = g.gnupg_home_dir();
  auto full = util::full_fingerprint(fingerprint);
  if (!full) {
    return render_error(full.error(), g);
  }
  const std::string& fpr = *full;
  auto kr = crypto::Keyring::open(home);
  if (!kr) {
    return render_error(kr.error(), g);
  }
  auto key = show_key(**kr, fpr, g);
  if (!key) {
    return render_error(key.error(), g);
  }
  auto secret = send::identity_passphrase(*cfg, home, pinentry_prompt(g));
  if (!secret) {
    return render_error(secret.error(), g);
  }
  if (auto c = crypto::certify_locally(home, fpr, cfg->identity.signing_key, *secret); !c) {
    return render_error(c.error(), g);
  }
  // The validity changed: judge each address of the key afresh.
  auto after = crypto::Keyring::open(home);
  if (!after) {
    return render_error(after.error(), g);
  }
  bool ready = true;
  nlohmann::json out;
  out["certified"] = fpr;
  out["addresses"] = nlohmann::json::array();
  if (!g.json) {
    std::cout << fmt::format(
      "certified {} locally with your key {}\n", fpr, cfg->identity.signing_key);
  }
  for (const auto& u : key->uids) {
    const auto pinned = cfg->pinned_fingerprint(u.address);
    auto j = (*after)->judge_recipient(u.address, pinned, key_policy(*cfg));
    if (!j) {
      return render_error(j.error(), g);
    }
    ready = ready && j->ok();
    if (g.json) {
      out["addresses"].push_back(readiness_json(u.address, *j, pinned.has_value()));
    } else {
      print_readiness(u.address, *j, pinned.has_value());
    }
  }
  if (g.json) {
    out["ok"] = ready;
    print_json(out);
  }
  return ready ? k_ok : k_nouser;
}

} // namespace peermail::cli
