// SPDX-License-Identifier: GPL-3.0-or-later
// The strict reading of received messages (mime/strict.hpp, mime/inspect.hpp):
// what two mail readers could read differently is never left to chance.
#include <peermail/mime/inspect.hpp>
#include <peermail/mime/pgp_mime.hpp>
#include <peermail/mime/strict.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace peermail;
using namespace peermail::mime;

namespace {

const std::string k_sig = "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";

std::string
signed_message(const std::string& outer, const std::string& part, const std::string& sig = k_sig)
{
  return outer
         + "MIME-Version: 1.0\nContent-Type: multipart/signed; "
           "protocol=\"application/pgp-signature\"; boundary=s\n\n--s\n"
         + part + "\n--s\nContent-Type: application/pgp-signature\n\n" + sig + "\n--s--\n";
}

} // namespace

TEST_SUITE("mime::strict")
{
  TEST_CASE("address headers nested past the limit are refused before GMime parses them")
  {
    std::string groups = "To: ";
    for (int i = 0; i < 20000; ++i) {
      groups += "g" + std::to_string(i) + ":";
    }
    CHECK(address_nesting_problem(groups + "\n\nbody\n").find("nests groups") != std::string::npos);
    std::string comments = "From: a@x.test " + std::string(50, '(') + "\n\n";
    CHECK_FALSE(address_nesting_problem(comments).empty());
    // A folded header is one header; an ordinary group is fine.
    CHECK(address_nesting_problem("Cc: team: a@x.test,\n b@x.test;\nSubject: (((((((((x\n\n")
          == "");
    CHECK(address_nesting_problem("To: " + std::string(300 * 1024, 'a') + "\n\n").find("KiB")
          != std::string::npos);
    // inspect() says malformed instead of crashing or taking long.
    const auto start = std::chrono::steady_clock::now();
    auto ins = inspect("From: a@x.test\n" + groups + "\n\nbody\n");
    REQUIRE(ins);
    CHECK_FALSE(ins->malformed.empty());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    // The sending side parses through the same guard: refused, not crashed.
    CHECK(prepare("From: a@x.test\n" + groups + "\n\nbody\n", SubjectProtection::keep).error().code
          == Errc::data);
  }

  TEST_CASE("inspect: every header a reader sees is an outer field")
  {
    auto ins = inspect(
      "From: <a@x.test>\nMail-Followup-To: <m@x.test>\nReply-To: r@x.test\n"
      "Sender: s@x.test\nSubject: s\n\nhi\n");
    REQUIRE(ins);
    std::vector<std::string> names;
    for (const auto& f : ins->outer_fields) {
      names.push_back(f.first);
    }
    CHECK(names
          == std::vector<std::string>{"From", "Mail-Followup-To", "Reply-To", "Sender", "Subject"});
  }

  TEST_CASE("raw_first_part: the bytes between the first two delimiters, as received")
  {
    const std::string m =
      "Content-Type: multipart/signed; boundary=b\n\npre\n--b  \r\nA: 1\r\n\r\n"
      "x\r\n\r\n--b\r\nsig\r\n--b--\r\n";
    CHECK(raw_first_part(m, "b").value() == "A: 1\r\n\r\nx\r\n");
    CHECK_FALSE(raw_first_part(m, "c").has_value());
    // "--bx" is not the delimiter "--b".
    CHECK(raw_first_part("H: 1\n\n--b\nA\n--bx\nB\n--b--\n", "b").value() == "A\n--bx\nB");
  }

  TEST_CASE("armor_only and quiet_preamble are exact")
  {
    CHECK(armor_only(
      "\n" + k_sig + "\n", "-----BEGIN PGP SIGNATURE-----", "-----END PGP SIGNATURE-----"));
    CHECK_FALSE(
      armor_only("note\n" + k_sig, "-----BEGIN PGP SIGNATURE-----", "-----END PGP SIGNATURE-----"));
    CHECK_FALSE(
      armor_only(k_sig + k_sig, "-----BEGIN PGP SIGNATURE-----", "-----END PGP SIGNATURE-----"));
    CHECK(quiet_preamble(std::string(k_signed_preamble) + "\r\n"));
    CHECK_FALSE(quiet_preamble(std::string(k_signed_preamble) + " -- and more"));
  }

  TEST_CASE("inspect: duplicate shown or structural headers are malformed")
  {
    const std::string part = "Content-Type: text/plain\n\nhello";
    for (const std::string& outer :
         {std::string("From: a@x.test\nSubject: a\nSubject: b\n"),
          std::string("From: a@x.test\nContent-Type: text/plain\n"),
          std::string("From: a@x.test\nReply-To: a@x.test\nreply-to: m@x.test\n")}) {
      auto ins = inspect(signed_message(outer, part));
      REQUIRE(ins);
      CHECK(ins->malformed.find("more than one") != std::string::npos);
    }
    // The same header repeated verbatim is not ambiguous.
    auto same = inspect(signed_message("From: a@x.test\nSubject: a\nSubject:  a\n", part));
    REQUIRE(same);
    CHECK(same->malformed == "");
    auto in_part = inspect(signed_message(
      "From: a@x.test\n", "Content-Type: text/plain\nContent-Type: text/html\n\nhi"));
    REQUIRE(in_part);
    CHECK(in_part->malformed.find("MIME part has more than one Content-Type") != std::string::npos);
  }

  TEST_CASE("inspect: the signed part is what was received, or the message is malformed")
  {
    const std::string part = "Content-Type: text/plain\n\nhello";
    auto good = inspect(signed_message("From: a@x.test\n", part));
    REQUIRE(good);
    CHECK(good->malformed == "");
    CHECK(good->signed_content == "Content-Type: text/plain\r\n\r\nhello");
    CHECK(good->covers_all);
    // A line GMime drops from the part's header block.
    auto dropped = inspect(
      signed_message("From: a@x.test\n", "Content-Type: text/plain\nnot a header\n\nhello"));
    REQUIRE(dropped);
    CHECK_FALSE(dropped->malformed.empty());
    // Text before the armor in the signature part.
    auto note = inspect(signed_message("From: a@x.test\n", part, "Trust me.\n" + k_sig));
    REQUIRE(note);
    CHECK(note->malformed.find("outside one armored signature") != std::string::npos);
  }

  TEST_CASE("inspect: From is parsed from the raw header; display names naming addresses")
  {
    auto enc = inspect("From: =?utf-8?q?Mallory_=3Cm=40x.test=3E?= <a@x.test>\n\nhi\n");
    REQUIRE(enc);
    CHECK(enc->from == std::vector<std::string>{"a@x.test"});
    CHECK(enc->from_conflict.find("m@x.test") != std::string::npos);
    auto name = inspect("From: \"boss@x.test\" <eve@x.test>\n\nhi\n");
    REQUIRE(name);
    CHECK(name->from == std::vector<std::string>{"eve@x.test"});
    CHECK_FALSE(name->from_conflict.empty());
    auto fullwidth = inspect("From: \"boss\xef\xbc\xa0x.test\" <eve@x.test>\n\nhi\n");
    REQUIRE(fullwidth);
    CHECK_FALSE(fullwidth->from_conflict.empty());
    for (const char* fine : {"From: \"Eve (eve@x.test)\" <EVE@x.test>\n\nhi\n",
                             "From: Dr. Eve @ Clinic <eve@x.test>\n\nhi\n"}) {
      auto ok = inspect(fine);
      REQUIRE(ok);
      CHECK(ok->from_conflict == "");
    }
  }

  TEST_CASE("inspect: PGP/MIME encrypted parts hold exactly Version: 1 and one armored message")
  {
    const auto encrypted = [](const std::string& version, const std::string& data) {
      return "From: a@x.test\nMIME-Version: 1.0\nContent-Type: multipart/encrypted; "
             "protocol=\"application/pgp-encrypted\"; boundary=e\n\n--e\n"
             "Content-Type: application/pgp-encrypted\n\n"
             + version + "\n--e\nContent-Type: application/octet-stream\n\n" + data + "\n--e--\n";
    };
    const std::string armor = "-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----";
    auto good = inspect(encrypted("Version: 1", armor));
    REQUIRE(good);
    CHECK(good->shape == Shape::encrypted_mime);
    CHECK(good->malformed == "");
    CHECK(good->covers_all);
    CHECK_FALSE(inspect(encrypted("Note\nVersion: 1", armor))->malformed.empty());
    CHECK_FALSE(inspect(encrypted("Version: 1", "Note\n" + armor))->malformed.empty());
  }

  TEST_CASE("inspect: Outlook's re-wrapped PGP/MIME is read as PGP/MIME")
  {
    const std::string m =
      "From: a@x.test\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n"
      "--o\nContent-Type: text/plain\n\n\n--o\nContent-Type: application/pgp-encrypted\n"
      "Content-Disposition: attachment\n\nVersion: 1\n--o\n"
      "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n\n"
      "-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n--o--\n";
    auto ins = inspect(m);
    REQUIRE(ins);
    CHECK(ins->shape == Shape::encrypted_mime);
    CHECK(ins->covers_all);
  }

  TEST_CASE("inspect: inline blocks in HTML, armor headers, S/MIME")
  {
    const std::string block = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nx\n" + k_sig;
    auto html = inspect("From: a@x.test\nContent-Type: text/html\n\n" + block);
    REQUIRE(html);
    CHECK(html->shape == Shape::inline_signed);
    CHECK_FALSE(html->covers_all);
    auto plain = inspect("From: a@x.test\nContent-Type: text/plain\n\n" + block);
    CHECK(plain->covers_all);
    std::string comment = block;
    comment.insert(comment.find("-----BEGIN PGP SIGNATURE-----\n") + 30, "Comment: more\n");
    auto c = inspect("From: a@x.test\nContent-Type: text/plain\n\n" + comment);
    REQUIRE(c);
    CHECK_FALSE(c->covers_all);
    std::string header = block;
    header.insert(header.find("Hash:"), "Comment: unsigned\n");
    CHECK_FALSE(
      inspect("From: a@x.test\nContent-Type: text/plain\n\n" + header)->malformed.empty());
    auto smime = inspect(
      "From: a@x.test\nContent-Type: application/pkcs7-mime; "
      "smime-type=enveloped-data\n\nAAAA\n");
    REQUIRE(smime);
    CHECK(smime->shape == Shape::smime);
    CHECK(smime->smime_encrypted);
  }
}
