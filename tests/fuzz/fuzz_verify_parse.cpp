// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz the network- and GnuPG-free half of `verify`: MIME structure
// inspection (mime::inspect), verdict precedence (decide) and the rebuilding
// of a decrypted message (restore_decrypted). Any bytes must give an Error
// or an Inspection, never a crash, hang or leak; a malformed structure
// always decides `malformed`, an unsigned one never decides `valid`.
#include <peermail/mime/inspect.hpp>
#include <peermail/verify/verify.hpp>

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
  using namespace peermail::verify;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto ins = mime::inspect(in);
  if (!ins) {
    check(ins.error().code == Errc::data);
    return 0;
  }
  // The verdict the Verifier would reach before any cryptography.
  VerifyReport r;
  r.from = ins->from;
  r.malformed = !ins->malformed.empty();
  r.encrypted =
    ins->shape == mime::Shape::encrypted_mime || ins->shape == mime::Shape::inline_encrypted;
  r.fully_covered = ins->covers_all;
  r.from_matches_signer = from_matches_signer(r.from, r.signatures);
  const Verdict v = decide(r);
  check(v != Verdict::valid);
  if (r.malformed) {
    check(v == Verdict::malformed);
  }
  if (ins->shape == mime::Shape::plain && !r.malformed) {
    check(v == Verdict::unsigned_);
    check(ins->payload.empty() && ins->signature.empty());
  }
  check(!to_string(v).empty());
  // The header rule runs over whatever the parser found.
  auto cover = mime::judge_headers(ins->outer_fields, ins->protected_headers, r.encrypted);
  check(cover.differing.size() <= cover.unsigned_names.size());
  // A decrypted entity is judged by the same parser; its rebuild must not
  // crash either (the fuzz input plays both outer and inner message).
  const std::size_t half = size / 2;
  auto restored = mime::restore_decrypted(in.substr(0, half), in.substr(half));
  (void)restored;
  return 0;
}
