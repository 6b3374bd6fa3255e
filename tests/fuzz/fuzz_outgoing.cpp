// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz the parsers of outgoing messages: mime::parse_outgoing (send
// --message, batch), mime::prepare (encrypt/sign) and
// mime::prepare_submission (sendmail). Never a crash, hang or leak; what is
// accepted never carries a Bcc header, and every envelope address is valid.
#include <peermail/mime/compose.hpp>
#include <peermail/mime/envelope.hpp>
#include <peermail/mime/pgp_mime.hpp>

#include <gmime/gmime.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

// Abort (a libFuzzer crash) naming the broken invariant.
void
fail_invariant(const char* what)
{
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

#define check(cond) ((cond) ? (void)0 : fail_invariant(#cond))

bool
has_bcc_header(std::string_view wire)
{
  const auto end = wire.find("\r\n\r\n");
  const std::string_view head = wire.substr(0, end);
  for (std::size_t pos = 0; pos < head.size();) {
    const auto eol = head.find("\r\n", pos);
    const std::string_view line =
      head.substr(pos, eol == std::string_view::npos ? head.npos : eol - pos);
    if (line.size() >= 4 && (line[0] | 0x20) == 'b' && (line[1] | 0x20) == 'c'
        && (line[2] | 0x20) == 'c' && line[3] == ':') {
      return true;
    }
    if (eol == std::string_view::npos) {
      break;
    }
    pos = eol + 2;
  }
  return false;
}

} // namespace

extern "C" int
LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/)
{
  g_mime_init();
  return 0;
}

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace peermail;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto out = mime::parse_outgoing(in); out) {
    for (const auto& a : out->all_recipients()) {
      check(a.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    }
  }

  if (auto p = mime::prepare(in, mime::SubjectProtection::placeholder); p) {
    check(!has_bcc_header(p->outer_headers));
    check(p->from_address.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  }
  (void)mime::read_addresses(in);

  mime::SubmissionOptions opts;
  opts.identity = {"Fuzz", "fuzz@example.org"};
  opts.recipients_from_headers = size % 2 == 0;
  opts.extra_recipients = {"rcpt@example.net"};
  if (auto s = mime::prepare_submission(in, opts); s) {
    const auto& [composed, wire] = *s;
    check(composed.from.address == "fuzz@example.org");
    for (const auto* list : {&composed.to, &composed.cc, &composed.bcc}) {
      for (const auto& m : *list) {
        check(peermail::address::is_valid_address(m.address));
      }
    }
    // The submission text goes on to mime::prepare; what that accepts must
    // not carry a Bcc header in the outer (unencrypted) headers. (A bare CR
    // in a header would turn into one: prepare refuses it.)
    if (auto p = mime::prepare(wire, mime::SubjectProtection::placeholder); p) {
      check(!has_bcc_header(p->outer_headers));
    }
  }
  return 0;
}
