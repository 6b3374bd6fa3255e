// SPDX-License-Identifier: GPL-3.0-or-later
#include "mailbox.hpp"

#include <peermail/util/handle.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <idn2.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace peermail::address {

namespace {

using IdnString = util::Handle<char, idn2_free>;

bool
is_atext(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || (c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

bool
is_control(unsigned char c)
{
  return c < 0x20 || c == 0x7f;
}

bool
is_ascii(std::string_view s)
{
  return std::all_of(
    s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// True when the ASCII `domain` decodes as IDNA2008 and encodes back to
// the same ASCII form (RFC 5890 §2.3.2.1).
bool
round_trips_idna(const std::string& ascii)
{
  char* unicode = nullptr;
  if (idn2_to_unicode_8z8z(ascii.c_str(), &unicode, 0) != IDN2_OK) {
    return false;
  }
  IdnString u(unicode);
  char* back = nullptr;
  const int rc = idn2_to_ascii_8z(u.get(), &back, IDN2_NONTRANSITIONAL);
  IdnString b(back);
  return rc == IDN2_OK && ascii == b.get();
}

// Return the reason the ASCII host name `domain` is refused, or "".
std::string
domain_problem(const std::string& domain)
{
  const auto labels = util::split(domain, '.');
  if (labels.size() < 2) {
    return "the domain has no dot (a name like \"localhost\" is not a mail domain)";
  }
  for (const auto& l : labels) {
    if (l.empty()) {
      return "the domain has an empty label (a leading, trailing or double dot)";
    }
    if (l.size() > 63) {
      return "a domain label is longer than 63 bytes";
    }
    const bool host_chars = std::all_of(l.begin(), l.end(), [](char ch) {
      const auto c = static_cast<unsigned char>(ch);
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!host_chars || l.front() == '-' || l.back() == '-') {
      return "the domain is not a host name (letters, digits and inner hyphens only; no IP "
             "literals)";
    }
  }
  // A domain with A-labels must be valid IDNA2008 that maps back to itself:
  // otherwise readers and MTAs each decode it their own way, and the address
  // a reader sees is not the one mail goes to.
  if (domain.find("xn--") != std::string::npos && !round_trips_idna(domain)) {
    return "the domain holds an A-label (xn--) that is not valid IDNA2008";
  }
  return {};
}

} // namespace

Result<std::string>
check_address(std::string_view address)
{
  if (std::any_of(address.begin(), address.end(), [](char c) {
        return is_control(static_cast<unsigned char>(c));
      })) {
    return fail(Errc::data, "it contains a control character");
  }
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) {
    return fail(Errc::data, "it has no @");
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain_in = address.substr(at + 1);
  if (local.empty()) {
    return fail(Errc::data, "the part before @ is empty");
  }
  if (domain_in.empty()) {
    return fail(Errc::data, "the domain after @ is empty");
  }
  if (local.size() > 64) {
    return fail(Errc::data, "the part before @ is longer than 64 bytes");
  }
  // Local part: dot-atom (RFC 5322 §3.4.1), no leading, trailing or double
  // dot; no quoted strings, no SMTPUTF8 local parts.
  const bool atoms = std::all_of(local.begin(), local.end(), [](char ch) {
    return ch == '.' || is_atext(static_cast<unsigned char>(ch));
  });
  if (!atoms || local.front() == '.' || local.back() == '.'
      || local.find("..") != std::string_view::npos) {
    return fail(Errc::data,
                "the part before @ may hold only ASCII letters, digits, single inner dots and "
                "#$&'*+-/=?^_`{|}~ (no spaces, quotes or @)");
  }
  if (local.find_first_of("%!") != std::string_view::npos) {
    // a%b@relay, a!b@relay: source routing a lenient relay may still follow.
    return fail(Errc::data,
                "the part before @ holds % or ! (old source routing: a relay could forward "
                "the message to another host)");
  }
  std::string domain;
  if (is_ascii(domain_in)) {
    domain = util::to_lower(domain_in);
  } else {
    // U-labels: IDNA2008 with the UTS #46 non-transitional mapping (ß stays ß).
    if (!util::valid_utf8(domain_in)) {
      return fail(Errc::data, "the domain is not UTF-8");
    }
    const std::string in(domain_in);
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(in.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    IdnString ascii(out);
    if (rc != IDN2_OK) {
      return fail(
        Errc::data,
        fmt::format("the domain is not a valid internationalised domain name (IDNA2008: {})",
                    idn2_strerror(rc)));
    }
    domain = util::to_lower(ascii.get());
  }
  if (auto why = domain_problem(domain); !why.empty()) {
    return fail(Errc::data, std::move(why));
  }
  std::string out = util::to_lower(local);
  out += '@';
  out += domain;
  if (out.size() > 254) {
    return fail(Errc::data, "it is longer than 254 bytes");
  }
  return out;
}

bool
is_valid_address(std::string_view address)
{
  if (!is_ascii(address)) {
    return false;
  }
  const auto r = check_address(address);
  return r && *r == util::to_lower(address);
}

Error
invalid(std::string_view field, std::string_view input, std::string_view reason)
{
  const std::string prefix = field.empty() ? std::string() : fmt::format("{}: ", field);
  return Error(
    Errc::data,
    fmt::format(
      "{}\"{}\" is not a valid email address: {}", prefix, util::terminal_safe(input), reason),
    "",
    std::string(k_fix));
}

Result<Mailbox>
parse_mailbox(std::string_view text, std::string_view field, std::size_t max_display_name_bytes)
{
  const std::string prefix = field.empty() ? std::string() : fmt::format("{}: ", field);
  if (util::has_line_break_or_nul(text)) {
    return fail(
      Errc::data,
      fmt::format("{}an address contains a line break or NUL byte (header injection)", prefix));
  }
  const std::string_view t = util::trim(text);
  Mailbox m;
  std::string_view addr = t;
  const auto lt = t.find('<');
  if (lt != std::string_view::npos) {
    const auto gt = t.find('>', lt);
    if (gt == std::string_view::npos || gt + 1 != t.size()
        || t.find('<', lt + 1) != std::string_view::npos) {
      return unexpected(invalid(field, t, "give exactly one address in one pair of <>"));
    }
    addr = util::trim(t.substr(lt + 1, gt - lt - 1));
    std::string_view name = util::trim(t.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    if (name.find_first_of("<>\"") != std::string_view::npos) {
      return unexpected(invalid(field, t, "the display name holds <, > or an inner quote"));
    }
    const bool lookalike_at =
      std::any_of(k_at_lookalikes.begin(), k_at_lookalikes.end(), [&](std::string_view at) {
        return name.find(at) != std::string_view::npos;
      });
    if (name.find('@') != std::string_view::npos || lookalike_at) {
      // "alice@clinic.test" <mallory@…>: a reader takes the name for the address.
      return unexpected(
        invalid(field, t, "the display name holds an @ (a reader could take it for the address)"));
    }
    if (name.size() > max_display_name_bytes) {
      return fail(
        Errc::data,
        fmt::format("{}display name longer than {} bytes", prefix, max_display_name_bytes));
    }
    if (!util::valid_utf8(name)) {
      return fail(Errc::data, fmt::format("{}display name is not valid UTF-8", prefix));
    }
    if (!util::shows_as_is(name)) {
      // An escape sequence or a bidi override redraws what a reader sees.
      return unexpected(
        invalid(field, t, "the display name holds a control or bidirectional-control character"));
    }
    m.display_name = std::string(name);
  }
  auto normal = check_address(addr);
  if (!normal) {
    return unexpected(invalid(field, t, normal.error().message));
  }
  m.address = std::move(*normal);
  return m;
}

std::string
domain_of(std::string_view address)
{
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string("localhost")
                                      : std::string(address.substr(at + 1));
}

} // namespace peermail::address
