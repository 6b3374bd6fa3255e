// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys import FILE`: what the file is decides where it goes, by its
// content alone: OpenPGP keys into gpg's keyring; PEM or DER certificates
// and PKCS #12 (with its passphrase) into gpgsm's keybox and gpg-agent.
#include "exit_codes.hpp"
#include "keys_passphrase.hpp"
#include "keys_report.hpp"
#include "output.hpp"

#include <peermail/crypto/x509_import.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace peermail::cli {

namespace {

constexpr std::uint64_t k_max_key_file = 16 << 20; // docs/LIMITS.md

int
import_openpgp(const GlobalOptions& g, const std::string& data)
{
  auto kr = crypto::Keyring::open(g.gnupg_home_dir());
  if (!kr) {
    return print_error(kr.error());
  }
  auto fprs = (*kr)->import(data);
  if (!fprs) {
    return print_error(fprs.error());
  }
  if (g.json) {
    print_json(nlohmann::json{
      {"protocol", "OpenPGP"},
      {"imported", *fprs    }
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

// The next step for an imported certificate.
std::string
next_step(const crypto::X509Summary& c)
{
  if (c.secret) {
    return fmt::format(
      "to sign and decrypt S/MIME as {}, set [identity] smime_cert = \"{}\" in "
      "the config",
      c.addresses.empty() ? std::string("its owner") : util::terminal_safe(c.addresses.front()),
      c.sha1);
  }
  if (c.ca) {
    return "a CA certificate: S/MIME trusts it only as a root in the [smime] anchors bundle";
  }
  if (c.addresses.empty()) {
    return "the certificate names no e-mail address: it cannot be pinned to a peer";
  }
  return fmt::format(
    "verify the fingerprint with {} out of band, then pin it: peermail keys pin "
    "--smime {} {}",
    util::terminal_safe(c.addresses.front()),
    util::terminal_safe(c.addresses.front()),
    c.sha1);
}

int
import_x509(const GlobalOptions& g,
            const std::string& file,
            const std::string& passphrase_command,
            const std::string& data,
            crypto::KeyFileKind kind)
{
  std::vector<std::string> certs;
  bool with_key = false;
  if (kind == crypto::KeyFileKind::pkcs12) {
    auto pass = pkcs12_passphrase(file, passphrase_command);
    if (!pass) {
      return print_error(pass.error());
    }
    auto p12 = crypto::open_pkcs12(data, **pass);
    if (!p12) {
      return print_error(p12.error());
    }
    certs = p12->certs;
    with_key = p12->has_key;
    auto r = with_key ? crypto::import_pkcs12(g.gnupg_home_dir(), *p12, *pass)
                      : crypto::import_certificates(g.gnupg_home_dir(), certs);
    if (!r) {
      return print_error(r.error());
    }
  } else {
    if (kind == crypto::KeyFileKind::der_certificate) {
      certs.push_back(data);
    } else {
      auto pem = crypto::pem_certificates(data);
      if (!pem) {
        return print_error(pem.error());
      }
      certs = std::move(*pem);
    }
    if (auto r = crypto::import_certificates(g.gnupg_home_dir(), certs); !r) {
      return print_error(r.error());
    }
  }
  std::vector<crypto::X509Summary> shown;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    auto s = crypto::describe_certificate(certs[i]);
    if (!s) {
      return print_error(s.error());
    }
    s->secret = with_key && i == 0; // the key's certificate comes first
    shown.push_back(std::move(*s));
  }
  if (g.json) {
    nlohmann::json out = {
      {"protocol",     "S/MIME"               },
      {"kind",         crypto::to_string(kind)},
      {"imported",     nlohmann::json::array()},
      {"certificates", nlohmann::json::array()}
    };
    for (const auto& c : shown) {
      out["imported"].push_back(c.sha1);
      auto j = x509_json(c);
      j["next"] = next_step(c);
      out["certificates"].push_back(std::move(j));
    }
    print_json(out);
    return k_ok;
  }
  for (const auto& c : shown) {
    std::cout << fmt::format("imported {} ({})\n", c.sha1, crypto::to_string(kind));
    print_x509_text(c);
  }
  for (const auto& c : shown) {
    print_note(fmt::format("{}: {}", c.sha1, next_step(c)));
  }
  return k_ok;
}

} // namespace

int
run_keys_import(const GlobalOptions& g,
                const std::string& file,
                const std::string& passphrase_command)
{
  auto cfg = load_optional_config(g);
  if (!cfg) {
    return print_error(cfg.error());
  }
  auto data =
    file == "-" ? util::read_stdin(k_max_key_file) : util::read_file(file, k_max_key_file);
  if (!data) {
    return print_error(data.error());
  }
  const auto guess = crypto::detect_key_file(*data);
  switch (guess.kind) {
  case crypto::KeyFileKind::openpgp:
    return import_openpgp(g, *data);
  case crypto::KeyFileKind::pem_certificates:
  case crypto::KeyFileKind::der_certificate:
  case crypto::KeyFileKind::pkcs12:
    return import_x509(g, file, passphrase_command, *data, guess.kind);
  case crypto::KeyFileKind::unknown:
    break;
  }
  return print_error(Error(
    Errc::data,
    fmt::format("{} holds no key: it looks like {}", util::terminal_safe(file), guess.looked_like),
    "",
    "pass an OpenPGP key (gpg --export --armor FPR), a certificate (PEM or DER) or a PKCS #12 "
    "file (.p12/.pfx)"));
}

} // namespace peermail::cli
