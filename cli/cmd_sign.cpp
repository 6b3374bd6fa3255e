// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail sign [--smime] [FILE|-]`: multipart/signed on stdout, PGP/MIME
// (RFC 3156 §5) or, with --smime, S/MIME (RFC 8551 §3.5.3).
#include "app.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/mime/pgp_mime.hpp>
#include <peermail/protect/message.hpp>
#include <peermail/protect/protect.hpp>

#include <fmt/core.h>

#include <memory>

namespace peermail::cli {

namespace {

struct SignOptions
{
  std::string input = "-";
  bool smime = false;
};

int
run_sign(const SignOptions& o, const GlobalOptions& g)
{
  auto in = read_protect_input(o.input, g);
  if (!in) {
    return print_error(in.error());
  }
  protect::ProtectOptions po;
  po.sign = true;
  po.encrypt = false;
  po.protect_subject = false;
  return protect_to_stdout(g,
                           in->cfg,
                           in->message,
                           {},
                           po,
                           o.smime ? protect::Protocol::smime : protect::Protocol::openpgp);
}

} // namespace

void
register_sign(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<SignOptions>();
  sub.add_flag("--smime",
               opts->smime,
               "sign with identity.smime_cert as S/MIME (application/pkcs7-signature)");
  sub.add_option("file", opts->input, "RFC 5322 message to sign (- or omitted: stdin)");
  sub.callback([opts, &g, exit_code] { *exit_code = run_sign(*opts, g); });
}

} // namespace peermail::cli
