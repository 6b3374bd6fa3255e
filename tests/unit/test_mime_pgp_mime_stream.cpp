// SPDX-License-Identifier: GPL-3.0-or-later
// The streaming split (prepare_fd, write_inner, CrlfNormalizer and the
// encrypted_head/tail pieces) must produce exactly what the in-memory path
// (prepare, assemble_encrypted) produces.
#include <peermail/mime/pgp_mime.hpp>
#include <peermail/util/fd_io.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace peermail;

namespace {

std::string
attachment_b64(std::size_t lines)
{
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) {
    out += std::string(76, static_cast<char>('A' + static_cast<int>(i % 26))) + "\r\n";
  }
  return out;
}

const std::string k_text_message =
  "From: Ana Ruiz <ana@clinic.test>\n"
  "To: Sam <sam@hospital.test>, b@x.test\n"
  "Cc: c@x.test\n"
  "Bcc: hidden@x.test\n"
  "Subject: Lab results\n"
  "Date: Mon, 30 Nov 2026 10:00:00 +0000\n"
  "Message-ID: <m1@clinic.test>\n"
  "Content-Type: text/plain; charset=utf-8\n"
  "Content-Transfer-Encoding: 8bit\n"
  "\n"
  "From the lab\n"
  "trailing space \n"
  "caf\xc3\xa9\n";

std::string
multipart_message(std::size_t attachment_lines)
{
  return "From: Ana Ruiz <ana@clinic.test>\r\n"
         "To: sam@hospital.test\r\n"
         "Bcc: hidden@x.test\r\n"
         "Subject: =?utf-8?q?R=C3=A9sultats?=\r\n"
         "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
         "Message-ID: <m2@clinic.test>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"=-b1\"\r\n"
         "\r\n"
         "--=-b1\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 7bit\r\n"
         "\r\n"
         "See attached.\r\n"
         "--=-b1\r\n"
         "Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
         "Content-Disposition: attachment; filename=\"a.bin\"\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n"
         + attachment_b64(attachment_lines) + "--=-b1--\r\n";
}

std::string
read_back(const util::TempFile& f)
{
  REQUIRE(f.rewind());
  auto r = util::read_fd(f.fd());
  REQUIRE(r);
  return *r;
}

// Split `message` both ways and compare every piece.
void
check_same_split(const std::string& message, mime::SubjectProtection subject)
{
  auto mem = mime::prepare(message, subject);
  REQUIRE(mem);
  auto in = util::TempFile::create();
  REQUIRE(in);
  REQUIRE(util::write_fd(in->fd(), message));
  REQUIRE(in->rewind());
  auto sp = mime::prepare_fd(in->fd(), subject);
  REQUIRE(sp);
  CHECK(sp->head.inner.empty());
  CHECK(sp->head.outer_headers == mem->outer_headers);
  CHECK(sp->head.message_id == mem->message_id);
  CHECK(sp->head.from_address == mem->from_address);
  CHECK(sp->head.recipients == mem->recipients);

  auto inner = util::TempFile::create();
  REQUIRE(inner);
  REQUIRE(sp->write_inner(inner->fd()));
  const std::string raw = read_back(*inner);
  // Normalize in odd-sized chunks, as a stream would.
  mime::CrlfNormalizer n;
  std::string streamed;
  for (std::size_t i = 0; i < raw.size(); i += 7) {
    n.feed(std::string_view(raw).substr(i, 7), streamed);
  }
  n.finish(streamed);
  CHECK(streamed.size() == mem->inner.size());
  CHECK(streamed == mem->inner);
}

} // namespace

TEST_SUITE("peermail::mime::pgp_mime (streaming)")
{
  TEST_CASE("prepare_fd + write_inner equal prepare(): text message re-encoded, LF input")
  {
    check_same_split(k_text_message, mime::SubjectProtection::placeholder);
    check_same_split(k_text_message, mime::SubjectProtection::keep);
  }

  TEST_CASE("prepare_fd + write_inner equal prepare(): multipart with a large base64 attachment")
  {
    check_same_split(multipart_message(20000), mime::SubjectProtection::placeholder);
  }

  TEST_CASE("prepare_fd: the same errors as prepare()")
  {
    auto in = util::TempFile::create();
    REQUIRE(in);
    REQUIRE(util::write_fd(in->fd(), "To: sam@hospital.test\r\nSubject: x\r\n\r\nbody\r\n"));
    REQUIRE(in->rewind());
    auto sp = mime::prepare_fd(in->fd(), mime::SubjectProtection::placeholder);
    REQUIRE_FALSE(sp);
    CHECK(sp.error().code == Errc::data);
    CHECK(sp.error().message == "the message must have exactly one From address (found 0)");
  }

  TEST_CASE("prepare_fd: a bare CR in a header is refused like prepare(); in the body it is not")
  {
    const std::string bad_header =
      "From: ana@clinic.test\nTo: sam@hospital.test\nX-Ref: 1\rBcc: e@x.test\n"
      "Subject: x\n\nbody\n";
    const std::string cr_last = "From: ana@clinic.test\nTo: sam@hospital.test\n\r";
    const std::string bad_body =
      "From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\n"
      "Date: Mon, 30 Nov 2026 10:00:00 +0000\nMessage-ID: <m3@clinic.test>\n"
      "\nbo\rdy\n";
    for (const std::string& m : {bad_header, cr_last, bad_body}) {
      auto mem = mime::prepare(m, mime::SubjectProtection::placeholder);
      auto in = util::TempFile::create();
      REQUIRE(in);
      REQUIRE(util::write_fd(in->fd(), m));
      REQUIRE(in->rewind());
      auto sp = mime::prepare_fd(in->fd(), mime::SubjectProtection::placeholder);
      REQUIRE(bool(sp) == bool(mem));
      if (!mem) {
        CHECK(sp.error().message == mem.error().message);
      }
    }
    CHECK_FALSE(mime::prepare(bad_header, mime::SubjectProtection::placeholder));
    check_same_split(bad_body, mime::SubjectProtection::placeholder);
  }

  TEST_CASE("CrlfNormalizer equals to_crlf across every chunk split")
  {
    const std::string text = "a\nb\r\nc\rd\r\r\n\n\re\r";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
      mime::CrlfNormalizer n;
      std::string out;
      n.feed(std::string_view(text).substr(0, cut), out);
      n.feed(std::string_view(text).substr(cut), out);
      n.finish(out);
      CHECK(out == mime::to_crlf(text));
    }
  }

  TEST_CASE("encrypted_head + ciphertext + encrypted_tail equal assemble_encrypted()")
  {
    auto p = mime::prepare(k_text_message, mime::SubjectProtection::placeholder);
    REQUIRE(p);
    for (const std::string& ct :
         {std::string("-----BEGIN PGP MESSAGE-----\n\nhQ\n=ab\n-----END PGP MESSAGE-----\n"),
          std::string("no newline at end"),
          std::string()}) {
      const std::string whole = mime::assemble_encrypted(*p, ct);
      const auto at = whole.find("boundary=\"") + 10;
      const std::string b = whole.substr(at, whole.find('"', at) - at);
      const bool ended = ct.empty() || ct.back() == '\n';
      CHECK(whole
            == mime::encrypted_head(*p, b) + mime::to_crlf(ct) + mime::encrypted_tail(b, ended));
    }
    const std::string b1 = mime::new_boundary();
    CHECK(b1.rfind("=-pm-", 0) == 0);
    CHECK(b1 != mime::new_boundary());
  }
}
