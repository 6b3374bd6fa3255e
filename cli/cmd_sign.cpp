// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail sign [FILE|-]`: PGP/MIME multipart/signed on stdout (RFC 3156 §5).
#include "app.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/mime/pgp_mime.hpp>
#include <peermail/protect.hpp>

#include <fmt/core.h>

#include <memory>

namespace peermail::cli {

namespace {

struct SignOptions
{
  std::string input = "-";
};

Result<void>
check_from(const std::string& message, const config::Config& cfg)
{
  PEERMAIL_TRY_ASSIGN(auto addrs, mime::read_addresses(message));
  if (addrs.from.size() != 1) {
    return fail(
      Errc::data,
      fmt::format("the message must have exactly one From address (found {})", addrs.from.size()),
      "SIG-01",
      "write a single \"From:\" header with your address");
  }
  if (addrs.from.front() != cfg.identity.address) {
    return fail(Errc::data,
                fmt::format("the From address <{}> is not identity.from <{}>",
                            addrs.from.front(),
                            cfg.identity.address),
                "SIG-01",
                "send from the configured identity (or use a config for that identity)");
  }
  return {};
}

int
run_sign(const SignOptions& o, const GlobalOptions& g)
{
  auto cfg = g.load_config();
  if (!cfg) {
    return print_error(cfg.error());
  }
  auto message = read_message_input(o.input);
  if (!message) {
    return print_error(message.error());
  }
  if (auto r = check_from(*message, *cfg); !r) {
    return print_error(r.error());
  }
  ProtectOptions po;
  po.sign = true;
  po.encrypt = false;
  po.protect_subject = false;
  return protect_to_stdout(g, *cfg, *message, {}, po);
}

} // namespace

void
register_sign(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<SignOptions>();
  sub.add_option("file", opts->input, "RFC 5322 message to sign (- or omitted: stdin)");
  sub.callback([opts, &g, exit_code] { *exit_code = run_sign(*opts, g); });
}

} // namespace peermail::cli
