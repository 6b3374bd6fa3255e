// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/mime/envelope.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail::mime;

namespace {

const char* const k_pgp =
  "From: Ana <ana@clinic.test>\n"
  "To: Sam <sam@hospital.test>, team: kim@h.test, lee@h.test;\n"
  "Cc: sam@hospital.test\n"
  "Bcc: hidden@h.test\n"
  "Message-ID: <m1@clinic.test>\n"
  "MIME-Version: 1.0\n"
  "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
  "boundary=\"b\"\n"
  "\n"
  "--b\n"
  "Content-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
  "--b\n"
  "Content-Type: application/octet-stream\n\n"
  "-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----\n\n"
  "--b--\n";

} // namespace

TEST_SUITE("peermail::mime::parse_outgoing")
{
  TEST_CASE("mime::parse_outgoing: PGP/MIME recipients, Bcc stripped, CRLF")
  {
    auto m = parse_outgoing(k_pgp);
    REQUIRE(m);
    CHECK(m->protection == Protection::pgp_mime_encrypted);
    CHECK(m->message_id == "m1@clinic.test");
    CHECK(m->from == std::vector<std::string>{"ana@clinic.test"});
    CHECK(m->to == std::vector<std::string>{"sam@hospital.test", "kim@h.test", "lee@h.test"});
    CHECK(m->bcc == std::vector<std::string>{"hidden@h.test"});
    CHECK(m->all_recipients()
          == std::vector<std::string>{
            "sam@hospital.test", "kim@h.test", "lee@h.test", "hidden@h.test"});
    CHECK(m->wire.find("hidden@h.test") == std::string::npos);
    CHECK(m->wire.find("Bcc") == std::string::npos);
    CHECK(m->wire.find("wcBMA\r\n") != std::string::npos);
    CHECK(m->wire.find("\n\n") == std::string::npos);
  }

  TEST_CASE("mime::parse_outgoing: plaintext and other protocols are not protected")
  {
    auto plain = parse_outgoing("From: a@b.test\nTo: c@d.test\nSubject: x\n\nbody\n");
    REQUIRE(plain);
    CHECK(plain->protection == Protection::none);
    auto other = parse_outgoing(
      "To: c@d.test\nContent-Type: multipart/encrypted; "
      "protocol=\"application/x-other\"; boundary=b\n\n--b--\n");
    REQUIRE(other);
    CHECK(other->protection == Protection::none);
    auto smime = parse_outgoing(
      "To: c@d.test\nContent-Type: application/pkcs7-mime; "
      "smime-type=enveloped-data; name=smime.p7m\n"
      "Content-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHA6CAMIACAQA=\n");
    REQUIRE(smime);
    CHECK(smime->protection == Protection::smime_enveloped);
    auto signed_only = parse_outgoing(
      "To: c@d.test\nContent-Type: application/pkcs7-mime; "
      "smime-type=signed-data\n\nMIAG\n");
    REQUIRE(signed_only);
    CHECK(signed_only->protection == Protection::none);
  }

  TEST_CASE("mime::parse_outgoing: empty input")
  {
    auto m = parse_outgoing("  \n");
    REQUIRE_FALSE(m);
    CHECK(m.error().code == peermail::Errc::data);
    CHECK(m.error().message == "the message is empty");
  }
}

TEST_SUITE("peermail::mime::parse_outgoing hostile headers")
{
  // Found by fuzz_outgoing: a bare CR inside a quoted display name let GMime
  // return an "address" holding CR, which would have gone into RCPT TO.
  TEST_CASE("mime::parse_outgoing: a bare CR in a header is refused")
  {
    const std::string in = "From: a@b.test\nTo: \"Same\rBcc: hi, Lee\" <sam@h.test>\n\nx\n";
    auto m = parse_outgoing(in);
    REQUIRE_FALSE(m);
    CHECK(m.error().code == peermail::Errc::data);
    CHECK(m.error().message.find("bare CR") != std::string::npos);
  }

  TEST_CASE("mime::parse_outgoing: an address that is not an addr-spec is refused")
  {
    std::string nul_in = "From: a@b.test\nTo: \"x\" <sam";
    nul_in.push_back('\0');
    nul_in += "y@h.test>\n\nx\n";
    auto nul = parse_outgoing(nul_in);
    if (nul) {
      for (const auto& a : nul->all_recipients()) {
        CHECK(a.find('\0') == std::string::npos);
      }
    }
    auto bad = parse_outgoing("From: a@b.test\nCc: nodomain@localhost\n\nx\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == peermail::Errc::data);
    CHECK(bad.error().message == "the Cc address \"nodomain@localhost\" is not a valid address");
  }
}
