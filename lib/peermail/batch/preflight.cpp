// SPDX-License-Identifier: GPL-3.0-or-later
#include "preflight.hpp"

#include <peermail/mime/compose.hpp>
#include <peermail/protect/keys.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <cctype>
#include <set>

namespace peermail::batch {

namespace {

// Return true if the header block of `msg` has a field named `name`
// (case-insensitive). Only the header block is looked at.
bool
has_header(std::string_view msg, std::string_view name)
{
  std::size_t pos = 0;
  while (pos < msg.size()) {
    const auto eol = msg.find('\n', pos);
    std::string_view line =
      msg.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      return false; // end of the header block
    }
    if (line.size() > name.size() && line[name.size()] == ':'
        && util::to_lower(line.substr(0, name.size())) == util::to_lower(name)) {
      return true;
    }
    if (eol == std::string_view::npos) {
      break;
    }
    pos = eol + 1;
  }
  return false;
}

} // namespace

Result<SignerKeys>
judge_signer(const config::Config& cfg, crypto::Keyring& keyring)
{
  const auto policy = peermail::protect::key_policy(cfg);
  PEERMAIL_TRY_ASSIGN(auto plan,
                      peermail::protect::judge_key_plan(keyring, cfg, true, true, policy));
  return peermail::protect::require_key_plan(plan, cfg);
}

Result<std::map<std::string, crypto::KeyJudgement>>
judge_recipients(const config::Config& cfg,
                 crypto::Keyring& keyring,
                 const std::vector<std::string>& emails,
                 peermail::protect::SmimeProtector* smime)
{
  const auto policy = peermail::protect::key_policy(cfg);
  std::map<std::string, crypto::KeyJudgement> out;
  for (const auto& e : emails) {
    const auto addr = util::to_lower(e);
    if (out.count(addr) != 0) {
      continue;
    }
    if (peermail::protect::reads_smime(cfg, addr)) {
      if (smime != nullptr) {
        PEERMAIL_TRY_ASSIGN(auto j,
                            smime->judge_recipient(cfg.peer(addr)->fingerprint, addr, policy));
        out.emplace(addr, std::move(j));
      }
      continue;
    }
    PEERMAIL_TRY_ASSIGN(auto j, peermail::protect::judge_recipient(keyring, cfg, addr, policy));
    out.emplace(addr, std::move(j));
  }
  return out;
}

Result<std::string>
personal_message(std::string_view rendered,
                 const std::string& email,
                 const std::string& message_id,
                 const config::Identity& identity)
{
  for (const char* h : {"Cc", "Bcc", "Resent-Bcc", "Resent-To", "Resent-Cc"}) {
    if (has_header(rendered, h)) {
      return fail(Errc::data,
                  fmt::format("the template has a {} header: a batch message goes to its one "
                              "recipient only",
                              h),
                  "",
                  fmt::format("remove the {} header from the template", h));
    }
  }
  if (has_header(rendered, "Message-ID")) {
    return fail(Errc::data,
                "the template has a Message-ID header: every message gets its own",
                "",
                "remove the Message-ID header from the template");
  }
  const char* eol = rendered.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";
  std::string text;
  text.reserve(rendered.size() + 128);
  text += fmt::format("Message-ID: <{}>{}", message_id, eol);
  if (!has_header(rendered, "To")) {
    text += fmt::format("To: <{}>{}", email, eol);
  }
  text += rendered;

  mime::SubmissionOptions o;
  o.recipients_from_headers = true;
  o.identity.address = identity.address;
  o.identity.display_name = identity.display_name;
  PEERMAIL_TRY_ASSIGN(auto prepared, mime::prepare_submission(text, o));
  const auto& c = prepared.first;
  if (c.to.size() != 1 || !c.cc.empty() || !c.bcc.empty()
      || c.to[0].address != util::to_lower(email)) {
    return fail(Errc::data,
                "the template's To header does not name exactly the row's email",
                "",
                "write `To: {{email}}` in the template, or leave To out (it is added)");
  }
  if (c.message_id != message_id) {
    return fail(Errc::internal, "the Message-ID was not kept");
  }
  return std::move(prepared.second);
}

std::size_t
shard_of(std::string_view email, std::size_t count)
{
  if (count <= 1) {
    return 0;
  }
  const auto hex = util::sha256_hex(util::to_lower(email));
  const std::uint64_t v = std::stoull(hex.substr(0, 16), nullptr, 16);
  return static_cast<std::size_t>(v % count);
}

std::string
deterministic_message_id(std::string_view batch_key,
                         std::string_view email,
                         std::string_view domain)
{
  const auto hex = util::sha256_hex(fmt::format("{}\n{}", batch_key, util::to_lower(email)));
  return fmt::format("{}@{}", hex.substr(0, 32), domain);
}

} // namespace peermail::batch
