// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the `keys` commands share: the optional config, and how a key is
// shown (text and JSON).

#include "app.hpp"

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>
#include <peermail/crypto/x509_import.hpp>

#include <nlohmann/json.hpp>

#include <optional>

namespace peermail::cli {

// Load the config for its [[peer]] pins and [policy]. Refusals (78, 77) apply
// as for every command; only when no config was named and the default file
// does not exist do the keys commands run with the default policy (nullopt).
Result<std::optional<config::Config>> load_optional_config(const GlobalOptions& g);

// Return the KeyPolicy of `cfg` (the defaults without a config).
crypto::KeyPolicy key_policy(const std::optional<config::Config>& cfg);

// Return `k` as a `keys list --json` entry; `secret` when its secret part is
// in the keyring.
nlohmann::json key_json(const crypto::KeyFacts& k, bool secret);

// Print `k` as `keys list` does (user IDs terminal-safe).
void print_key_text(const crypto::KeyFacts& k, bool secret);

// Return the X.509 certificate `c` as a `keys list --json` / `keys import
// --json` entry ("protocol": "S/MIME"; facts only, no trust judgement).
nlohmann::json x509_json(const crypto::X509Summary& c);

// Print `c` as `keys list` does (subject and issuer terminal-safe).
void print_x509_text(const crypto::X509Summary& c);

// Return the readiness of `address` (judgement `j`; `pinned` by [[peer]]) as
// a `keys check --json` entry.
nlohmann::json readiness_json(const std::string& address,
                              const crypto::KeyJudgement& j,
                              bool pinned,
                              bool smime = false);

// Print the readiness of `address` as `keys check` does: "ADDR: ready: …" or
// "ADDR: not ready: … [ID]" with the fix, then the warnings.
void print_readiness(const std::string& address,
                     const crypto::KeyJudgement& j,
                     bool pinned,
                     bool smime = false);

// Find the public key `fpr` and show it (text mode); Errc::no_key (67) when
// the keyring does not hold it.
Result<crypto::KeyFacts>
show_key(crypto::Keyring& kr, const std::string& fpr, const GlobalOptions& g);

// Run `keys certify FPR` (cmd_keys_certify.cpp).
int run_keys_certify(const GlobalOptions& g, const std::string& fingerprint);

// Run `keys import FILE` (cmd_keys_import.cpp): OpenPGP keys into gpg,
// PEM/DER certificates and PKCS #12 into gpgsm.
int run_keys_import(const GlobalOptions& g,
                    const std::string& file,
                    const std::string& passphrase_command);

// Run `keys list` (cmd_keys_list.cpp).
int run_keys_list(const GlobalOptions& g);

// Register `keys pin` and `keys certify` under `keys` (cmd_keys_pin.cpp).
void register_keys_pin(CLI::App& keys, const GlobalOptions& g, int* exit_code);

} // namespace peermail::cli
