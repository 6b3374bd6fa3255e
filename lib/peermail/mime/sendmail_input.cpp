// SPDX-License-Identifier: GPL-3.0-or-later
#include "sendmail_input.hpp"

#include "addresses.hpp"
#include "gobject.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gmime/gmime.h>

#include <strings.h>

#include <array>
#include <string>
#include <vector>

namespace peermail::mime {

namespace {

// The longest X-Original-From value kept (one header line, RFC 5322 §2.1.1).
constexpr std::size_t k_max_original_from = 900;

constexpr std::array<const char*, 3> k_recipient_headers = {"To", "Cc", "Bcc"};

bool
is_recipient_header(const char* name)
{
  for (const char* h : k_recipient_headers) {
    if (::strcasecmp(name, h) == 0) {
      return true;
    }
  }
  return false;
}

// The raw value of `h` on one line, without control characters, bounded:
// never a line break into the headers it is copied to.
std::string
one_line(GMimeHeader* h)
{
  // terminal_safe() turns CR, LF, tabs and other controls into '?'.
  std::string v(util::trim(util::terminal_safe(str(g_mime_header_get_raw_value(h)))));
  if (v.size() > k_max_original_from) {
    v.resize(k_max_original_from);
  }
  return v;
}

// Refuse a To, Cc or Bcc header holding an address that is not valid (a
// header GMime reads as empty but that holds text counts too: "To: bob@").
Result<void>
check_recipient_headers(GMimeHeaderList* headers)
{
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const char* name = g_mime_header_get_name(h);
    if (name == nullptr || !is_recipient_header(name)) {
      continue;
    }
    auto list = parse_address_header(h);
    const auto addrs = envelope_addresses(list.get());
    const std::string raw(util::trim(str(g_mime_header_get_raw_value(h))));
    if (internet_address_list_length(list.get()) == 0 && !raw.empty()) {
      std::string shown = util::terminal_safe(raw);
      if (shown.size() > 80) {
        shown = shown.substr(0, 80) + "...";
      }
      return fail(Errc::data,
                  fmt::format("{}: \"{}\" is not a valid email address: no address could be "
                              "read from it",
                              name,
                              shown),
                  "",
                  "write one address like user@example.org or \"Name <user@example.org>\"");
    }
    for (const auto& a : addrs) {
      PEERMAIL_TRY(parse_address(a, name));
    }
  }
  return {};
}

void
remove_all(GMimeObject* obj, const char* name)
{
  while (g_mime_object_remove_header(obj, name)) {
  }
}

void
set_mailbox(InternetAddressList* list, const Mailbox& m)
{
  InternetAddress* a = internet_address_mailbox_new(
    m.display_name.empty() ? nullptr : m.display_name.c_str(), m.address.c_str());
  internet_address_list_add(list, a);
  g_object_unref(a);
}

} // namespace

bool
starts_with_header(std::string_view raw)
{
  std::size_t i = 0;
  while (i < raw.size() && raw[i] != ':') {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 33 || c > 126) {
      return false;
    }
    ++i;
  }
  return i > 0 && i < raw.size();
}

Result<std::string>
normalize_sendmail_input(std::string_view raw, const SubmissionOptions& opts, ForeignFrom from)
{
  if (raw.size() > opts.max_bytes || raw.find('\0') != std::string_view::npos) {
    return std::string(raw); // prepare_submission() refuses it with its reason
  }
  bool changed = false;
  std::string text;
  if (!starts_with_header(raw)) {
    text.reserve(raw.size() + 1);
    text.append("\n").append(raw);
    raw = text;
    changed = true;
  }
  auto msg = parse_gmime_message(raw);
  if (!msg) {
    return fail(Errc::data, "stdin is not an RFC 5322 message");
  }
  GMimeObject* obj = GMIME_OBJECT(msg.get());
  GMimeHeaderList* headers = g_mime_object_get_header_list(obj);
  PEERMAIL_TRY(check_recipient_headers(headers));

  PEERMAIL_TRY_ASSIGN(const auto froms, from_addresses(headers));
  bool foreign = false;
  for (const auto& f : froms) {
    foreign = foreign || util::to_lower(f) != opts.identity.address;
  }
  if (foreign && from == ForeignFrom::refuse) {
    return fail(Errc::usage,
                fmt::format("From <{}> is not the configured identity <{}>: the signer must "
                            "match From",
                            util::terminal_safe(froms.size() == 1 ? froms[0] : froms.back()),
                            opts.identity.address),
                "SIG-01",
                "send from the identity address; for cron and scripts that write their own "
                "From, set rewrite_from = true in [identity] (the original is kept as "
                "X-Original-From)");
  }
  if (foreign) {
    GMimeHeader* first = g_mime_header_list_get_header(headers, "From");
    const std::string original = first != nullptr ? one_line(first) : std::string();
    remove_all(obj, "From");
    remove_all(obj, "Sender");
    remove_all(obj, "X-Original-From");
    set_mailbox(g_mime_message_get_from(msg.get()), opts.identity);
    if (!original.empty()) {
      g_mime_object_set_header(obj, "X-Original-From", original.c_str(), nullptr);
    }
    changed = true;
  }

  const bool has_to = g_mime_header_list_contains(headers, "To") != 0
                      || g_mime_header_list_contains(headers, "Cc") != 0;
  if (!has_to && !opts.recipients_from_headers && !opts.extra_recipients.empty()) {
    for (const auto& a : opts.extra_recipients) {
      PEERMAIL_TRY_ASSIGN(auto m, parse_address(a, "recipient argument"));
      set_mailbox(g_mime_message_get_to(msg.get()), m);
    }
    changed = true;
  }
  if (!changed) {
    return std::string(raw);
  }
  return to_bytes(obj, nullptr);
}

} // namespace peermail::mime
