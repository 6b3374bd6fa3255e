// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys list`, and the optional config every keys command reads.
#include "exit_codes.hpp"
#include "keys_report.hpp"
#include "output.hpp"

#include <peermail/crypto/x509_list.hpp>

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <set>

namespace peermail::cli {

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

int
run_keys_list(const GlobalOptions& g)
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
  auto certs = crypto::list_x509(g.gnupg_home_dir());
  if (!certs) {
    return print_error(certs.error());
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
    for (const auto& c : *certs) {
      out["keys"].push_back(x509_json(c));
    }
    print_json(out);
    return k_ok;
  }
  for (const auto& k : *keys) {
    print_key_text(k, secret_fprs.count(k.fingerprint) > 0);
  }
  for (const auto& c : *certs) {
    print_x509_text(c);
  }
  if (keys->empty() && certs->empty() && !g.quiet) {
    print_note("the keyring holds no keys and gpgsm's keybox no certificates");
  }
  return k_ok;
}

} // namespace peermail::cli
