// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/transport/wire.hpp>

#include <doctest/doctest.h>

#include <string>

using peermail::Errc;
using peermail::transport::check_wire;
using peermail::transport::WireCheck;

TEST_SUITE("peermail::transport::check_wire")
{
  TEST_CASE("transport::check_wire: 7-bit CRLF text passes")
  {
    CHECK(check_wire("From: a@b.example\r\n\r\nbody\r\n.\r\n"));
    CHECK(check_wire("no final line end"));
  }

  TEST_CASE("transport::check_wire: bare CR, bare LF, NUL and 8-bit bytes are refused (65)")
  {
    const struct
    {
      std::string bytes;
      std::string message;
    } cases[] = {
      {"a\r.\rMAIL FROM:<x@evil.example>\r\n",
       "the message to submit contains a bare CR (a CR not followed by LF) at byte 1" },
      {"a\r\nb\n.\r\n",
       "the message to submit contains a bare LF (an LF not preceded by CR) at byte 4"},
      {std::string("a\r\nb\0c",                6),                                      "the message to submit contains a NUL byte at byte 4"},
      {"a\r\nJos\xc3\xa9\r\n",
       "the message to submit contains an 8-bit byte (peermail submits 7-bit only: it never "
       "uses 8BITMIME) at byte 6"                                                       },
      {"ends in CR\r",
       "the message to submit contains a bare CR (a CR not followed by LF) at byte 10"        },
    };
    for (const auto& c : cases) {
      CAPTURE(c.message);
      auto r = check_wire(c.bytes);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message.rfind(c.message, 0) == 0);
      CHECK(r.error().message.find("nothing was sent") != std::string::npos);
    }
  }

  TEST_CASE("transport::check_wire: lines of 998 octets pass, 999 are refused")
  {
    CHECK(check_wire(std::string(998, 'x') + "\r\n" + std::string(998, 'y')));
    auto r = check_wire("a\r\n" + std::string(999, 'x') + "\r\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("the message to submit contains a line longer than 998 octets "
                                  "(RFC 5321 §4.5.3.1.6) at byte 1001",
                                  0)
          == 0);
  }

  TEST_CASE("transport::WireCheck: a CRLF split across chunks is one line end")
  {
    WireCheck w;
    w.feed("line one\r");
    w.feed("\nline two\r\n");
    CHECK(w.finish());
    WireCheck bad;
    bad.feed("line one\r");
    bad.feed("x\r\n");
    CHECK_FALSE(bad.finish());
  }
}
