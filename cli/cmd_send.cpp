// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail send`: submit a message over verified TLS (DESIGN.md §2.1).
//   send --message FILE|-   an already protected message (run_send_message)
//   send --to … --subject … compose mode (to be added beside it)
#include "app.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "send_compose.hpp"

// Every attempt is recorded in the audit log (DESIGN.md §7).
#ifndef PEERMAIL_SEND_AUDIT
#  define PEERMAIL_SEND_AUDIT 1
#endif
#if PEERMAIL_SEND_AUDIT
#  include <peermail/audit/audit_log.hpp>
#  include <peermail/audit/write_ahead.hpp>
#endif
#include <peermail/config/config.hpp>
#include <peermail/mime/envelope.hpp>
#include <peermail/transport/transport.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

namespace peermail::cli {

namespace {

struct SendOptions
{
  std::string message;         // --message FILE|-
  std::vector<std::string> to; // --to (overrides the message's recipients)
  bool dry_run = false;        // --dry-run
  ComposeCliOptions compose;   // compose mode (send_compose.cpp)
};

std::string_view
protocol_name(mime::Protection p)
{
  return p == mime::Protection::smime_enveloped ? "S/MIME" : "OpenPGP";
}

// Print `e` (and, with --json, a JSON object on stdout); return the exit code.
int
report_error(const GlobalOptions& g, const Error& e)
{
  const int code = print_error(e);
  if (g.json) {
    nlohmann::json j = {
      {"ok",        false},
      {"exit_code", code },
      {"error",
       {{"kind", std::string(to_string(e.code))},
        {"message", e.message},
        {"check_id", e.check_id},
        {"fix", e.fix}}  }
    };
    if (e.smtp_status) {
      j["error"]["smtp_code"] = *e.smtp_status;
    }
    fmt::print("{}\n", j.dump());
  }
  return code;
}

#if PEERMAIL_SEND_AUDIT
// The audit record of this attempt, without its outcome. Never a subject or
// body.
audit::Record
attempt_record(const config::Config& cfg,
               const mime::OutgoingMessage& msg,
               const std::vector<std::string>& rcpts)
{
  audit::Record r;
  r.action = "send";
  r.message_id = msg.message_id;
  r.recipients = rcpts;
  r.protocol = std::string(protocol_name(msg.protection));
  r.content_sha256 = util::sha256_hex(msg.wire);
  r.config_sha256 = cfg.sha256;
  r.user = cfg.identity.user_id;
  return r;
}

// Write-ahead: append the "pending" record before anything is submitted and
// return its seq (nullopt when no log is configured). An error means nothing
// may be submitted.
Result<std::optional<std::uint64_t>>
audit_pending(const config::Config& cfg,
              const mime::OutgoingMessage& msg,
              const std::vector<std::string>& rcpts)
{
  if (cfg.audit.path.empty()) {
    return std::optional<std::uint64_t>();
  }
  audit::Record r = attempt_record(cfg, msg, rcpts);
  r.outcome = std::string(audit::k_outcome_pending);
  auto log = audit::AuditLog::open(cfg.audit.path);
  if (!log) {
    return unexpected(audit::pending_not_written(log.error()));
  }
  auto j = log->append(r);
  if (!j) {
    return unexpected(audit::pending_not_written(j.error()));
  }
  return std::optional<std::uint64_t>((*j)["seq"].get<std::uint64_t>());
}

// Append the outcome record of this attempt, linked to its pending record.
// After a 250, an error is worded by audit::outcome_not_written.
Result<void>
audit_attempt(const config::Config& cfg,
              const mime::OutgoingMessage& msg,
              const std::vector<std::string>& rcpts,
              const Result<transport::SendResult>& result,
              std::optional<std::uint64_t> pending_seq)
{
  if (cfg.audit.path.empty()) {
    return {};
  }
  audit::Record r = attempt_record(cfg, msg, rcpts);
  r.pending_seq = pending_seq;
  if (result) {
    r.outcome = "sent";
    r.smtp_code = result->code;
    r.tls_version = result->tls.version;
    r.tls_cipher = result->tls.cipher;
    r.tls_peer_cert_sha256 = result->tls.peer_cert_sha256;
    r.exit_code = std::string(exit_code_name(k_ok));
  } else {
    const auto& e = result.error();
    r.outcome = e.code == Errc::temp ? "tempfail" : "failed";
    r.smtp_code = e.smtp_status;
    r.check_id = e.check_id;
    r.exit_code = std::string(exit_code_name(exit_code(e.code)));
  }
  auto appended = [&]() -> Result<void> {
    PEERMAIL_TRY_ASSIGN(auto log, audit::AuditLog::open(cfg.audit.path));
    PEERMAIL_TRY(log.append(r));
    return {};
  }();
  if (!appended && result && pending_seq) {
    return unexpected(audit::outcome_not_written(appended.error(), *pending_seq));
  }
  return appended;
}
#else
Result<std::optional<std::uint64_t>>
audit_pending(const config::Config& /*cfg*/,
              const mime::OutgoingMessage& /*msg*/,
              const std::vector<std::string>& /*rcpts*/)
{
  return std::optional<std::uint64_t>();
}

Result<void>
audit_attempt(const config::Config& /*cfg*/,
              const mime::OutgoingMessage& /*msg*/,
              const std::vector<std::string>& /*rcpts*/,
              const Result<transport::SendResult>& /*result*/,
              std::optional<std::uint64_t> /*pending_seq*/)
{
  return {};
}
#endif

// Return the envelope recipients: --to when given, else To/Cc/Bcc.
Result<std::vector<std::string>>
recipients_for(const SendOptions& o, const mime::OutgoingMessage& msg)
{
  std::vector<std::string> out;
  if (!o.to.empty()) {
    for (const auto& t : o.to) {
      PEERMAIL_TRY_ASSIGN(auto mb, config::parse_mailbox(t));
      out.push_back(mb.second);
    }
  } else {
    out = msg.all_recipients();
  }
  if (out.empty()) {
    return fail(Errc::data,
                "the message has no recipients (no To, Cc or Bcc)",
                "",
                "add a To header, or give --to ADDR");
  }
  return out;
}

void
print_dry_run(const GlobalOptions& g,
              const config::Config& cfg,
              const mime::OutgoingMessage& msg,
              const std::vector<std::string>& rcpts)
{
  const auto& a = cfg.account();
  if (g.json) {
    nlohmann::json j = {
      {"ok",                                        true                                       },
      {"dry_run",                                   true                                       },
      {"server",                                    fmt::format("{}:{}",                         a.host, a.port)},
      {"tls",                                    std::string(config::to_string(a.tls))                                                                              },
      {"mail_from",cfg.identity.address},
      {"recipients",                                                     rcpts                                                                                                                                                                },
      {"message_id",msg.message_id},
      {"protocol",                                            std::string(protocol_name(msg.protection))                                                                                                                                                                                                                          },
      {"bytes",msg.wire.size()}
    };
    fmt::print("{}\n", j.dump());
    return;
  }
  fmt::print("dry run: nothing was sent\n");
  fmt::print("server:     {}:{} (tls = {})\n", a.host, a.port, config::to_string(a.tls));
  fmt::print("mail from:  {}\n", cfg.identity.address);
  for (const auto& r : rcpts) {
    fmt::print("rcpt to:    {}\n", r);
  }
  fmt::print("message-id: {}\n", msg.message_id.empty() ? "(none)" : msg.message_id);
  fmt::print("protection: {} ({} bytes)\n", protocol_name(msg.protection), msg.wire.size());
}

void
print_sent(const GlobalOptions& g,
           const config::Config& cfg,
           const mime::OutgoingMessage& msg,
           const transport::SendResult& res)
{
  const auto& a = cfg.account();
  if (g.json) {
    nlohmann::json rs = nlohmann::json::array();
    for (const auto& r : res.recipients) {
      rs.push_back({
        {"address",  r.address },
        {"code",     r.code    },
        {"reply",    r.reply   },
        {"accepted", r.accepted}
      });
    }
    nlohmann::json j = {
      {"ok",                                        true                                           },
      {"server",                                    fmt::format("{}:{}",                             a.host, a.port)},
      {"message_id",                                    msg.message_id                                                                                  },
      {"recipients",rs},
      {"smtp",                                                {{"code", res.code}, {"reply", res.reply}}                                                                                                                                        },
      {"tls",
       {{"version", res.tls.version},
        {"cipher", res.tls.cipher},
        {"peer_cert_sha256", res.tls.peer_cert_sha256}}}
    };
    fmt::print("{}\n", j.dump());
    return;
  }
  for (const auto& r : res.recipients) {
    fmt::print("sent      {}  ({})\n", r.address, r.reply);
  }
  print_note(fmt::format("submitted to {}:{} over {} ({}): {}",
                         a.host,
                         a.port,
                         res.tls.version,
                         res.tls.cipher,
                         res.reply));
}

} // namespace

// Submit the already protected message `o.message`. Returns the exit code.
int
run_send_message(const SendOptions& o, const GlobalOptions& g)
{
  auto cfg = g.load_config();
  if (!cfg) {
    return report_error(g, cfg.error());
  }
  auto bytes = o.message == "-" ? util::read_stdin() : util::read_file(o.message);
  if (!bytes) {
    return report_error(g, bytes.error());
  }
  auto msg = mime::parse_outgoing(*bytes);
  bytes->clear();
  if (!msg) {
    return report_error(g, msg.error());
  }
  if (msg->protection == mime::Protection::none) {
    return report_error(
      g,
      Error(Errc::data,
            "the message is not end-to-end encrypted: its top level must be "
            "multipart/encrypted (PGP/MIME) or application/pkcs7-mime enveloped-data; "
            "nothing was sent",
            "E2E-01",
            "encrypt it first: peermail encrypt MESSAGE | peermail send --message -"));
  }
  auto rcpts = recipients_for(o, *msg);
  if (!rcpts) {
    return report_error(g, rcpts.error());
  }
  if (o.dry_run) {
    print_dry_run(g, *cfg, *msg, *rcpts);
    return k_ok;
  }
#if PEERMAIL_SEND_AUDIT
  if (!cfg->audit.path.empty()) {
    if (auto w = audit::AuditLog::check_writable(cfg->audit.path); !w) {
      return report_error(g, w.error());
    }
  }
#endif

  const auto& account = cfg->account();
  transport::SessionOptions so;
  so.account = account;
  if (!account.username.empty()) {
    auto creds = config::resolve_credentials(account, g.env);
    if (!creds) {
      return report_error(g, creds.error());
    }
    so.credentials = std::move(*creds);
  }
  if (g.verbose > 0) {
    so.transcript = [](std::string_view line) { fmt::print(stderr, "peermail: smtp: {}\n", line); };
  }
  auto session = transport::make_smtp_session(std::move(so));
  if (!session) {
    return report_error(g, session.error());
  }
  const transport::Envelope env{cfg->identity.address, *rcpts};
  auto pending = audit_pending(*cfg, *msg, *rcpts);
  if (!pending) {
    (*session)->close();
    return report_error(g, pending.error());
  }
  auto res = (*session)->send(env, msg->wire);
  (*session)->close();

  auto audited = audit_attempt(*cfg, *msg, *rcpts, res, *pending);
  if (!res) {
    if (!audited) {
      print_warn(fmt::format("audit record not written: {}", audited.error().message));
    }
    return report_error(g, res.error());
  }
  print_sent(g, *cfg, *msg, *res);
  if (!audited) {
    return report_error(g, audited.error());
  }
  return k_ok;
}

void
register_send(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<SendOptions>();
  sub.add_option(
    "--message", opts->message, "submit this already encrypted RFC 5322 message (\"-\": stdin)");
  sub.add_option("--to", opts->to, "recipient (repeatable); with --message: overrides To/Cc/Bcc");
  add_compose_options(sub, opts->compose);
  sub.add_flag("--dry-run", opts->dry_run, "check and show what would be sent; send nothing");
  sub.callback([opts, &g, exit_code] {
    if (!opts->message.empty()) {
      if (compose_requested(opts->compose)) {
        *exit_code = print_error(Error(Errc::usage,
                                       "--message cannot be combined with --cc, --bcc, "
                                       "--subject, --body-file or --attach"));
        return;
      }
      *exit_code = run_send_message(*opts, g);
      return;
    }
    *exit_code = run_send_compose(opts->compose, opts->to, opts->dry_run, g);
  });
}

} // namespace peermail::cli
