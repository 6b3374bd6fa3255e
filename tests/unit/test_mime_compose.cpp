// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/mime/compose.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>
#include <gmime/gmime.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

using namespace peermail;
using namespace peermail::mime;
using peermail::test::write_file;

namespace {

ComposeRequest
basic()
{
  ComposeRequest r;
  r.from = "Ana Ruiz <ana@clinic.test>";
  r.to = {"Sam Lee <Sam.Lee@Hospital.test>"};
  r.cc = {"cc@hospital.test"};
  r.bcc = {"hidden@hospital.test"};
  r.subject = "Follow-up";
  r.body = "Hello Sam,\nsee you.\n";
  r.date = 1767225600; // 2026-01-01
  return r;
}

std::string
header_block(const std::string& msg)
{
  return msg.substr(0, msg.find("\r\n\r\n") + 2);
}

// Decode the content of the first attachment part with GMime.
std::string
first_attachment(const std::string& msg)
{
  GMimeStream* in = g_mime_stream_mem_new_with_buffer(msg.data(), msg.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(in);
  GMimeMessage* m = g_mime_parser_construct_message(parser, nullptr);
  std::string out;
  GMimeObject* body = g_mime_message_get_mime_part(m);
  REQUIRE(GMIME_IS_MULTIPART(body));
  GMimeObject* part = g_mime_multipart_get_part(GMIME_MULTIPART(body), 1);
  GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(part));
  GMimeStream* mem = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(w, mem);
  GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  out.assign(reinterpret_cast<const char*>(a->data), a->len);
  g_object_unref(mem);
  g_object_unref(m);
  g_object_unref(parser);
  g_object_unref(in);
  return out;
}

} // namespace

TEST_SUITE("peermail::mime::compose")
{
  TEST_CASE("mime::compose: headers, no Bcc, CRLF, 7bit text")
  {
    auto r = compose(basic());
    REQUIRE(r);
    const auto& [c, msg] = *r;
    const auto h = header_block(msg);
    CHECK(h.find("From: Ana Ruiz <ana@clinic.test>\r\n") != std::string::npos);
    CHECK(h.find("To: Sam Lee <sam.lee@hospital.test>\r\n") != std::string::npos);
    CHECK(h.find("Cc: cc@hospital.test\r\n") != std::string::npos);
    CHECK(h.find("Subject: Follow-up\r\n") != std::string::npos);
    CHECK(h.find("Date: ") != std::string::npos);
    CHECK(h.find("Message-Id: <" + c.message_id + ">\r\n") != std::string::npos);
    CHECK(h.find("MIME-Version: 1.0\r\n") != std::string::npos);
    CHECK(h.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    CHECK(h.find("Content-Transfer-Encoding: 7bit\r\n") != std::string::npos);
    CHECK(msg.find("Bcc") == std::string::npos);
    CHECK(msg.find("hidden@") == std::string::npos);
    CHECK(msg.find("Hello Sam,\r\nsee you.\r\n") != std::string::npos);
    CHECK(msg.find("\n") == msg.find("\r\n") + 1);
    REQUIRE(c.bcc.size() == 1);
    CHECK(c.bcc[0].address == "hidden@hospital.test");
    CHECK(c.to[0].address == "sam.lee@hospital.test");
    CHECK(c.message_id.size() == 32 + 1 + std::string("clinic.test").size());
    CHECK(c.message_id.ends_with("@clinic.test"));
    CHECK(c.size == msg.size());
  }

  TEST_CASE("mime::compose: UTF-8 body is quoted-printable, subject RFC 2047")
  {
    auto req = basic();
    req.body = "Grüße\n";
    req.subject = "Übergabe";
    auto r = compose(req);
    REQUIRE(r);
    const auto& msg = r->second;
    CHECK(msg.find("Content-Transfer-Encoding: quoted-printable\r\n") != std::string::npos);
    CHECK(msg.find("Gr=C3=BC=C3=9Fe") != std::string::npos);
    CHECK(msg.find("Subject: =?") != std::string::npos);
  }

  TEST_CASE("mime::compose: attachment is base64, typed, byte for byte")
  {
    test::TempDir dir;
    std::string data = "\x89PNG\r\n\x1a\n";
    for (int i = 0; i < 5000; ++i) {
      data.push_back(static_cast<char>(i * 7));
    }
    const auto path = dir.path() + "/scan.bin";
    write_file(path, data);
    auto req = basic();
    req.attachments.push_back({path, "", ""});
    auto r = compose(req);
    REQUIRE(r);
    const auto& msg = r->second;
    CHECK(msg.find("Content-Type: multipart/mixed;") != std::string::npos);
    CHECK(msg.find("Content-Type: image/png") != std::string::npos);
    CHECK(msg.find("Content-Disposition: attachment; filename=scan.bin") != std::string::npos);
    CHECK(msg.find("Content-Transfer-Encoding: base64") != std::string::npos);
    CHECK(first_attachment(msg) == data);
  }

  TEST_CASE("mime::compose_to_fd: streams into a file")
  {
    test::TempDir dir;
    const auto path = dir.path() + "/out.eml";
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    auto r = compose_to_fd(basic(), fd);
    ::close(fd);
    REQUIRE(r);
    auto text = util::read_file(path);
    REQUIRE(text);
    CHECK(text->size() == r->size);
    CHECK(text->find("Subject: Follow-up\r\n") != std::string::npos);
  }

  TEST_CASE("mime::validate: header injection is refused with data, content not echoed")
  {
    auto req = basic();
    SUBCASE("subject")
    {
      req.subject = "x\r\nBcc: evil@attacker.test";
      auto r = validate(req);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message == "--subject contains a line break or NUL byte (header injection)");
    }
    SUBCASE("to")
    {
      req.to = {"sam@hospital.test\nBcc: evil@attacker.test"};
      auto r = validate(req);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message
            == "--to: an address contains a line break or NUL byte (header injection)");
    }
    SUBCASE("bcc NUL")
    {
      req.bcc = {std::string("a@b.test\0x", 10)};
      auto r = validate(req);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
    }
    SUBCASE("injection wins over other problems")
    {
      req.to = {"not an address"};
      req.subject = "a\rb";
      auto r = validate(req);
      REQUIRE(!r);
      CHECK(r.error().message.starts_with("--subject"));
    }
  }

  TEST_CASE("mime::validate: invalid addresses")
  {
    for (const char* bad : {"sam",
                            "sam@",
                            "@x.test",
                            "sam@localhost",
                            "a b@x.test",
                            "sam@x..test",
                            "sam@-x.test",
                            "a@b@x.test",
                            "Sam <sam@x.test",
                            "Sam <sam@x.test> trailing",
                            ".a@x.test",
                            "a,b@x.test"}) {
      CAPTURE(bad);
      auto req = basic();
      req.to = {bad};
      auto r = validate(req);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message.starts_with("--to: \""));
    }
    // U-labels are accepted and travel as A-labels.
    auto req = basic();
    req.to = {"Kim <kim@bücher.example>"};
    auto r = validate(req);
    REQUIRE(r);
    CHECK(r->to[0].address == "kim@xn--bcher-kva.example");
  }

  TEST_CASE("mime::validate: A-labels must be IDNA2008 that round-trips")
  {
    for (const char* bad :
         {"kim@clc.xn--an2", "kim@xn--bcher-kva.pn--x.test", "kim@xn--ls8h.example"}) {
      CAPTURE(bad);
      auto req = basic();
      req.to = {bad};
      CHECK_FALSE(validate(req));
    }
  }

  TEST_CASE("mime::validate: limits")
  {
    ComposeLimits l;
    l.max_recipients = 2;
    l.max_body_bytes = 10;
    l.max_subject_bytes = 5;
    auto req = basic();
    SUBCASE("recipients")
    {
      auto r = validate(req, l);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message == "3 recipients exceed the limit of 2");
    }
    SUBCASE("subject")
    {
      req.cc.clear();
      auto r = validate(req, l);
      REQUIRE(!r);
      CHECK(r.error().message == "--subject is longer than 5 bytes");
    }
    SUBCASE("body")
    {
      req.cc.clear();
      req.subject = "x";
      auto r = validate(req, l);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message == "the body is larger than 0 MiB");
    }
    SUBCASE("attachment size")
    {
      test::TempDir dir;
      write_file(dir.path() + "/a", std::string(2048, 'x'));
      ComposeLimits small;
      small.max_attachment_bytes = 1024;
      req.attachments.push_back({dir.path() + "/a", "", ""});
      auto r = validate(req, small);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message == "--attach #1: larger than the limit of 0 MiB");
    }
  }

  TEST_CASE("mime::validate: body must be UTF-8; missing attachment is no_input")
  {
    auto req = basic();
    req.body = "caf\xe9\n";
    auto r = validate(req);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::data);
    CHECK(r.error().message == "the body is not UTF-8 text");
    req = basic();
    req.attachments.push_back({"/nonexistent/secret-name.pdf", "", ""});
    r = validate(req);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::no_input);
    CHECK(r.error().message == "--attach #1: cannot read: No such file or directory");
  }

  TEST_CASE("mime::validate: duplicates are kept once, first field wins")
  {
    auto req = basic();
    req.bcc = {"SAM.LEE@hospital.test", "x@hospital.test"};
    auto r = validate(req);
    REQUIRE(r);
    CHECK(r->to.size() == 1);
    REQUIRE(r->bcc.size() == 1);
    CHECK(r->bcc[0].address == "x@hospital.test");
  }

  TEST_CASE("mime::guess_content_type")
  {
    CHECK(guess_content_type("a.pdf", "%PDF-1.7") == "application/pdf");
    CHECK(guess_content_type("a.txt", "%PDF-1.7") == "application/pdf");
    CHECK(guess_content_type("noext", "plain words\n") == "text/plain");
    CHECK(guess_content_type("noext", std::string("\0\1\2", 3)) == "application/octet-stream");
    CHECK(guess_content_type("data.csv", "a,b\n1,2\n") == "text/csv");
    CHECK(guess_content_type("data.csv", std::string("a\0b", 3)) == "application/octet-stream");
    CHECK(guess_content_type("r.DOCX", "PK\x03\x04")
          == "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    CHECK(guess_content_type("x.zip", "PK\x03\x04") == "application/zip");
    CHECK(guess_content_type("x.json", "{}") == "application/json");
  }

  TEST_CASE("mime::prepare_submission: -t, Bcc stripped, From checked")
  {
    SubmissionOptions o;
    o.identity = {"Ana Ruiz", "ana@clinic.test"};
    o.recipients_from_headers = true;
    const std::string raw =
      "From: ana@clinic.test\n"
      "To: Sam <sam@hospital.test>\n"
      "Cc: cc@hospital.test\n"
      "Bcc: hidden@hospital.test, other@hospital.test\n"
      "Subject: report\n"
      "\n"
      "body\n";
    SUBCASE("-t")
    {
      auto r = prepare_submission(raw, o);
      REQUIRE(r);
      const auto& [c, msg] = *r;
      CHECK(c.to.size() == 1);
      CHECK(c.cc.size() == 1);
      REQUIRE(c.bcc.size() == 2);
      CHECK(c.bcc[1].address == "other@hospital.test");
      CHECK(msg.find("Bcc") == std::string::npos);
      CHECK(msg.find("hidden@") == std::string::npos);
      CHECK(msg.find("Message-Id: <") != std::string::npos);
      CHECK(msg.find("Date: ") != std::string::npos);
      CHECK(msg.find("\r\n\r\nbody\r\n") != std::string::npos);
      CHECK(c.message_id.ends_with("@clinic.test"));
    }
    SUBCASE("arguments only: not-visible recipients are Bcc")
    {
      o.recipients_from_headers = false;
      o.extra_recipients = {"sam@hospital.test", "arg@hospital.test"};
      auto r = prepare_submission(raw, o);
      REQUIRE(r);
      CHECK(r->first.to.size() == 1);
      REQUIRE(r->first.bcc.size() == 1);
      CHECK(r->first.bcc[0].address == "arg@hospital.test");
      CHECK(r->second.find("Bcc") == std::string::npos);
    }
    SUBCASE("no recipients")
    {
      o.recipients_from_headers = false;
      auto r = prepare_submission(raw, o);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::usage);
      CHECK(r.error().message == "no recipients: give ADDR arguments or -t");
    }
    SUBCASE("From is someone else")
    {
      auto r = prepare_submission("From: mallory@evil.test\nTo: sam@hospital.test\n\nx\n", o);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::usage);
      CHECK(r.error().check_id == "SIG-01");
    }
    SUBCASE("-f must be the identity")
    {
      o.envelope_from = "other@clinic.test";
      auto r = prepare_submission(raw, o);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::usage);
      CHECK(r.error().message.starts_with("-f other@clinic.test is not the configured identity"));
      o.envelope_from = "ANA@clinic.test";
      CHECK(prepare_submission(raw, o));
    }
    SUBCASE("missing From is added with -F")
    {
      o.full_name = "Dr Ana";
      auto r = prepare_submission("To: sam@hospital.test\nSubject: x\n\nx\n", o);
      REQUIRE(r);
      CHECK(r->second.find("From: Dr Ana <ana@clinic.test>\r\n") != std::string::npos);
      o.full_name = "Dr Jos\xc3\xa9";
      auto utf8 = prepare_submission("To: sam@hospital.test\nSubject: x\n\nx\n", o);
      REQUIRE(utf8);
      CHECK(utf8->second.find("From: Dr =?UTF-8?b?Sm9zw6k=?= <ana@clinic.test>\r\n")
            != std::string::npos);
      o.full_name = "Dr Jos\xe9";
      auto latin1 = prepare_submission("To: sam@hospital.test\nSubject: x\n\nx\n", o);
      REQUIRE_FALSE(latin1);
      CHECK(latin1.error().message == "-F: the name is not UTF-8");
    }
    SUBCASE("invalid recipient")
    {
      auto r = prepare_submission("From: ana@clinic.test\nTo: bogus\n\nx\n", o);
      REQUIRE(!r);
      CHECK(r.error().code == Errc::data);
    }
  }

  TEST_CASE("mime::prepare_submission: the text rule of send (charset=utf-8, RFC 2047 headers)")
  {
    SubmissionOptions o;
    o.identity = {"Ana Ruiz", "ana@clinic.test"};
    o.recipients_from_headers = true;
    const auto headers_of = [](const std::string& msg) {
      return msg.substr(0, msg.find("\r\n\r\n"));
    };
    SUBCASE("a plain UTF-8 message is labelled and 7-bit safe")
    {
      auto r = prepare_submission(
        "From: Jos\xc3\xa9 P\xc3\xa9rez <ana@clinic.test>\n"
        "To: \"M\xc3\xbcller, Kim\" <kim@hospital.test>\n"
        "Subject: Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9\n"
        "\n"
        "Gr\xc3\xbc\xc3\x9f Gott\n",
        o);
      REQUIRE(r);
      const auto& msg = r->second;
      const auto head = headers_of(msg);
      CHECK(std::none_of(
        msg.begin(), msg.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
      CHECK(head.find("Content-Type: text/plain; charset=utf-8") != std::string::npos);
      CHECK(head.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
      CHECK(head.find("Subject: =?UTF-8?") != std::string::npos);
      CHECK(head.find("From: =?UTF-8?") != std::string::npos);
      CHECK(head.find("To: =?UTF-8?") != std::string::npos);
      CHECK(msg.find("Gr=C3=BC=C3=9F Gott") != std::string::npos);
      // GMime reads back what was meant.
      GMimeStream* st = g_mime_stream_mem_new_with_buffer(msg.data(), msg.size());
      GMimeParser* p = g_mime_parser_new_with_stream(st);
      GMimeMessage* m = g_mime_parser_construct_message(p, nullptr);
      REQUIRE(m != nullptr);
      CHECK(std::string(g_mime_message_get_subject(m)) == "Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9");
      InternetAddress* to = internet_address_list_get_address(g_mime_message_get_to(m), 0);
      CHECK(std::string(internet_address_get_name(to)) == "M\xc3\xbcller, Kim");
      g_object_unref(m);
      g_object_unref(p);
      g_object_unref(st);
    }
    SUBCASE("ASCII body without a charset gets charset=utf-8")
    {
      auto r =
        prepare_submission("From: ana@clinic.test\nTo: kim@hospital.test\nSubject: x\n\nhi\n", o);
      REQUIRE(r);
      CHECK(headers_of(r->second).find("Content-Type: text/plain; charset=utf-8")
            != std::string::npos);
    }
    SUBCASE("every text part of a multipart message")
    {
      auto r = prepare_submission(
        "From: ana@clinic.test\nTo: kim@hospital.test\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nol\xc3\xa9\n"
        "--b\nContent-Type: text/plain; charset=iso-8859-1\n\nol\xe9\n--b--\n",
        o);
      REQUIRE(r);
      CHECK(r->second.find("charset=utf-8") != std::string::npos);
      CHECK(r->second.find("ol=C3=A9") != std::string::npos);
      CHECK(r->second.find("charset=iso-8859-1") != std::string::npos); // declared: kept
    }
    SUBCASE("a body that is not UTF-8 is refused")
    {
      auto r = prepare_submission("From: ana@clinic.test\nTo: kim@hospital.test\n\nol\xe9\n", o);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Errc::data);
      CHECK(r.error().message == "the message body is not UTF-8 text");
      CHECK(r.error().fix == "convert it: iconv -f LATIN1 -t UTF-8");
      auto labelled = prepare_submission(
        "From: ana@clinic.test\nTo: kim@hospital.test\nContent-Type: text/plain; "
        "charset=utf-8\n\nol\xe9\n",
        o);
      REQUIRE_FALSE(labelled);
      CHECK(labelled.error().message == "the message body is not UTF-8 text");
    }
    SUBCASE("a header that is not UTF-8 is refused; 8-bit in a structured header too")
    {
      auto r = prepare_submission(
        "From: ana@clinic.test\nTo: kim@hospital.test\nSubject: caf\xe9\n\nx\n", o);
      REQUIRE_FALSE(r);
      CHECK(r.error().message == "the Subject header holds 8-bit text that is not UTF-8");
      auto refs = prepare_submission(
        "From: ana@clinic.test\nTo: kim@hospital.test\nReferences: <caf\xc3\xa9@x.test>\n\nx\n", o);
      REQUIRE_FALSE(refs);
      CHECK(refs.error().message == "the References header holds raw 8-bit text (RFC 5322 §2.2)");
    }
  }
}
