// SPDX-License-Identifier: GPL-3.0-or-later
// util::edit_text: the user's $EDITOR on a private file that never outlives
// the call (the text may be PHI).
#include "testutil.hpp"

#include <peermail/util/editor.hpp>

#include <doctest/doctest.h>

#include <filesystem>

using peermail::Errc;
using peermail::util::edit_text;

namespace {

// Number of entries left in `dir`.
std::size_t
entries(const std::string& dir)
{
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("edit_text returns what the editor saved and removes the file and its directory")
{
  peermail::test::TempDir tmp;
  // $EDITOR may carry arguments: the file name arrives as the last one.
  auto t = edit_text("printf 'line one\\nline two\\n' >", "$EDITOR", tmp.path(), 1 << 20);
  REQUIRE(t);
  CHECK(*t == "line one\nline two\n");
  CHECK(entries(tmp.path()) == 0);
}

TEST_CASE("edit_text: the file is 0600 in a 0700 directory; an editor's leftovers go too")
{
  peermail::test::TempDir tmp;
  const std::string log = tmp.path() + "/../pmunit-editor-modes";
  const std::string editor = "f() { stat -c %a \"$1\" \"$(dirname \"$1\")\" >" + log
                             + "; printf x >\"$1\"; : >\"$1.swp\"; : >\"$1~\"; }; f";
  auto t = edit_text(editor, "$EDITOR", tmp.path(), 1 << 20);
  REQUIRE(t);
  CHECK(*t == "x");
  CHECK(entries(tmp.path()) == 0);
  std::FILE* f = std::fopen(log.c_str(), "r");
  REQUIRE(f != nullptr);
  char buf[32] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::remove(log.c_str());
  CHECK(std::string(buf, n) == "600\n700\n");
}

TEST_CASE("edit_text: an editor that fails or dies sends nothing and leaves nothing")
{
  peermail::test::TempDir tmp;
  auto e = edit_text("printf secret >\"$1\"; false", "$VISUAL", tmp.path(), 1 << 20);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::usage);
  CHECK(e.error().message == "$VISUAL exited with status 1; nothing was sent");
  CHECK(entries(tmp.path()) == 0);
  auto k = edit_text("kill -9 $$; :", "$EDITOR", tmp.path(), 1 << 20);
  REQUIRE_FALSE(k);
  CHECK(k.error().message == "$EDITOR was stopped by a signal; nothing was sent");
  CHECK(entries(tmp.path()) == 0);
}

TEST_CASE("edit_text: more than max_bytes is data; a missing tmp dir is io")
{
  peermail::test::TempDir tmp;
  auto big = edit_text("printf 0123456789 >", "$EDITOR", tmp.path(), 4);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == Errc::data);
  CHECK(entries(tmp.path()) == 0);
  auto io = edit_text("true", "$EDITOR", tmp.path() + "/missing", 4);
  REQUIRE_FALSE(io);
  CHECK(io.error().code == Errc::io);
}
