// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/util/strings.hpp>

#include <doctest/doctest.h>

using namespace peermail;

TEST_SUITE("util::strings")
{
  TEST_CASE("terminal_safe: nothing from outside can drive the terminal")
  {
    CHECK(util::terminal_safe("Ana Ruiz <ana@clinic.test>") == "Ana Ruiz <ana@clinic.test>");
    CHECK(util::terminal_safe("Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac")
          == "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac");
    // ESC (C0), CSI as C1 (U+009B), DEL, newline, carriage return.
    CHECK(util::terminal_safe("a\x1b[2Jb") == "a?[2Jb");
    CHECK(util::terminal_safe("a\xc2\x9b"
                              "31mb")
          == "a?31mb");
    CHECK(util::terminal_safe("a\x7f\r\nb") == "a???b");
    // Bidi overrides and isolates (U+202E, U+2066).
    CHECK(util::terminal_safe("x\xe2\x80\xaey\xe2\x81\xa6z") == "x?y?z");
    // Bytes that are not UTF-8, and a truncated sequence.
    CHECK(util::terminal_safe("\xff\xfe"
                              "a\xe6\x97")
          == "??a??");
  }

  TEST_CASE("valid_utf8: GLib's rules, not a hand-written approximation")
  {
    CHECK(util::valid_utf8("Zo\xc3\xab"));
    CHECK_FALSE(util::valid_utf8("\xc0\x80"));         // overlong NUL
    CHECK_FALSE(util::valid_utf8("\xe0\x80\xaf"));     // overlong '/'
    CHECK_FALSE(util::valid_utf8("\xed\xa0\x80"));     // a surrogate
    CHECK_FALSE(util::valid_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
    CHECK_FALSE(util::valid_utf8(std::string("a\0b", 3)));
    CHECK_FALSE(util::valid_utf8("ab\xe6\x97"));
    CHECK(util::valid_utf8("ab\xe6\x97", true));   // cut inside the last character
    CHECK_FALSE(util::valid_utf8("ab\xff", true)); // not the start of any character
  }
}
