// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys list | check ADDR... | import FILE`: key readiness per address.
#include "app.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/config/config.hpp>
#include <peermail/crypto/key_judge.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <iostream>
#include <set>

namespace peermail::cli {

namespace {

struct KeysOptions
{
  std::vector<std::string> addresses; // keys check
  std::string file;                   // keys import
};

// Load the config for its [[peer]] pins and [policy]. Refusals (78, 77) apply
// as for every command; only when no config was named and the default file
// does not exist do the keys commands run with the default policy.
Result<std::optional<config::Config>>
load_optional_config(const GlobalOptions& g)
{
  if (!g.config_path && g.getenv("PEERMAIL_CONFIG").empty()) {
    config::LoadOptions o;
    o.env = g.env;
    struct stat st
    {
    };
    if (::stat(config::resolve_path(o).c_str(), &st) != 0) {
      return std::optional<config::Config>();
    }
  }
  PEERMAIL_TRY_ASSIGN(auto cfg, g.load_config());
  return std::optional<config::Config>(std::move(cfg));
}

crypto::KeyPolicy
key_policy(const std::optional<config::Config>& cfg)
{
  crypto::KeyPolicy p;
  if (cfg) {
    p.min_rsa_bits = cfg->policy.min_rsa_bits;
    p.expiry_warning_days = cfg->policy.expiry_warning_days;
  }
  return p;
}

std::string
usage_of(const crypto::SubkeyFacts& s)
{
  std::string u;
  if (s.can_sign) {
    u += "sign,";
  }
  if (s.can_encrypt) {
    u += "encrypt,";
  }
  if (s.can_certify) {
    u += "certify,";
  }
  if (!u.empty()) {
    u.pop_back();
  }
  return u;
}

std::string
state_of(const crypto::SubkeyFacts& s)
{
  if (s.revoked) {
    return "revoked";
  }
  if (s.expired) {
    return "expired";
  }
  if (s.disabled) {
    return "disabled";
  }
  if (s.invalid) {
    return "invalid";
  }
  return "usable";
}

nlohmann::json
key_json(const crypto::KeyFacts& k, bool secret)
{
  nlohmann::json j;
  j["fingerprint"] = k.fingerprint;
  j["secret"] = secret;
  j["revoked"] = k.revoked;
  j["expired"] = k.expired;
  j["disabled"] = k.disabled;
  j["invalid"] = k.invalid;
  j["uids"] = nlohmann::json::array();
  for (const auto& u : k.uids) {
    j["uids"].push_back({
      {"uid",      u.uid                            },
      {"email",    u.address                        },
      {"validity", crypto::validity_name(u.validity)},
      {"revoked",  u.revoked                        }
    });
  }
  j["subkeys"] = nlohmann::json::array();
  for (const auto& s : k.subkeys) {
    j["subkeys"].push_back({
      {"fingerprint", s.fingerprint                                                         },
      {"algo",        s.algo                                                                },
      {"length",      s.length                                                              },
      {"usage",       usage_of(s)                                                           },
      {"state",       state_of(s)                                                           },
      {"created",     crypto::format_date(s.created)                                        },
      {"expires",     s.expires == 0 ? std::string("never") : crypto::format_date(s.expires)},
      {"secret",      s.secret                                                              }
    });
  }
  return j;
}

int
run_list(const GlobalOptions& g)
{
  auto cfg = load_optional_config(g);
  if (!cfg) {
    return print_error(cfg.error());
  }
  auto kr = crypto::Keyring::open(g.gnupg_home_dir());
  if (!kr) {
    return print_error(kr.error());
  }
  auto keys = (*kr)->list(false);
  if (!keys) {
    return print_error(keys.error());
  }
  auto secrets = (*kr)->list(true);
  if (!secrets) {
    return print_error(secrets.error());
  }
  std::set<std::string> secret_fprs;
  for (const auto& k : *secrets) {
    secret_fprs.insert(k.fingerprint);
  }
  if (g.json) {
    nlohmann::json out = {
      {"keys", nlohmann::json::array()}
    };
    for (const auto& k : *keys) {
      out["keys"].push_back(key_json(k, secret_fprs.count(k.fingerprint) > 0));
    }
    print_json(out);
    return k_ok;
  }
  for (const auto& k : *keys) {
    const bool secret = secret_fprs.count(k.fingerprint) > 0;
    std::cout << fmt::format("{}  {}{}\n",
                             secret ? "sec" : "pub",
                             k.fingerprint,
                             k.revoked   ? "  [revoked]"
                             : k.expired ? "  [expired]"
                                         : "");
    for (const auto& u : k.uids) {
      std::cout << fmt::format("     uid  {:<9} {}{}\n",
                               crypto::validity_name(u.validity),
                               util::terminal_safe(u.uid),
                               u.revoked ? "  [revoked]" : "");
    }
    for (const auto& s : k.subkeys) {
      std::cout << fmt::format("     {}  {:<8} {}  {:<14} created {}  expires {}{}\n",
                               &s == &k.subkeys.front() ? "key" : "sub",
                               s.algo,
                               s.fingerprint,
                               usage_of(s),
                               crypto::format_date(s.created),
                               s.expires == 0 ? std::string("never")
                                              : crypto::format_date(s.expires),
                               state_of(s) == "usable" ? "" : "  [" + state_of(s) + "]");
    }
    std::cout << "\n";
  }
  if (keys->empty() && !g.quiet) {
    print_note("the keyring holds no keys");
  }
  return k_ok;
}

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
      out["addresses"].push_back({
        {"address",     addr                             },
        {"ready",       j->ok()                          },
        {"fingerprint", j->key ? j->key->fingerprint : ""},
        {"subkey",      j->subkey_fingerprint            },
        {"pinned",      pinned.has_value()               },
        {"problem",     crypto::to_string(j->problem)    },
        {"check_id",    j->check_id                      },
        {"reason",      j->reason                        },
        {"fix",         j->fix                           },
        {"warnings",    j->warnings                      }
      });
      continue;
    }
    if (j->ok()) {
      std::cout << fmt::format("{}: ready: key {}{} (encryption subkey {})\n",
                               addr,
                               j->key->fingerprint,
                               pinned ? ", pinned" : "",
                               j->subkey_fingerprint);
    } else {
      std::cout << fmt::format("{}: not ready: {} [{}]\n", addr, j->reason, j->check_id);
      std::cout << fmt::format("  fix: {}\n", j->fix);
    }
    for (const auto& w : j->warnings) {
      std::cout << fmt::format("  warning: {}\n", w);
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
    "verify each fingerprint with its owner out of band, then pin it in a [[peer]] "
    "entry or certify it (gpg --quick-lsign-key FPR)");
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
    "Exit: 0 ready/done; 67 an address has no usable, valid key; 65 no key data;\n"
    "66 file missing.");

  auto* list = sub.add_subcommand("list",
                                  "list keys: fingerprint, user IDs and validity, "
                                  "algorithm, expiry, usage; secret keys marked sec");
  list->callback([&g, exit_code] { *exit_code = run_list(g); });

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
} // namespace peermail::cli

} // namespace peermail::cli
