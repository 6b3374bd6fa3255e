// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/util/fingerprint.hpp>
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

  TEST_CASE("util::is_full_fingerprint and full_fingerprint: the one fingerprint rule")
  {
    const std::string v4 = "0EE165F481CBE1241781B902A09524D1030AFB3F";
    CHECK(util::is_full_fingerprint(v4));
    CHECK(util::is_full_fingerprint(std::string(64, 'A')));
    CHECK_FALSE(util::is_full_fingerprint(v4.substr(24))); // a long key ID
    CHECK_FALSE(util::is_full_fingerprint(std::string(39, 'A') + "G"));
    CHECK_FALSE(
      util::is_full_fingerprint("0ee165f481cbe1241781b902a09524d1030afb3f")); // not normalised
    CHECK(*util::full_fingerprint("0ee1 65f4 81cb e124 1781  b902 a095 24d1 030a fb3f") == v4);
    const auto id = util::full_fingerprint("A09524D1030AFB3F");
    REQUIRE_FALSE(id);
    CHECK(id.error().code == peermail::Errc::usage);
    CHECK(id.error().check_id == "E2E-04");
    CHECK(id.error().message
          == "FPR must be a full fingerprint (40 or 64 hex digits), not a key ID");
  }
}
