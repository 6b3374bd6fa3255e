// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/batch/template.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using peermail::Errc;
using namespace peermail::batch;

namespace {

const char* const k_tmpl =
  "From: Ana <ana@clinic.example>\n"
  "To: {{ name }} <{{email}}>\n"
  "Subject: Session {{session}}\n"
  "\n"
  "Dear {{name}},\n"
  "your session: {{session}}\n"
  "{{notes}}\n";

std::vector<std::string>
texts(const std::vector<InputProblem>& ps)
{
  std::vector<std::string> out;
  for (const auto& p : ps) {
    out.push_back(to_string(p));
  }
  return out;
}

} // namespace

TEST_SUITE("peermail::batch::Template")
{
  TEST_CASE("batch::Template: render headers and body")
  {
    std::vector<InputProblem> probs;
    auto t = Template::parse(k_tmpl, probs);
    REQUIRE(t);
    CHECK(probs.empty());
    CHECK(t->fields() == std::set<std::string>{"email", "name", "notes", "session"});
    REQUIRE(t->placeholders().size() == 6);
    CHECK(t->placeholders()[0].field == "name");
    CHECK(t->placeholders()[0].line == 2);
    CHECK(t->placeholders()[0].in_header);
    CHECK_FALSE(t->placeholders()[3].in_header);
    auto out = t->render({
      {"email",   "sam@hospital.example"},
      {"name",    "Sam"                 },
      {"session", "Tue 10:00"           },
      {"notes",   "line one\nline two"  }
    });
    REQUIRE(out);
    CHECK(*out
          == "From: Ana <ana@clinic.example>\n"
             "To: Sam <sam@hospital.example>\n"
             "Subject: Session Tue 10:00\n"
             "\n"
             "Dear Sam,\n"
             "your session: Tue 10:00\n"
             "line one\nline two\n");
  }

  TEST_CASE("batch::Template: header injection is refused, body newlines are fine")
  {
    std::vector<InputProblem> probs;
    auto t = Template::parse(k_tmpl, probs);
    REQUIRE(t);
    const std::map<std::string, std::string> evil = {
      {"email",   "sam@hospital.example"      },
      {"name",    "Sam"                       },
      {"session", "x\r\nBcc: all@evil.example"},
      {"notes",   ""                          }
    };
    auto out = t->render(evil);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::data);
    CHECK(out.error().message
          == "session: contains a line break or NUL and reaches a header (template line 3): "
             "header injection");
    CHECK(out.error().message.find("evil") == std::string::npos);
    CHECK(texts(t->check_row(7, evil))
          == std::vector<std::string>{"line 7: session: contains a line break or NUL and reaches "
                                      "a header (template line 3): header injection"});
    CHECK(texts(t->check_row(
            8,
            {
              {"email", "a@b.example"},
              {       "name",    "A"             },
              { "notes",     std::string("a\0b",                  3)}
    }))
          == std::vector<std::string>{"line 8: session: missing (template line 3 uses it)",
                                      "line 8: notes: contains a NUL character"});
  }

  TEST_CASE("batch::Template: syntax problems are listed with lines")
  {
    std::vector<InputProblem> probs;
    auto t = Template::parse(
      "Subject: {{ subject\n"
      "To: {{email}}\n"
      "\n"
      "Hi {{first name}} and {{}}\n"
      "{{ok}} {{unclosed\n",
      probs);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::data);
    CHECK(t.error().message == "template: 4 problems");
    CHECK(texts(probs)
          == std::vector<std::string>{
            "line 1: \"{{\" is not closed by \"}}\" on the same line",
            "line 4: first name: invalid field name (letters, digits, _ . - only)",
            "line 4: invalid field name (letters, digits, _ . - only)",
            "line 5: \"{{\" is not closed by \"}}\" on the same line",
          });
    std::vector<InputProblem> p3;
    CHECK_FALSE(
      Template::parse("Subject: ok {{a}}\n{{hdr}}: x\nX-{{b}}: y\n  folded {{c}}\n\n{{d}}\n", p3));
    CHECK(texts(p3)
          == std::vector<std::string>{
            "line 2: hdr: a placeholder in a header must come after the colon (header values only)",
            "line 3: b: a placeholder in a header must come after the colon (header values only)"});
    std::vector<InputProblem> p2;
    CHECK_FALSE(Template::parse("\nbody only\n", p2));
    CHECK(texts(p2)
          == std::vector<std::string>{
            "line 1: the template has no header section (it starts with an empty line)"});
  }

  TEST_CASE("batch::Template::check_fields: unknown fields with did-you-mean")
  {
    std::vector<InputProblem> probs;
    auto t = Template::parse("To: {{email}}\nSubject: {{sesion}}\n\n{{name}} {{room}}\n", probs);
    REQUIRE(t);
    CHECK(texts(t->check_fields({"email", "name", "session"}))
          == std::vector<std::string>{
            "line 2: sesion: unknown field {{sesion}}: no such column in the recipients (did you "
            "mean {{session}}?)",
            "line 4: room: unknown field {{room}}: no such column in the recipients"});
    CHECK(t->check_fields({"name", "sesion", "room"}).empty()); // email is always there
  }

  TEST_CASE("batch::Template: CRLF templates and no placeholders")
  {
    std::vector<InputProblem> probs;
    auto t = Template::parse("Subject: hi\r\nTo: {{email}}\r\n\r\nBody {{x}}\r\n", probs);
    REQUIRE(t);
    CHECK(t->placeholders()[0].in_header);
    CHECK_FALSE(t->placeholders()[1].in_header);
    CHECK(*t->render({
            {"email", "a@b.example"},
            {"x",     "1\r\n2"     }
    })
          == "Subject: hi\r\nTo: a@b.example\r\n\r\nBody 1\r\n2\r\n");
    auto plain = Template::parse("Subject: hi\n\nno fields\n", probs);
    REQUIRE(plain);
    CHECK(*plain->render({}) == "Subject: hi\n\nno fields\n");
  }

  TEST_CASE("batch::Template: a display name with specials stays one name (quoted)")
  {
    std::vector<InputProblem> probs;
    auto t = Template::parse(
      "From: Clinic <a@clinic.example>\n"
      "To: {{name}} <{{email}}>\n"
      "Reply-To: \"{{name}}\" <r@clinic.example>\n"
      "Subject: {{name}}\n"
      "\n"
      "Dear {{name}}\n",
      probs);
    REQUIRE(t);
    const auto render = [&](const std::string& name) {
      return *t->render({
        {"name",  name         },
        {"email", "x@y.example"}
      });
    };
    CHECK(render("Ruiz, Ana")
          == "From: Clinic <a@clinic.example>\n"
             "To: \"Ruiz, Ana\" <x@y.example>\n"
             "Reply-To: \"Ruiz, Ana\" <r@clinic.example>\n"
             "Subject: Ruiz, Ana\n"
             "\n"
             "Dear Ruiz, Ana\n");
    CHECK(render("Doe; Jane").find("To: \"Doe; Jane\" <x@y.example>\n") != std::string::npos);
    CHECK(render("Dr. Kim").find("To: \"Dr. Kim\" <x@y.example>\n") != std::string::npos);
    CHECK(render("Sam Lee").find("To: Sam Lee <x@y.example>\n") != std::string::npos);
    // A quote in the value is not escaped away: the address rule refuses it.
    CHECK(render("a\"b").find("To: a\"b <x@y.example>\n") != std::string::npos);
    // Inside <>, or without a following <, a value is not a display name.
    auto bare = Template::parse("To: {{email}}\nSubject: x\n\nb\n", probs);
    REQUIRE(bare);
    CHECK(*bare->render({
            {"email", "x@y.example"}
    })
          == "To: x@y.example\nSubject: x\n\nb\n");
  }
}
