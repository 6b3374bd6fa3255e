// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys list | check ADDR... | import FILE` (pin and certify:
// cmd_keys_pin.cpp; import: cmd_keys_import.cpp): key readiness per address.
#include "app.hpp"
#include "exit_codes.hpp"
#include "keys_report.hpp"
#include "output.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/crypto/cms.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace peermail::cli {

namespace {

struct KeysOptions
{
  std::vector<std::string> addresses; // keys check
  std::string file;                   // keys import
  std::string passphrase_command;     // keys import of PKCS #12
};

int
run_check(const GlobalOptions& g, const KeysOptions& o)
{
  auto cfg = load_optional_config(g);
  if (!cfg) {
    return print_error(cfg.error());
  }
  std::vector<std::string> addresses;
  for (const auto& a : o.addresses) {
    auto mb = address::parse_mailbox(a, "ADDRESS");
    if (!mb) {
      return print_error(mb.error());
    }
    addresses.push_back(mb->address);
  }
  auto kr = crypto::Keyring::open(g.gnupg_home_dir());
  if (!kr) {
    return print_error(kr.error());
  }
  const auto policy = key_policy(*cfg);
  bool all_ready = true;
  nlohmann::json out = {
    {"ok",        true                   },
    {"addresses", nlohmann::json::array()}
  };
  std::unique_ptr<crypto::CmsEngine> cms; // opened at the first S/MIME peer
  for (const auto& addr : addresses) {
    const auto* peer = *cfg ? (*cfg)->peer(addr) : nullptr;
    if (peer != nullptr && peer->protocol == config::PeerProtocol::smime) {
      // An S/MIME peer: its pinned certificate, judged as send judges it
      // (crypto/cert_judge.cpp) against [smime] anchors.
      if (!cms) {
        auto c = crypto::open_cms(
          g.gnupg_home_dir(), (*cfg)->smime.anchors, (*cfg)->smime.revocation_offline);
        if (!c) {
          return print_error(c.error());
        }
        cms = std::move(*c);
      }
      auto j = cms->judge_recipient_cert(peer->fingerprint, addr, policy);
      if (!j) {
        return print_error(j.error());
      }
      all_ready = all_ready && j->ok();
      if (g.json) {
        out["addresses"].push_back(readiness_json(addr, *j, true, true));
      } else {
        print_readiness(addr, *j, true, true);
      }
      continue;
    }
    std::optional<std::string> pinned;
    if (*cfg) {
      pinned = (*cfg)->pinned_fingerprint(addr);
    }
    auto j = (*kr)->judge_recipient(addr, pinned, policy);
    if (!j) {
      return print_error(j.error());
    }
    all_ready = all_ready && j->ok();
    if (g.json) {
      out["addresses"].push_back(readiness_json(addr, *j, pinned.has_value()));
    } else {
      print_readiness(addr, *j, pinned.has_value());
    }
  }
  if (g.json) {
    out["ok"] = all_ready;
    print_json(out);
  }
  return all_ready ? k_ok : k_nouser;
}

} // namespace

void
register_keys(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<KeysOptions>();
  sub.require_subcommand(1);
  sub.footer(
    "The keys commands read the config (for [[peer]] pins and [policy]) and refuse a\n"
    "non-compliant or unsafe one like every command (exit 78/77). When no --config\n"
    "or $PEERMAIL_CONFIG is given and the default config file does not exist, they\n"
    "run with the default policy (min_rsa_bits 3072, no pins).\n"
    "A key is usable when it is certified (`keys certify`); a pin ([[peer]],\n"
    "`keys pin`) also makes it the only key accepted for its address.\n"
    "Exit: 0 ready/done; 67 an address has no usable, valid key; 65 no key data;\n"
    "66 file missing; 64 pin refused (exists), or a PKCS #12 passphrase nobody can\n"
    "type; 77 unsafe config file, or a wrong PKCS #12 passphrase.");

  auto* list = sub.add_subcommand("list",
                                  "list keys: fingerprint, user IDs and validity, "
                                  "algorithm, expiry, usage; secret keys marked sec");
  list->callback([&g, exit_code] { *exit_code = run_keys_list(g); });

  auto* check = sub.add_subcommand("check",
                                   "say per address whether a usable, valid, strong, "
                                   "unexpired, unrevoked key exists (exit 67 if not)");
  check->add_option("address", opts->addresses, "e-mail addresses")->required();
  check->callback([&g, opts, exit_code] { *exit_code = run_check(g, *opts); });

  auto* import = sub.add_subcommand("import",
                                    "import keys from FILE (\"-\" = stdin), told apart by "
                                    "content: OpenPGP keys into gpg; PEM/DER certificates "
                                    "and PKCS #12 into gpgsm");
  import
    ->add_option("file",
                 opts->file,
                 "OpenPGP keys (armored or binary), X.509 certificates (PEM, DER) or PKCS #12")
    ->required();
  import->add_option("--passphrase-command",
                     opts->passphrase_command,
                     "command that prints the PKCS #12 passphrase (else asked on the terminal)");
  import->callback([&g, opts, exit_code] {
    *exit_code = run_keys_import(g, opts->file, opts->passphrase_command);
});

register_keys_pin(sub, g, exit_code);
} // namespace peermail::cli

} // namespace peermail::cli
