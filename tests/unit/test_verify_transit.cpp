// SPDX-License-Identifier: GPL-3.0-or-later
// What verify hands to the signature check when relays, providers and
// mailing lists handled a genuine multipart/signed message: the same signed
// bytes whatever the framing (line endings, headers added, boundary,
// parameters, preamble), other bytes when the signed part changed, and
// never "covers all" with text beside the signed part. The verdicts with
// real signatures: tests/integration/suites/verify_mangled.bash.
#include <peermail/mime/inspect.hpp>
#include <peermail/mime/strict.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace peermail;

namespace {

const std::string k_signed_part =
  "Content-Type: text/plain; charset=utf-8\n"
  "\n"
  "Patient 4711: please call me.\n";

const std::string k_armor =
  "-----BEGIN PGP SIGNATURE-----\n"
  "\n"
  "iHUEABYIAB0WIQQAAAAAAAAAAAAAAAAAAAAAAAAAAAUCaxXZLQAKCRAAAAAAAAAA\n"
  "=AAAA\n"
  "-----END PGP SIGNATURE-----\n";

const std::string k_ct =
  "Content-Type: multipart/signed; micalg=pgp-sha256;\n"
  " protocol=\"application/pgp-signature\"; boundary=\"SIG\"\n";

std::string
message(const std::string& outer_extra = "",
        const std::string& content_type = k_ct,
        const std::string& boundary = "SIG",
        const std::string& preamble = "",
        const std::string& epilogue = "")
{
  return outer_extra
         + "From: Alice <alice@clinic.test>\nTo: Bob <bob@clinic.test>\nSubject: Results\n"
           "MIME-Version: 1.0\n"
         + content_type + "\n" + preamble + "--" + boundary + "\n" + k_signed_part + "\n--"
         + boundary + "\nContent-Type: application/pgp-signature; name=\"signature.asc\"\n\n"
         + k_armor + "\n--" + boundary + "--\n" + epilogue;
}

std::string
crlf(const std::string& s)
{
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
      out += '\r';
    }
    out += s[i];
  }
  return out;
}

std::string
replace_all(std::string s, const std::string& from, const std::string& to)
{
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

mime::Inspection
inspected(const std::string& bytes)
{
  auto ins = mime::inspect(bytes);
  REQUIRE(ins.has_value());
  return *ins;
}

struct Case
{
  std::string name;
  std::string bytes;
};

} // namespace

TEST_SUITE("peermail::verify")
{
  TEST_CASE("transit: relays that leave the signed bytes alone hand the same bytes to the check")
  {
    const auto genuine = inspected(message());
    REQUIRE(genuine.shape == mime::Shape::signed_mime);
    REQUIRE(genuine.malformed.empty());
    REQUIRE(genuine.covers_all);
    CHECK(genuine.signed_content == crlf(k_signed_part));
    const std::string relay =
      "Received: from mx.provider.example\n\tby mail.clinic.test; Sat, "
      "05 Dec 2026 10:00:05 +0000\n"
      "DKIM-Signature: v=1; a=rsa-sha256; d=clinic.test;\n b=YmF6\n"
      "ARC-Seal: i=1; cv=none\nAuthentication-Results: mx; dkim=pass\n"
      "X-Spam-Status: No\nReturn-Path: <alice@clinic.test>\n";
    const std::string renamed = "----=_Part_4711_1733392803.1733392803000";
    const std::vector<Case> cases = {
      {"whole message CRLF",                                          crlf(message())     },
      {"outer headers CRLF only",
       [] {
         std::string m = message();
         const auto end = m.find("\n\n");
         return crlf(m.substr(0, end)) + m.substr(end);
       }()                                                                                },
      {"relay headers",                                               message(relay)      },
      {"relay headers, CRLF",                                         crlf(message(relay))},
      {"parameters reordered",
       message("",
       "Content-Type: multipart/signed; boundary=\"SIG\";\n protocol=\"application/"
               "pgp-signature\"; micalg=pgp-sha256\n")},
      {"parameters unquoted",
       message("",
       "Content-Type: multipart/signed; micalg=pgp-sha256; "
               "protocol=application/pgp-signature; boundary=SIG\n")},
      {"parameters in other case",
       message("",
       "Content-Type: Multipart/Signed; MICALG=PGP-SHA256;\n "
               "Protocol=\"Application/PGP-Signature\"; Boundary=\"SIG\"\n")},
      {"parameters folded with spaces",
       message("",
       "Content-Type:   multipart/signed ;\n\tmicalg = pgp-sha256 ;\n\tprotocol = "
               "\"application/pgp-signature\" ;\n\tboundary = \"SIG\"  \n")},
      {"boundary renamed",
       message("",                                                                          replace_all(k_ct, "\"SIG\"", "\"" + renamed + "\""), renamed)},
      {"boilerplate preamble",
       message("",                                                                k_ct, "SIG", "This is a multi-part message in MIME format.\n")},
      {"blank epilogue",                                             message("",k_ct, "SIG", "", "\n\n")},
      {"outer Content-Transfer-Encoding",                                                     message("Content-Transfer-Encoding: 7bit\n")                                                                        },
      {"delimiter padding",                                                    replace_all(message(),     "--SIG\n", "--SIG \t\n")},
      {"no final newline",            message().substr(0,                                message().size() - 1)},
      {"signature part CRLF",
       [] {
         std::string m = message();
         const auto sig = m.find("Content-Type: application/pgp-signature");
         return m.substr(0, sig) + crlf(m.substr(sig));
       }()                                        },
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      const auto ins = inspected(c.bytes);
      CHECK(ins.shape == mime::Shape::signed_mime);
      CHECK(ins.malformed.empty());
      CHECK(ins.covers_all);
      CHECK(ins.signed_content == genuine.signed_content);
    }
  }

  TEST_CASE("transit: a changed signed part hands other bytes to the check (bad-signature)")
  {
    const auto genuine = inspected(message());
    const std::vector<Case> cases = {
      {"trailing space in the body",
       replace_all(message(),                                                     "please call me.\n", "please call me.  \n")  },
      {"trailing space after a header of the signed part",
       replace_all(message(),                                                     "charset=utf-8\n",   "charset=utf-8 \n")     },
      {"a banner line inserted",                           replace_all(message(), "\n\nPatient",       "\n\nEXTERNAL\nPatient")},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      const auto ins = inspected(c.bytes);
      CHECK(ins.shape == mime::Shape::signed_mime);
      CHECK(ins.malformed.empty());
      CHECK(ins.signed_content != genuine.signed_content);
    }
  }

  TEST_CASE("transit: a list footer or banner beside the signed part is never covered")
  {
    const std::string footer = "--\nclinic-list mailing list\n";
    std::string body = message();
    const auto ct = body.find("Content-Type: multipart/signed");
    const std::string wrapped =
      body.substr(0, ct) + "Content-Type: multipart/mixed; boundary=\"LIST\"\n\n--LIST\n"
      + body.substr(ct) + "\n--LIST\nContent-Type: text/plain\n\n" + footer + "\n--LIST--\n";
    const std::vector<Case> cases = {
      {"footer in the epilogue", message("",              k_ct,                           "SIG", "",                           footer)},
      {"footer part after wrapping in multipart/mixed",                        wrapped},
      {"preamble that is not boilerplate",                    message("",                                      k_ct, "SIG",      "CAUTION: external sender.\n")},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      const auto ins = inspected(c.bytes);
      CHECK(ins.shape == mime::Shape::signed_mime);
      CHECK(ins.malformed.empty());
      CHECK_FALSE(ins.covers_all);
    }
  }

  // Python's email package, and other writers, end a signed multipart at
  // its close delimiter: the CRLF after it belongs to the next delimiter
  // (RFC 2046 §5.1.1). GMime writes a line break there; the bytes as
  // received are what was signed (was: malformed at the root,
  // bad-signature inside a list's multipart/mixed).
  TEST_CASE("transit: a signed multipart that ends at its close delimiter")
  {
    const std::string inner =
      "Content-Type: multipart/mixed; boundary=\"I\"\n\n--I\n"
      "Content-Type: multipart/alternative; boundary=\"A\"\n\n--A\n"
      "Content-Type: text/plain\n\nhi\n--A\nContent-Type: text/html\n\n"
      "<p>hi</p>\n--A--\n--I\nContent-Type: text/plain\n\nmore\n--I--";
    const std::string signed_msg =
      "From: <alice@clinic.test>\nMIME-Version: 1.0\n" + k_ct + "\n--SIG\n" + inner
      + "\n--SIG\nContent-Type: application/pgp-signature\n\n" + k_armor + "\n--SIG--\n";
    const auto root = inspected(signed_msg);
    CHECK(root.malformed == "");
    CHECK(root.covers_all);
    CHECK(root.signed_content == crlf(inner));
    const auto ct = signed_msg.find("Content-Type: multipart/signed");
    const std::string wrapped =
      signed_msg.substr(0, ct) + "Content-Type: multipart/mixed; boundary=\"LIST\"\n\n--LIST\n"
      + signed_msg.substr(ct) + "--LIST\nContent-Type: text/plain\n\nfooter\n--LIST--\n";
    const auto nested = inspected(wrapped);
    CHECK(nested.malformed == "");
    CHECK_FALSE(nested.covers_all);
    CHECK(nested.signed_content == crlf(inner));
    // A part GMime reads that is not the received one is still malformed.
    const auto injected =
      inspected(replace_all(wrapped,
                            "--SIG\nContent-Type: multipart/mixed; boundary=\"I\"\n",
                            "--SIG\nContent-Type: multipart/mixed; boundary=\"I\"\nURGENT stop\n"));
    CHECK(injected.malformed != "");
  }

  TEST_CASE("transit: raw_part and close_delimiter_line_breaks")
  {
    const std::string m = "H: 1\n\npre\n--b\nA\n--b \nB\r\n--b--\nepilogue\n";
    CHECK(mime::raw_part(m, "b", 0).value() == "A");
    CHECK(mime::raw_part(m, "b", 1).value() == "B");
    CHECK_FALSE(mime::raw_part(m, "b", 2).has_value());
    CHECK_FALSE(mime::raw_part(m, "c", 0).has_value());
    CHECK(mime::close_delimiter_line_breaks("x\r\n--A--") == "x\r\n--A--\r\n");
    CHECK(mime::close_delimiter_line_breaks("--A--\r\n\r\n\r\n--I--\r\n") == "--A--\r\n--I--\r\n");
    CHECK(mime::close_delimiter_line_breaks("a\r\n\r\nb") == "a\r\n\r\nb");
    CHECK(mime::close_delimiter_line_breaks("-- --\r\n\r\nb") == "-- --\r\n\r\nb");
  }
}
