// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys list | check ADDR... | import FILE` (pin and certify:
// cmd_keys_pin.cpp): key readiness per address.
#include "app.hpp"
#include "exit_codes.hpp"
#include "keys_report.hpp"
#include "output.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace peermail::cli {

namespace {

struct KeysOptions
{
  std::vector<std::string> addresses; // keys check
  std::string file;                   // keys import
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
  for (const auto& addr : addresses) {
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

int
run_import(const GlobalOptions& g, const KeysOptions& o)
{
  auto cfg = load_optional_config(g);
  if (!cfg) {
    return print_error(cfg.error());
  }
  auto data = o.file == "-" ? util::read_stdin(16 << 20) : util::read_file(o.file, 16 << 20);
  if (!data) {
    return print_error(data.error());
  }
  auto kr = crypto::Keyring::open(g.gnupg_home_dir());
  if (!kr) {
    return print_error(kr.error());
  }
  auto fprs = (*kr)->import(*data);
  if (!fprs) {
    return print_error(fprs.error());
  }
  if (g.json) {
    print_json(nlohmann::json{
      {"imported", *fprs}
    });
    return k_ok;
  }
  for (const auto& f : *fprs) {
    std::cout << "imported " << f << "\n";
  }
  print_note(
    "verify each fingerprint with its owner out of band, then certify it (peermail keys "
    "certify FPR); pin it too (peermail keys pin ADDR FPR) to accept only that key");
  return k_ok;
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
    "66 file missing; 64 pin refused (exists); 77 unsafe config file.");

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
                                    "import keys from FILE (\"-\" = stdin) and print "
                                    "their fingerprints");
  import->add_option("file", opts->file, "armored or binary OpenPGP keys")->required();
  import->callback([&g, opts, exit_code] { *exit_code = run_import(g, *opts);
});

register_keys_pin(sub, g, exit_code);
} // namespace peermail::cli

} // namespace peermail::cli
