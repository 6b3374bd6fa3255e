// SPDX-License-Identifier: GPL-3.0-or-later
// mime::read_message: what a person reads of a released plaintext.
#include <peermail/mime/attachments.hpp>

#include <doctest/doctest.h>

#include <string>

using peermail::mime::read_message;

namespace {

// A decrypted message as verify releases it: the protected Subject on top,
// a signed multipart/mixed inside.
const char* const k_message =
  "From: Ana <ana@clinic.test>\r\n"
  "To: Sam <sam@hospital.test>\r\n"
  "Subject: =?UTF-8?Q?Lab_results_f=C3=BCr_bed_12?=\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; "
  "boundary=\"s\"\r\n"
  "\r\n"
  "--s\r\n"
  "Content-Type: multipart/mixed; boundary=\"m\"\r\n"
  "\r\n"
  "--m\r\n"
  "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\n"
  "Content-Disposition: inline\r\n"
  "\r\n"
  "Subject: Lab results\r\n"
  "--m\r\n"
  "Content-Type: multipart/alternative; boundary=\"a\"\r\n"
  "\r\n"
  "--a\r\n"
  "Content-Type: text/plain; charset=iso-8859-1\r\n"
  "Content-Transfer-Encoding: quoted-printable\r\n"
  "\r\n"
  "Potassium 6.1 =E4\r\n"
  "--a\r\n"
  "Content-Type: text/html; charset=utf-8\r\n"
  "\r\n"
  "<p>Potassium 6.1</p>\r\n"
  "--a--\r\n"
  "--m\r\n"
  "Content-Type: application/pdf; name=\"scan.pdf\"\r\n"
  "Content-Disposition: attachment; filename=\"../../etc/scan.pdf\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "JVBERi0xLjQK\r\n"
  "--m\r\n"
  "Content-Type: image/png\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "iVBORw0K\r\n"
  "--m--\r\n"
  "--s\r\n"
  "Content-Type: application/pgp-signature\r\n"
  "\r\n"
  "-----BEGIN PGP SIGNATURE-----\r\n"
  "-----END PGP SIGNATURE-----\r\n"
  "--s--\r\n";

} // namespace

TEST_SUITE("peermail::mime::read_message")
{
  TEST_CASE("mime::read_message: subject, text body, attachments; no signature, no html")
  {
    const auto r = read_message(k_message);
    REQUIRE(r);
    CHECK(r->subject == "Lab results f\u00fcr bed 12");
    CHECK(r->body == "Potassium 6.1 \u00e4");
    REQUIRE(r->attachments.size() == 2);
    CHECK(r->attachments[0].name == "../../etc/scan.pdf"); // as given; saving makes it safe
    CHECK(r->attachments[0].content_type == "application/pdf");
    CHECK(r->attachments[0].content == "%PDF-1.4\n");
    CHECK(r->attachments[1].name.empty());
    CHECK(r->attachments[1].content_type == "image/png");
    CHECK(r->attachments[1].content.size() == 6);
  }

  TEST_CASE("mime::read_message: a plain message is all body; nesting is bounded")
  {
    const auto r = read_message("Subject: hi\r\n\r\nline one\r\nline two\r\n");
    REQUIRE(r);
    CHECK(r->subject == "hi");
    CHECK(r->body == "line one\nline two\n");
    CHECK(r->attachments.empty());

    std::string deep = "Subject: deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n";
    for (int i = 0; i < 40; ++i) {
      deep += "--b" + std::to_string(i) + "\r\nContent-Type: multipart/mixed; boundary=\"b"
              + std::to_string(i + 1) + "\"\r\n\r\n";
    }
    const auto d = read_message(deep);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == peermail::Errc::data);
  }
}
