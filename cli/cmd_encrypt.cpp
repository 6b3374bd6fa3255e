// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail encrypt [-r ADDR]... [--no-sign] [FILE|-]`: PGP/MIME
// multipart/encrypted (RFC 3156 §4, signed and encrypted per §6.2) on stdout,
// or S/MIME enveloped-data (RFC 8551) when every recipient is an S/MIME
// peer, with the real Subject protected inside (RFC 9788).
#include "app.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/mime/pgp_mime.hpp>
#include <peermail/protect/message.hpp>
#include <peermail/protect/protect.hpp>

#include <fmt/core.h>

#include <memory>

namespace peermail::cli {

namespace {

struct EncryptOptions
{
  std::vector<std::string> recipients;
  bool no_sign = false;
  bool hide_recipients = false;
  std::string input = "-";
};

int
run_encrypt(const EncryptOptions& o, const GlobalOptions& g)
{
  auto in = read_protect_input(o.input, g);
  if (!in) {
    return print_error(in.error());
  }
  auto addrs = mime::read_addresses(in->message);
  if (!addrs) {
    return print_error(addrs.error());
  }
  std::vector<std::string> recipients;
  for (const auto& r : o.recipients) {
    auto mb = address::parse_mailbox(r, "-r");
    if (!mb) {
      return print_error(mb.error());
    }
    recipients.push_back(mb->address);
  }
  if (recipients.empty()) {
    recipients = addrs->recipients;
  }
  if (recipients.empty()) {
    return print_error(
      Error(Errc::usage, "no recipients: the message has no To/Cc/Bcc and no -r was given"));
  }
  // S/MIME when every recipient's [[peer]] entry says so; both: refused.
  auto protocol = protect::recipients_protocol(in->cfg, recipients);
  if (!protocol) {
    return print_error(protocol.error());
  }
  // One ciphertext names every recipient's key ID: Bcc recipients would be
  // revealed to the others (RFC 5322 §3.6.3). Hide all key IDs then, as
  // gpg --throw-keyids does; `send` instead gives each Bcc its own copy.
  // S/MIME cannot hide them: protect_smime_message refuses (E2E-05).
  bool hide = o.hide_recipients;
  if (o.recipients.empty() && !addrs->bcc.empty() && !hide) {
    hide = true;
    if (*protocol == protect::Protocol::openpgp) {
      print_note(
        "the message has Bcc recipients: no recipient key IDs are written, so "
        "To/Cc recipients cannot see who else can decrypt it (peermail send "
        "instead gives each Bcc recipient a copy of their own)");
    }
  }
  protect::ProtectOptions po;
  po.sign = !o.no_sign;
  po.encrypt = true;
  po.protect_subject = in->cfg.policy.protect_subject;
  po.hide_recipients = hide;
  return protect_to_stdout(g, in->cfg, in->message, recipients, po, *protocol);
}

} // namespace

void
register_encrypt(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<EncryptOptions>();
  sub
    .add_option("-r,--recipient",
                opts->recipients,
                "encrypt to ADDR (repeatable; default: To, Cc and Bcc of the message)")
    ->allow_extra_args(false);
  sub.add_flag("--no-sign", opts->no_sign, "encrypt without signing");
  sub.add_flag("--hide-recipients",
               opts->hide_recipients,
               "write no recipient key IDs (gpg --throw-keyids); automatic when the message has "
               "Bcc recipients and no -r is given");
  sub.add_option("file", opts->input, "RFC 5322 message to encrypt (- or omitted: stdin)");
  sub.callback([opts, &g, exit_code] { *exit_code = run_encrypt(*opts, g); });
}

} // namespace peermail::cli
