// SPDX-License-Identifier: GPL-3.0-or-later
// Take a message handed to `sendmail`.
#include "addresses.hpp"
#include "compose.hpp"
#include "compose_internal.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <memory>
#include <set>

namespace peermail::mime {

Result<std::pair<Composed, std::string>>
prepare_submission(std::string_view raw, const SubmissionOptions& opts)
{
  if (raw.size() > opts.max_bytes) {
    return fail(Errc::data, fmt::format("the message is larger than {} MiB", opts.max_bytes >> 20));
  }
  if (raw.find('\0') != std::string_view::npos) {
    return fail(Errc::data, "the message contains a NUL byte");
  }
  if (opts.full_name && util::has_line_break_or_nul(*opts.full_name)) {
    return fail(Errc::data, "-F: the name contains a line break or NUL byte (header injection)");
  }
  if (opts.full_name && !util::valid_utf8(*opts.full_name)) {
    return fail(Errc::data, "-F: the name is not UTF-8", "", std::string(k_iconv_fix));
  }
  if (opts.envelope_from) {
    PEERMAIL_TRY_ASSIGN(auto f, parse_address(*opts.envelope_from, "-f"));
    if (f.address != opts.identity.address) {
      return fail(Errc::usage,
                  fmt::format("-f {} is not the configured identity {}: the signer must match "
                              "the sender",
                              f.address,
                              opts.identity.address),
                  "SIG-01",
                  "drop -f, or use the account whose identity.from is that address");
    }
  }
  // Parse the headers with GMime; never by hand (docs/DESIGN.md §1).
  GPtr<GMimeStream> in(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(in.get()));
  GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!msg || g_mime_message_get_mime_part(msg.get()) == nullptr) {
    return fail(Errc::data, "stdin is not an RFC 5322 message");
  }
  GMimeObject* obj = GMIME_OBJECT(msg.get());

  Composed c;
  // From: exactly the identity (SIG-01). Add it when missing.
  const auto from = envelope_addresses(g_mime_message_get_from(msg.get()));
  if (from.empty()) {
    c.from = opts.identity;
    if (opts.full_name) {
      c.from.display_name = *opts.full_name;
    }
    add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, c.from);
  } else {
    if (from.size() != 1) {
      return fail(Errc::data, "the From header holds more than one address");
    }
    if (util::to_lower(from[0]) != opts.identity.address) {
      return fail(Errc::usage,
                  fmt::format("From <{}> is not the configured identity <{}>: the signer must "
                              "match From",
                              from[0],
                              opts.identity.address),
                  "SIG-01",
                  "send from the identity address, or use the account configured for it");
    }
    c.from = opts.identity;
  }

  // Recipients: those named in To/Cc stay visible; every other envelope
  // recipient (Bcc header, arguments not in To/Cc) is a Bcc and gets its own
  // copy.
  const auto hdr_to = envelope_addresses(g_mime_message_get_to(msg.get()));
  const auto hdr_cc = envelope_addresses(g_mime_message_get_cc(msg.get()));
  const auto hdr_bcc = envelope_addresses(g_mime_message_get_bcc(msg.get()));
  std::set<std::string> visible;
  for (const auto* list : {&hdr_to, &hdr_cc}) {
    for (const auto& a : *list) {
      visible.insert(util::to_lower(a));
    }
  }
  std::set<std::string> seen;
  auto add = [&](const std::string& a, std::string_view field) -> Result<void> {
    PEERMAIL_TRY_ASSIGN(auto m, parse_address(a, field));
    if (!seen.insert(m.address).second) {
      return {};
    }
    if (!opts.recipients_from_headers) {
      (visible.count(m.address) != 0 ? c.to : c.bcc).push_back(m);
      return {};
    }
    if (field == "To") {
      c.to.push_back(m);
    } else if (field == "Cc") {
      c.cc.push_back(m);
    } else if (visible.count(m.address) != 0) {
      c.to.push_back(m);
    } else {
      c.bcc.push_back(m);
    }
    return {};
  };
  if (opts.recipients_from_headers) {
    for (const auto& a : hdr_to) {
      PEERMAIL_TRY(add(a, "To"));
    }
    for (const auto& a : hdr_cc) {
      PEERMAIL_TRY(add(a, "Cc"));
    }
    for (const auto& a : hdr_bcc) {
      PEERMAIL_TRY(add(a, "Bcc"));
    }
  }
  for (const auto& a : opts.extra_recipients) {
    PEERMAIL_TRY(add(a, "recipient argument"));
  }
  if (c.to.empty() && c.cc.empty() && c.bcc.empty()) {
    return fail(Errc::usage,
                opts.recipients_from_headers ? "no recipients in To, Cc or Bcc"
                                             : "no recipients: give ADDR arguments or -t");
  }
  if (seen.size() > ComposeLimits{}.max_recipients) {
    return fail(Errc::data, "too many recipients");
  }

  // No Bcc header travels in any copy.
  while (g_mime_object_remove_header(obj, "Bcc")) {
  }
  while (g_mime_object_remove_header(obj, "Resent-Bcc")) {
  }
  if (g_mime_message_get_date(msg.get()) == nullptr) {
    DateTime now(g_date_time_new_now_local());
    g_mime_message_set_date(msg.get(), now.get());
  }
  const char* mid = g_mime_message_get_message_id(msg.get());
  if (mid == nullptr || *mid == '\0') {
    c.message_id = make_message_id(address::domain_of(opts.identity.address));
    g_mime_message_set_message_id(msg.get(), c.message_id.c_str());
  } else {
    c.message_id = mid;
  }
  if (g_mime_object_get_header(obj, "MIME-Version") == nullptr) {
    g_mime_object_set_header(obj, "MIME-Version", "1.0", nullptr);
  }
  PEERMAIL_TRY(normalize_text(msg.get()));
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  PEERMAIL_TRY_ASSIGN(c.size, write_message(obj, out.get()));
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return std::make_pair(std::move(c), std::move(text));
}

} // namespace peermail::mime
