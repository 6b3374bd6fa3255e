// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/batch/recipients.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <fstream>
#include <string>
#include <vector>

using peermail::Errc;
using namespace std::string_literals;
using namespace peermail::batch;

namespace {

std::vector<std::string>
problem_texts(const RecipientList& l)
{
  std::vector<std::string> out;
  for (const auto& p : l.problems) {
    out.push_back(to_string(p));
  }
  return out;
}

} // namespace

TEST_SUITE("peermail::batch::recipients")
{
  TEST_CASE("batch::parse_csv: RFC 4180 quoting, CRLF and embedded newlines")
  {
    auto r = parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n1,,3\n");
    REQUIRE(r);
    REQUIRE(r->size() == 3);
    CHECK((*r)[0].fields == std::vector<std::string>{"a", "b", "c"});
    CHECK((*r)[1].fields == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
    CHECK((*r)[1].line == 2);
    CHECK((*r)[2].line == 4);
    CHECK((*r)[2].fields == std::vector<std::string>{"1", "", "3"});
  }

  TEST_CASE("batch::parse_csv: edge cases")
  {
    CHECK(parse_csv("")->empty());
    CHECK(parse_csv("a")->at(0).fields == std::vector<std::string>{"a"});
    CHECK(parse_csv("a,")->at(0).fields == std::vector<std::string>{"a", ""});
    CHECK(parse_csv("\xEF\xBB\xBF"
                    "email\nx@y.z\n")
            ->at(0)
            .fields[0]
          == "email");
    CHECK(parse_csv("a\n\n\nb\n")->size() == 2);
    CHECK(parse_csv("a\n\n\nb\n")->at(1).line == 4);
    CHECK(parse_csv("\"\"\n")->size() == 1); // a quoted empty field is a record
    CHECK(parse_csv("\"a\r\nb\"")->at(0).fields[0] == "a\r\nb");
  }

  TEST_CASE("batch::parse_csv: errors name the line")
  {
    auto unterminated = parse_csv("a\n\"open\nstill open");
    REQUIRE_FALSE(unterminated);
    CHECK(unterminated.error().code == Errc::data);
    CHECK(unterminated.error().message == "line 2: a quoted field is not closed");
    CHECK(parse_csv("a\nb\"c\n").error().message
          == "line 2: a quote inside an unquoted field (quote the field and double the quote)");
    CHECK(parse_csv("\"a\"b\n").error().message == "line 1: characters after a closing quote");
    CHECK(parse_csv("a\rb").error().message == "line 1: a carriage return without line feed");
    CHECK(parse_csv(std::string(20, 'x'), 10).error().message
          == "line 1: a field is longer than 10 bytes");
  }

  TEST_CASE("batch::parse_recipients: CSV rows and fields")
  {
    const auto l = parse_recipients(
      "Email,name,session\r\n"
      " Sam.Lee@Hospital.Example ,Sam,\"Tue, 10:00\"\r\n"
      "kim@clinic.example,Kim,\"Wed\nroom 2\"\r\n",
      RecipientFormat::csv);
    CHECK(l.problems.empty());
    CHECK(l.columns == std::vector<std::string>{"email", "name", "session"});
    REQUIRE(l.rows.size() == 2);
    CHECK(l.rows[0].email == "sam.lee@hospital.example");
    CHECK(l.rows[0].line == 2);
    CHECK(l.rows[0].fields.at("email") == "sam.lee@hospital.example");
    CHECK(l.rows[0].fields.at("session") == "Tue, 10:00");
    CHECK(l.rows[1].fields.at("session") == "Wed\nroom 2");
  }

  TEST_CASE("batch::parse_recipients: all problems are collected")
  {
    const auto l = parse_recipients(
      "email,name\n"
      "good@clinic.example,A\n"
      "not-an-address,B\n"
      ",C\n"
      "GOOD@clinic.example,D\n"
      "x@clinic.example\n"
      "\"evil@clinic.example\r\nBcc: all@x.example\",E\n"
      "nul@clinic.example,\"a\0b\"\n"
      "ok2@clinic.example,F\n"s,
      RecipientFormat::csv);
    CHECK(problem_texts(l)
          == std::vector<std::string>{
            "line 3: email: \"not-an-address\" is not a valid email address: it has no @",
            "line 4: email: is empty",
            "line 5: email: duplicates the address on line 2",
            "line 6: row has 1 field, the header has 2",
            "line 7: email: contains a line break or NUL (header injection)",
            "line 9: name: contains a NUL character",
          });
    REQUIRE(l.rows.size() == 2);
    CHECK(l.rows[1].email == "ok2@clinic.example");
    CHECK(l.rows[1].line == 10);
  }

  TEST_CASE("batch::parse_recipients: a row's own problem is marked row, a file's is not")
  {
    const auto l = parse_recipients(
      "email,name\n"
      "good@clinic.example,A\n"
      "bob@@clinic.example,B\n"
      "x@clinic.example\n"
      "GOOD@clinic.example,D\n",
      RecipientFormat::csv);
    REQUIRE(l.problems.size() == 3);
    for (const auto& p : l.problems) {
      CHECK(p.row);
    }
    // The whole file: a CSV that cannot be parsed, the header, the row limit.
    CHECK_FALSE(parse_recipients("email\n\"x\n", RecipientFormat::csv).problems.at(0).row);
    CHECK_FALSE(parse_recipients("name\nA\n", RecipientFormat::csv).problems.at(0).row);
    RecipientLimits lim;
    lim.max_rows = 1;
    const auto many =
      parse_recipients("email\na@x.example\nb@x.example\n", RecipientFormat::csv, lim);
    CHECK_FALSE(many.problems.at(0).row);
    // JSON Lines: a line that is not an object is that row's problem.
    CHECK(parse_recipients("{\"email\":\"a@x.example\"}\n[1]\n", RecipientFormat::jsonl)
            .problems.at(0)
            .row);
  }

  TEST_CASE("batch::parse_recipients: header problems")
  {
    CHECK(problem_texts(parse_recipients("name,phone\nA,1\n", RecipientFormat::csv))
          == std::vector<std::string>{"line 1: email: no `email` column in the header row"});
    CHECK(problem_texts(parse_recipients("email,name,name\n", RecipientFormat::csv))
          == std::vector<std::string>{"line 1: name: duplicate column name"});
    CHECK(problem_texts(parse_recipients("email,first name\n", RecipientFormat::csv))
          == std::vector<std::string>{
            "line 1: first name: column 2 has an invalid name (letters, digits, _ . - only)"});
    CHECK(
      problem_texts(parse_recipients("", RecipientFormat::csv))
      == std::vector<std::string>{"no header row (a header with an `email` column is required)"});
    CHECK(problem_texts(parse_recipients("email\n", RecipientFormat::csv))
          == std::vector<std::string>{"no recipients"});
    CHECK(problem_texts(parse_recipients("email\n\"x\n", RecipientFormat::csv))
          == std::vector<std::string>{"line 2: a quoted field is not closed"});
  }

  TEST_CASE("batch::parse_recipients: limits")
  {
    RecipientLimits lim;
    lim.max_rows = 2;
    const auto l =
      parse_recipients("email\na@x.example\nb@x.example\nc@x.example\n", RecipientFormat::csv, lim);
    CHECK(problem_texts(l) == std::vector<std::string>{"line 4: more than 2 rows; split the file"});
    CHECK(l.rows.size() == 2);
  }

  TEST_CASE("batch::parse_recipients: JSON Lines")
  {
    const auto l = parse_recipients(
      "{\"email\":\"Sam@Hospital.Example\",\"name\":\"Sam\",\"n\":3}\n"
      "\n"
      "[1,2]\n"
      "{\"name\":\"nobody\"}\n"
      "{\"email\":\"kim@clinic.example\",\"tags\":[\"a\"]}\r\n"
      "{\"email\":\"lee@clinic.example\",\"name\":null,\"vip\":true}\r\n"
      "{broken\n",
      RecipientFormat::jsonl);
    CHECK(problem_texts(l)
          == std::vector<std::string>{
            "line 3: not a JSON object",
            "line 4: email: missing",
            "line 5: tags: nested arrays and objects are not supported",
            "line 7: not a JSON object",
          });
    REQUIRE(l.rows.size() == 2);
    CHECK(l.rows[0].email == "sam@hospital.example");
    CHECK(l.rows[0].fields.at("n") == "3");
    CHECK(l.rows[1].line == 6);
    CHECK(l.rows[1].fields.at("name").empty());
    CHECK(l.rows[1].fields.at("vip") == "true");
    CHECK(l.columns == std::vector<std::string>{"email", "n", "name", "vip"});
  }

  TEST_CASE("batch::detect_format")
  {
    CHECK(detect_format("people.CSV", "{") == RecipientFormat::csv);
    CHECK(detect_format("people.jsonl", "email") == RecipientFormat::jsonl);
    CHECK(detect_format("people.ndjson", "") == RecipientFormat::jsonl);
    CHECK(detect_format("people.txt", "  {\"email\":1}") == RecipientFormat::jsonl);
    CHECK(detect_format("-", "email,name\n") == RecipientFormat::csv);
  }

  TEST_CASE("batch::parse_recipients: emails follow the one address rule")
  {
    const auto l = parse_recipients(
      "email,name\n"
      "sam@localhost,A\n"
      "\"\"\"a b\"\"@c.example\",B\n"
      "Kim@Bücher.Example,C\n"
      "kim@xn--bcher-kva.example,D\n"
      "x@xn--ls8h.example,E\n",
      RecipientFormat::csv);
    CHECK(problem_texts(l)
          == std::vector<std::string>{
            "line 2: email: \"sam@localhost\" is not a valid email address: the domain has no "
            "dot (a name like "
            "\"localhost\" is not a mail domain)",
            "line 3: email: \"\"a b\"@c.example\" is not a valid email address: the part before @ "
            "may hold only ASCII "
            "letters, digits, single inner dots and #$&'*+-/=?^_`{|}~ (no spaces, quotes or @)",
            "line 5: email: duplicates the address on line 4",
            "line 6: email: \"x@xn--ls8h.example\" is not a valid email address: the domain holds "
            "an A-label (xn--) that "
            "is not valid IDNA2008",
          });
    REQUIRE(l.rows.size() == 1);
    CHECK(l.rows[0].email == "kim@xn--bcher-kva.example");
    CHECK(l.rows[0].fields.at("email") == "kim@xn--bcher-kva.example");
  }

  TEST_CASE("batch::read_recipients: a file that is not UTF-8 is refused with the line and the fix")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/people.csv";
    std::ofstream(path) << "email,name\nana@clinic.example,Ana\nsam@clinic.example,Jos\xe9\n";
    auto l = read_recipients(path);
    REQUIRE(l);
    CHECK(problem_texts(*l)
          == std::vector<std::string>{
            fmt::format(
              "line 3: not UTF-8 (convert it: iconv -f LATIN1 -t UTF-8 {} > {}/people-utf8.csv)",
              path,
              dir.path()),
          });
    CHECK(l->rows.empty());
    // A value that is not UTF-8 is refused by the parser too.
    const auto direct =
      parse_recipients("email,name\nsam@clinic.example,Jos\xe9\n", RecipientFormat::csv);
    CHECK(problem_texts(direct)
          == std::vector<std::string>{
            "line 2: name: not UTF-8 (convert the file: iconv -f LATIN1 -t UTF-8)",
          });
    CHECK_FALSE(utf8_problem("a\nb\xc3\xa9\n", "x.csv"));
    CHECK(utf8_problem("a\n\xff", "my file.csv")->message
          == "not UTF-8 (convert it: iconv -f LATIN1 -t UTF-8 'my file.csv' > 'my file-utf8.csv')");
  }

  TEST_CASE("batch::read_recipients: files")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/people.csv";
    std::ofstream(path) << "email,name\nsam@hospital.example,Sam\n";
    auto l = read_recipients(path);
    REQUIRE(l);
    CHECK(l->rows.size() == 1);
    auto missing = read_recipients(dir.path() + "/nope.csv");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::no_input);
  }

  TEST_CASE("batch::detect_delimiter: comma, semicolon (German Excel) or tab, from the header")
  {
    CHECK(detect_delimiter("email,name\n") == ',');
    CHECK(detect_delimiter("email;name;date\r\nx@y.example;A;1\r\n") == ';');
    CHECK(detect_delimiter("\xEF\xBB\xBF"
                           "name;email\n")
          == ';');
    CHECK(detect_delimiter("email\tname\n") == '\t');
    CHECK(detect_delimiter("email\n") == ',');
    CHECK(detect_delimiter("") == ',');
    // The header decides, not a comma inside a quoted header field.
    CHECK(detect_delimiter("\"last, first\";email\n") == ';');
    // No email column under any delimiter: the default (the error names it).
    CHECK(detect_delimiter("a;b\n") == ',');
    // Both split off an email column: the one with more columns wins.
    CHECK(detect_delimiter("email;x,y;z\n") == ';');
  }

  TEST_CASE("batch::parse_recipients: a semicolon CSV with a comma in a value")
  {
    auto l = parse_recipients(
      "email;name;date\n"
      "a@clinic.example;\"Doe; Jane\";01.12.2026\n"
      "b@clinic.example;Roe, Rick;02.12.2026\n",
      RecipientFormat::csv);
    CHECK(problem_texts(l).empty());
    REQUIRE(l.rows.size() == 2);
    CHECK(l.rows[0].fields.at("name") == "Doe; Jane");
    CHECK(l.rows[1].fields.at("name") == "Roe, Rick");
    CHECK(l.delimiter == ';');
    auto tab = parse_recipients("email\tname\nc@clinic.example\tC, D\n", RecipientFormat::csv);
    CHECK(problem_texts(tab).empty());
    REQUIRE(tab.rows.size() == 1);
    CHECK(tab.rows[0].fields.at("name") == "C, D");
  }

  TEST_CASE("batch::parse_recipients: the offending address is shown, terminal-safe and clipped")
  {
    auto l = parse_recipients("email\nbob@\n\"x\x1b[2J@evil\"\n" + std::string(200, 'a') + "\n",
                              RecipientFormat::csv);
    const auto t = problem_texts(l);
    REQUIRE(t.size() == 3);
    CHECK(t[0]
          == "line 2: email: \"bob@\" is not a valid email address: the domain after @ is empty");
    CHECK(t[1].find('\x1b') == std::string::npos);
    CHECK(t[1].rfind("line 3: email: \"x", 0) == 0);
    CHECK(t[2].rfind("line 4: email: \"" + std::string(60, 'a'), 0) == 0);
    CHECK(t[2].find(std::string(100, 'a')) == std::string::npos);
  }

  TEST_CASE("batch::load_recipients: parses the bytes it is given (read once)")
  {
    auto l = load_recipients("people.csv", "email;name\na@clinic.example;A\n");
    CHECK(problem_texts(l).empty());
    CHECK(l.rows.size() == 1);
    auto latin = load_recipients("people.csv", "email\nj\xe9@clinic.example\n");
    CHECK(problem_texts(latin)
          == std::vector<std::string>{
            "line 2: not UTF-8 (convert it: iconv -f LATIN1 -t UTF-8 people.csv > "
            "people-utf8.csv)"});
  }
}
