// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail keys pin ADDR FPR` (and the registration of `keys certify`):
// the two one-command ways to make a verified key usable (E2E-04: either is
// enough).
#include "exit_codes.hpp"
#include "keys_report.hpp"
#include "output.hpp"
#include "send_report.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/config/peer_pin.hpp>
#include <peermail/crypto/x509_list.hpp>
#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace peermail::cli {

namespace {

struct PinOptions
{
  std::string address;
  std::string fingerprint;
  bool replace = false;
  bool smime = false;
};

// Write the pin (either protocol) into the config named by `g`.
Result<config::PinOutcome>
write_pin(const GlobalOptions& g,
          const PinOptions& o,
          const std::string& address,
          const std::string& fpr,
          config::PeerProtocol protocol,
          std::string& path)
{
  config::LoadOptions lo;
  lo.path = g.config_path;
  lo.account = g.account;
  lo.env = g.env;
  path = config::resolve_path(lo);
  return config::pin_peer(path,
                          address,
                          fpr,
                          o.replace ? config::ExistingPin::replace : config::ExistingPin::refuse,
                          lo,
                          protocol);
}

// The --json fields every pin reports (either protocol).
nlohmann::json
pin_json(const std::string& path, const config::PinOutcome& r)
{
  nlohmann::json out;
  out["ok"] = true;
  out["config"] = path;
  out["changed"] = r.changed;
  out["previous"] = r.previous;
  return out;
}

// `keys pin --smime ADDR FPR`: the certificate must be in gpgsm's keybox and
// bind ADDR (RFC 8550 §3). Whether it chains to an anchor is judged when
// mail is sent, not here.
int
run_pin_smime(const GlobalOptions& g, const PinOptions& o, const std::string& address)
{
  auto full = util::full_fingerprint(o.fingerprint);
  if (!full) {
    return render_error(full.error(), g);
  }
  auto certs = crypto::list_x509(g.gnupg_home_dir());
  if (!certs) {
    return render_error(certs.error(), g);
  }
  const crypto::X509Summary* c = crypto::find_x509(*certs, *full);
  if (c == nullptr) {
    return render_error(Error(Errc::no_key,
                              fmt::format("not pinned: no certificate {} in gpgsm's keybox", *full),
                              "E2E-01",
                              "import it first: peermail keys import FILE (PEM, DER or .p12)"),
                        g);
  }
  if (std::find(c->addresses.begin(), c->addresses.end(), address) == c->addresses.end()) {
    std::string names;
    for (const auto& a : c->addresses) {
      names.append(names.empty() ? "" : ", ").append(a);
    }
    return render_error(
      Error(
        Errc::no_key,
        fmt::format("not pinned: the certificate {} does not carry {} (it names: {})",
                    *full,
                    address,
                    names.empty() ? std::string("no address") : util::terminal_safe(names)),
        "E2E-04",
        fmt::format("ask {} for their own certificate, then peermail keys import FILE", address)),
      g);
  }
  if (!g.json) {
    print_x509_text(*c);
  }
  std::string path;
  auto r = write_pin(g, o, address, *full, config::PeerProtocol::smime, path);
  if (!r) {
    return render_error(r.error(), g);
  }
  if (g.json) {
    nlohmann::json out = pin_json(path, *r);
    out["protocol"] = "S/MIME";
    out["certificate"] = x509_json(*c);
    print_json(out);
    return k_ok;
  }
  std::cout << fmt::format("{} {} to the S/MIME certificate {} in {}\n",
                           r->changed ? "pinned" : "already pinned",
                           address,
                           *full,
                           path);
  return k_ok;
}

int
run_pin(const GlobalOptions& g, const PinOptions& o)
{
  auto cfg = g.load_config();
  if (!cfg) {
    return render_error(cfg.error(), g);
  }
  auto mb = address::parse_mailbox(o.address, "ADDR");
  if (!mb) {
    return render_error(mb.error(), g);
  }
  if (o.smime) {
    return run_pin_smime(g, o, mb->address);
  }
  auto full = util::full_fingerprint(o.fingerprint);
  if (!full) {
    return render_error(full.error(), g);
  }
  const std::string& fpr = *full;
  auto kr = crypto::Keyring::open(g.gnupg_home_dir());
  if (!kr) {
    return render_error(kr.error(), g);
  }
  // Judge the key as it will be used; pin only a key that is usable for ADDR
  // (it may still lack its certification: readiness then says to certify).
  auto j = (*kr)->judge_recipient(mb->address, fpr, key_policy(*cfg));
  if (!j) {
    return render_error(j.error(), g);
  }
  if (!j->ok() && j->problem != crypto::KeyProblem::validity) {
    return render_error(
      Error(Errc::no_key, fmt::format("not pinned: {}", j->reason), j->check_id, j->fix), g);
  }
  if (!g.json) {
    print_key_text(*j->key, false);
  }
  std::string path;
  auto r = write_pin(g, o, mb->address, fpr, config::PeerProtocol::openpgp, path);
  if (!r) {
    return render_error(r.error(), g);
  }
  if (g.json) {
    nlohmann::json out = pin_json(path, *r);
    out["readiness"] = readiness_json(mb->address, *j, true);
    print_json(out);
    return k_ok;
  }
  std::cout << fmt::format(
    "{} {} to {} in {}\n", r->changed ? "pinned" : "already pinned", mb->address, fpr, path);
  print_readiness(mb->address, *j, true);
  return k_ok;
}

} // namespace

void
register_keys_pin(CLI::App& keys, const GlobalOptions& g, int* exit_code)
{
  auto o = std::make_shared<PinOptions>();
  auto* pin = keys.add_subcommand("pin",
                                  "pin ADDR to the key FPR: write its [[peer]] entry into the "
                                  "config (owner-only, replaced atomically)");
  pin->add_option("address", o->address, "the correspondent's address")->required();
  pin->add_option("fingerprint", o->fingerprint, "the full fingerprint, verified with them")
    ->required();
  pin->add_flag("--replace", o->replace, "replace an existing pin for ADDR (a new key)");
  pin->add_flag("--smime",
                o->smime,
                "pin ADDR to the X.509 certificate FPR (SHA-1 as gpgsm names it, or SHA-256) "
                "in gpgsm's keybox: protocol = \"smime\"");
  pin->callback([&g, o, exit_code] { *exit_code = run_pin(g, *o); });

  auto* certify = keys.add_subcommand("certify",
                                      "show the key FPR and certify it locally with your "
                                      "signing key (gpg --quick-lsign-key)");
  certify
    ->add_option("fingerprint", o->fingerprint, "the full fingerprint, verified with its owner")
    ->required();
  certify->callback([&g, o, exit_code] { *exit_code = run_keys_certify(g, o->fingerprint); });
}

} // namespace peermail::cli
