// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/batch/preflight.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

using namespace peermail;

namespace {

config::Identity
ana()
{
  config::Identity id;
  id.from = "Ana Ruiz <ana@clinic.test>";
  id.display_name = "Ana Ruiz";
  id.address = "ana@clinic.test";
  return id;
}

} // namespace

TEST_SUITE("batch::preflight")
{
  TEST_CASE("personal_message adds the Message-ID, To when absent, and From")
  {
    auto m =
      batch::personal_message("Subject: hello\n\nbody\n", "sam@x.test", "abc@clinic.test", ana());
    REQUIRE(m.has_value());
    CHECK(m->find("Message-ID: <abc@clinic.test>") != std::string::npos);
    CHECK(m->find("To: <sam@x.test>") != std::string::npos);
    CHECK(m->find("From: Ana Ruiz <ana@clinic.test>") != std::string::npos);
    CHECK(m->find("body") != std::string::npos);
  }

  TEST_CASE("personal_message keeps a To that names the row's email")
  {
    auto m = batch::personal_message(
      "From: ana@clinic.test\r\nTo: Sam <SAM@x.test>\r\nSubject: s\r\n\r\nb\r\n",
      "sam@x.test",
      "id1@clinic.test",
      ana());
    REQUIRE(m.has_value());
    CHECK(m->find("Message-ID: <id1@clinic.test>") != std::string::npos);
  }

  TEST_CASE("personal_message refuses other recipients, Message-ID and a foreign From")
  {
    auto wrong_to =
      batch::personal_message("To: kim@x.test\n\nb\n", "sam@x.test", "i@c.test", ana());
    REQUIRE_FALSE(wrong_to.has_value());
    CHECK(wrong_to.error().code == Errc::data);
    CHECK(wrong_to.error().message
          == "the template's To header does not name exactly the row's email");

    auto cc = batch::personal_message("Cc: kim@x.test\n\nb\n", "sam@x.test", "i@c.test", ana());
    REQUIRE_FALSE(cc.has_value());
    CHECK(cc.error().message.find("Cc header") != std::string::npos);

    auto mid = batch::personal_message("Message-ID: <x@y>\n\nb\n", "sam@x.test", "i@c.test", ana());
    REQUIRE_FALSE(mid.has_value());
    CHECK(mid.error().code == Errc::data);

    auto from =
      batch::personal_message("From: eve@evil.test\n\nb\n", "sam@x.test", "i@c.test", ana());
    REQUIRE_FALSE(from.has_value());
    CHECK(from.error().check_id == "SIG-01");
  }

  TEST_CASE("shard_of is stable, case-insensitive and partitions")
  {
    CHECK(batch::shard_of("a@x.test", 1) == 0);
    CHECK(batch::shard_of("Sam@X.test", 7) == batch::shard_of("sam@x.test", 7));
    std::map<std::size_t, int> counts;
    for (int i = 0; i < 300; ++i) {
      const auto s = batch::shard_of("p" + std::to_string(i) + "@people.test", 3);
      REQUIRE(s < 3);
      ++counts[s];
    }
    CHECK(counts.size() == 3);
    for (const auto& count : counts) { // clang 14 cannot capture bindings
      CHECK_MESSAGE(count.second > 60, count.first);
    }
  }

  TEST_CASE("deterministic_message_id depends on the batch and the address only")
  {
    const auto a = batch::deterministic_message_id("k1", "Sam@x.test", "clinic.test");
    CHECK(a == batch::deterministic_message_id("k1", "sam@x.test", "clinic.test"));
    CHECK(a != batch::deterministic_message_id("k2", "sam@x.test", "clinic.test"));
    CHECK(a != batch::deterministic_message_id("k1", "kim@x.test", "clinic.test"));
    CHECK(a.size() == 32 + 1 + 11);
    CHECK(a.substr(32) == "@clinic.test");
  }
}
