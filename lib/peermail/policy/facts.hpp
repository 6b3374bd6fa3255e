// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/config/config.hpp>
#include <peermail/crypto/keyring.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Everything `check` judges, gathered beforehand (check/gather.hpp) so that the
// rules in checklist.hpp stay pure: no I/O, no clock, no environment.
namespace peermail::policy {

// What stat() said about a file or directory.
struct FileFacts
{
  std::string path;
  bool exists = false;
  bool is_dir = false;
  bool is_symlink = false;
  unsigned mode = 0;         // permission bits (07777)
  bool owned_by_user = true; // uid == the invoking user
};

// One key the configuration relies on, and its verdict.
struct KeyCheck
{
  std::string role;    // "signing key", "peer", "own key", "archive key",
                       // "S/MIME certificate", "S/MIME peer"
  std::string address; // the address judged ("" for the archive key)
  crypto::KeyJudgement judgement;
};

// Library versions (CFG-06, TLS-08).
struct Versions
{
  std::string gnupg;   // "2.2.40"
  std::string gpgme;   // "1.18.0"
  std::string openssl; // "OpenSSL 3.0.17 1 Jul 2025"
  std::string libcurl; // "7.88.1"
};

struct Facts
{
  const config::Config* config = nullptr; // never null when evaluated
  std::int64_t now = 0;                   // seconds since the epoch

  std::optional<FileFacts> ca_file;
  std::optional<FileFacts> audit_dir;
  std::optional<FileFacts> audit_file;
  // What the audit log's own rule (audit::check_log_file) says of the
  // configured file; unset when it would be accepted.
  std::optional<Error> audit_file_problem;
  // What loading the account's TLS files as a session does says (ca_file;
  // transport::check_tls_files); unset when they load.
  std::optional<Error> tls_files_problem;
  std::optional<FileFacts> gnupg_home;      // unset: GnuPG's default home was not found
  std::vector<FileFacts> private_key_files; // private-keys-v1.d/*
  std::optional<std::string> gpg_conf;      // file text, when it exists
  std::optional<std::string> gpg_agent_conf;

  std::string keyring_error; // the keyring could not be read
  std::optional<KeyCheck> signer;
  std::vector<KeyCheck> peers;
  std::optional<KeyCheck> self;    // policy.encrypt_to_self
  std::optional<KeyCheck> archive; // policy.archive_key
  // S/MIME: identity.smime_cert, judged for signing (role "S/MIME
  // certificate"); the S/MIME peers are in `peers` (role "S/MIME peer").
  std::optional<KeyCheck> smime_signer;
  // Protection of the signing key's secret parts, from gpg-agent KEYINFO:
  // true protected (or on a card), false stored in the clear, unset unknown.
  std::optional<bool> secret_key_protected;

  Versions versions;
  // The name send gives in EHLO and where it comes from (transport/helo.hpp).
  std::string helo;
};

} // namespace peermail::policy
