// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz `send` composition and header validation: addresses, subject and body
// come from the fuzzer (CR, LF and NUL included). What compose() accepts must
// parse back to exactly the validated sender and recipients, with no Bcc
// header: no input can inject a header or a recipient.
#include <peermail/mime/compose.hpp>
#include <peermail/mime/envelope.hpp>

#include <gmime/gmime.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// Abort (a libFuzzer crash) naming the broken invariant.
void
fail_invariant(const char* what)
{
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

#define check(cond) ((cond) ? (void)0 : fail_invariant(#cond))

std::vector<std::string>
addresses(const std::vector<peermail::mime::Mailbox>& list)
{
  std::vector<std::string> out;
  for (const auto& m : list) {
    out.push_back(m.address);
  }
  return out;
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
  FuzzedDataProvider fdp(data, size);
  mime::ComposeRequest req;
  req.from = fdp.ConsumeRandomLengthString(128);
  const auto n_to = fdp.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < n_to; ++i) {
    req.to.push_back(fdp.ConsumeRandomLengthString(128));
  }
  if (fdp.ConsumeBool()) {
    req.cc.push_back(fdp.ConsumeRandomLengthString(128));
  }
  if (fdp.ConsumeBool()) {
    req.bcc.push_back(fdp.ConsumeRandomLengthString(128));
  }
  req.subject = fdp.ConsumeRandomLengthString(1024);
  req.date = 1700000000;
  req.message_id = fdp.ConsumeBool() ? fdp.ConsumeRandomLengthString(64) : std::string();
  req.body = fdp.ConsumeRemainingBytesAsString();

  // Each address alone: an accepted mailbox is one clean addr-spec.
  for (const auto* list : {&req.to, &req.cc, &req.bcc}) {
    for (const auto& a : *list) {
      if (auto m = mime::parse_address(a, "--to"); m) {
        check(peermail::address::is_valid_address(m->address));
        check(m->address.find_first_of(std::string_view("\r\n\0 ,<>\"", 8)) == std::string::npos);
        check(m->display_name.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
      }
    }
  }

  auto c = mime::compose(req);
  if (!c) {
    return 0;
  }
  const auto& [composed, text] = *c;
  auto back = mime::parse_outgoing(text);
  auto lower = [](std::vector<std::string> v) {
    for (auto& s : v) {
      for (auto& ch : s) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
    }
    return v;
  };
  if (!back) {
    std::fprintf(
      stderr, "parse_outgoing refused what compose wrote: %s\n", back.error().message.c_str());
  }
  check(back.has_value());
  // Envelope addresses keep internationalised domains in their ASCII form
  // (is_valid_address admits only A-labels that round-trip).
  auto same = [&](const std::vector<std::string>& got, const std::vector<std::string>& want) {
    return lower(got) == lower(want);
  };
  check(same(back->from, {composed.from.address}));
  check(same(back->to, addresses(composed.to)));
  check(same(back->cc, addresses(composed.cc)));
  check(back->bcc.empty());
  // A caller-given Message-ID is only checked for CR/LF/NUL by validate()
  // (internal callers give well-formed ones), so compare generated ones.
  if (req.message_id.empty()) {
    check(back->message_id == composed.message_id);
  }
  return 0;
}
