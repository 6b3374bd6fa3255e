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

const char* const k_smime =
  "From: Ana <ana@clinic.test>\n"
  "To: Kim <kim@lab.test>\n"
  "Message-ID: <s1@clinic.test>\n"
  "MIME-Version: 1.0\n"
  "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; "
  "name=smime.p7m\n"
  "Content-Transfer-Encoding: base64\n"
  "Content-Disposition: attachment; filename=smime.p7m\n"
  "\n"
  "MIAGCSqGSIb3DQEHA6CAMIACAQA=\n";

// k_smime with `from` replaced by `to`.
std::string
smime_variant(const std::string& from, const std::string& to)
{
  std::string s = k_smime;
  if (!from.empty()) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
  }
  return s;
}

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
    CHECK(bad.error().message
          == "Cc: \"nodomain@localhost\" is not a valid email address: the domain has no dot (a "
             "name like \"localhost\" is not a mail domain)");
    auto quoted = parse_outgoing("From: a@b.test\nTo: \"a b\"@c.test\n\nx\n");
    REQUIRE_FALSE(quoted);
    CHECK(quoted.error().message.find("To: \"\"a b\"@c.test\" is not a valid email address: the "
                                      "part before @")
          == 0);
  }
}

TEST_SUITE("peermail::mime::parse_outgoing strict PGP/MIME")
{
  // k_pgp with `from` replaced by `to`.
  std::string variant(std::string_view from, std::string_view to)
  {
    std::string s = k_pgp;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    return s;
  }

  Protection protection(const std::string& msg)
  {
    auto m = parse_outgoing(msg);
    REQUIRE(m);
    return m->protection;
  }

  TEST_CASE("mime::parse_outgoing: the armored block is the ciphertext")
  {
    auto m = parse_outgoing(k_pgp);
    REQUIRE(m);
    CHECK(m->ciphertext == "-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----");
    CHECK(m->not_protected_reason.empty());
  }

  TEST_CASE("mime::parse_outgoing: anything but the strict structure is not protected")
  {
    // Text after the armor, before it, a second block, a comment header.
    CHECK(protection(variant("-----END PGP MESSAGE-----\n", "-----END PGP MESSAGE-----\nPHI\n"))
          == Protection::none);
    CHECK(protection(variant("-----BEGIN PGP MESSAGE-----\n", "PHI\n-----BEGIN PGP MESSAGE-----\n"))
          == Protection::none);
    CHECK(protection(variant("wcBMA\n",
                             "wcBMA\n-----END PGP MESSAGE-----\n-----BEGIN PGP "
                             "MESSAGE-----\n\nwcBMA\n"))
          == Protection::none);
    CHECK(protection(variant("-----BEGIN PGP MESSAGE-----\n\n",
                             "-----BEGIN PGP MESSAGE-----\nComment: PHI\n\n"))
          == Protection::none);
    CHECK(protection(variant("wcBMA\n", "wcBMA\nnot radix 64!\n")) == Protection::none);
    // A third part, a missing Version part, a wrong version.
    CHECK(protection(variant("--b--\n", "--b\nContent-Type: text/plain\n\nPHI\n--b--\n"))
          == Protection::none);
    CHECK(protection(variant("\n\nVersion: 1\n", "\n\nVersion: 2\n")) == Protection::none);
    CHECK(
      protection(variant("Content-Type: application/pgp-encrypted\n", "Content-Type: text/plain\n"))
      == Protection::none);
    CHECK(
      protection(variant("Content-Type: application/octet-stream\n", "Content-Type: text/plain\n"))
      == Protection::none);
    // Preamble and epilogue travel in clear.
    CHECK(protection(variant("\n--b\nContent-Type: application/pgp-encrypted",
                             "\nPotassium 6.1\n--b\nContent-Type: application/pgp-encrypted"))
          == Protection::none);
    CHECK(protection(variant("--b--\n", "--b--\nPHI in the epilogue\n")) == Protection::none);
    // The notice PGP/MIME writers put into the preamble is fine; so is a
    // Version armor header.
    CHECK(protection(variant("\n--b\nContent-Type: application/pgp-encrypted",
                             "\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and "
                             "3156)\n--b\nContent-Type: application/pgp-encrypted"))
          == Protection::pgp_mime_encrypted);
    CHECK(protection(variant("-----BEGIN PGP MESSAGE-----\n\n",
                             "-----BEGIN PGP MESSAGE-----\nVersion: GnuPG v2\n\n"))
          == Protection::pgp_mime_encrypted);
    auto m = parse_outgoing(variant("--b--\n", "--b\nContent-Type: text/plain\n\nPHI\n--b--\n"));
    REQUIRE(m);
    CHECK(m->not_protected_reason.find("exactly two parts") != std::string::npos);
    CHECK(m->ciphertext.empty());
  }

  TEST_CASE("mime::parse_outgoing: strict S/MIME enveloped-data, the DER is the ciphertext")
  {
    // "MIAGCSqGSIb3DQEHA6CAMIACAQA=" is the start of a BER EnvelopedData.
    const std::string der(
      "\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03\xa0\x80\x30"
      "\x80\x02\x01\x00",
      20);
    auto m = parse_outgoing(smime_variant("", ""));
    REQUIRE(m);
    CHECK(m->protection == Protection::smime_enveloped);
    CHECK(m->ciphertext == der);
    CHECK(m->not_protected_reason.empty());
    // Case of the type, the x- form, authEnveloped-data: the same.
    CHECK(protection(smime_variant("smime-type=enveloped-data", "smime-type=Enveloped-Data"))
          == Protection::smime_enveloped);
    CHECK(protection(smime_variant("application/pkcs7-mime", "application/x-pkcs7-mime"))
          == Protection::smime_enveloped);
    CHECK_FALSE(m->smime_authenticated);
    auto auth =
      parse_outgoing(smime_variant("smime-type=enveloped-data", "smime-type=authEnveloped-data"));
    REQUIRE(auth);
    CHECK(auth->protection == Protection::smime_enveloped);
    CHECK(auth->smime_authenticated);
  }

  TEST_CASE("mime::parse_outgoing: anything but strict S/MIME enveloped-data is not protected")
  {
    const auto reason = [](const std::string& from, const std::string& to) {
      auto m = parse_outgoing(smime_variant(from, to));
      REQUIRE(m);
      CHECK(m->protection == Protection::none);
      CHECK(m->ciphertext.empty());
      return m->not_protected_reason;
    };
    // Not encrypted: signed-data, certs-only, no smime-type.
    CHECK(reason("smime-type=enveloped-data", "smime-type=signed-data")
          == "its smime-type is signed-data, not enveloped-data: it is not encrypted (RFC 8551 "
             "§3.2.2)");
    CHECK(reason("smime-type=enveloped-data", "smime-type=certs-only")
          == "its smime-type is certs-only, not enveloped-data: it is not encrypted (RFC 8551 "
             "§3.2.2)");
    CHECK(reason("; smime-type=enveloped-data", "")
          == "its smime-type is missing, not enveloped-data: it is not encrypted (RFC 8551 "
             "§3.2.2)");
    // Two Content-Type or Content-Transfer-Encoding headers: readers differ.
    CHECK(reason("MIME-Version: 1.0\n", "MIME-Version: 1.0\nContent-Type: text/plain\n")
          == "it has more than one Content-Type header; readers would differ on what it is");
    CHECK(reason("MIME-Version: 1.0\n", "MIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\n")
          == "it has more than one Content-Transfer-Encoding header; readers would differ on "
             "what it is");
    // Not base64, or text a base64 decoder would skip.
    const std::string not_base64 =
      "the S/MIME part must be base64 and hold nothing else (text there would travel in clear)";
    CHECK(reason("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: 7bit")
          == not_base64);
    CHECK(reason("Content-Transfer-Encoding: base64\n", "") == not_base64);
    CHECK(reason("CAQA=\n", "CAQA=\nPotassium is 6.1!\n") == not_base64);
    CHECK(reason("CAQA=\n", "CAQA=\nUEhJ\n") == not_base64);
    CHECK(reason("MIAGCSqG", "MIAG.CSqG") == not_base64);
    CHECK(reason("CAQA=\n", "\n") == not_base64); // not whole groups of four
    // Not a single part.
    CHECK(reason("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
                 "multipart/mixed; boundary=b")
            .empty());
  }

  TEST_CASE("mime::armor_problem: exactly one armored PGP MESSAGE")
  {
    CHECK(armor_problem("\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEM+/a=\r\n=AbCd\r\n"
                        "-----END PGP MESSAGE-----\r\n\r\n")
          == "");
    CHECK(armor_problem("hello\n-----BEGIN PGP MESSAGE-----\n\nhQEM\n-----END PGP MESSAGE-----")
            .find("outside the armor")
          != std::string::npos);
    CHECK(armor_problem("-----BEGIN PGP MESSAGE-----\n\nhQEM\n-----END PGP MESSAGE-----\nbye")
            .find("outside the armor")
          != std::string::npos);
    CHECK(armor_problem("-----BEGIN PGP MESSAGE-----\n\nhQEM\nxx-----END PGP MESSAGE-----") != "");
    CHECK(armor_problem("-----BEGIN PGP MESSAGE-----\nhQEM\n-----END PGP MESSAGE-----") != "");
    CHECK(armor_problem("-----BEGIN PGP MESSAGE----- PHI\n\nhQEM\n-----END PGP MESSAGE-----")
          != "");
    CHECK(armor_problem("") != "");
  }
}
