// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/export.hpp>
#include <peermail/audit/seal.hpp>

#include <doctest/doctest.h>

#include <string>

using peermail::Errc;
using namespace peermail::audit;
using nlohmann::json;

namespace {

const std::string k_hash(64, 'a');

json
seal_record(std::uint64_t seq, const std::string& prev)
{
  return {
    {"seq",  seq                               },
    {"prev", prev                              },
    {"seal",
     {{"v", 1},
      {"seq", seq - 1},
      {"hash", prev},
      {"time", "2026-12-06T09:00:00.000Z"},
      {"host", "mail1"},
      {"key", "0123456789ABCDEF0123456789ABCDEF01234567"},
      {"sig", "-----BEGIN PGP SIGNATURE-----"}}}
  };
}

} // namespace

TEST_SUITE("peermail::audit::seal")
{
  TEST_CASE("seal_text: the canonical signed text, v1")
  {
    SealHead h{7, k_hash, "2026-12-06T09:00:00.000Z", "mail1"};
    CHECK(seal_text(h)
          == "peermail-seal v1\nseq=7\nhash=" + k_hash
               + "\ntime=2026-12-06T09:00:00.000Z\nhost=mail1\n");
  }

  TEST_CASE("parse_seal: reads a well-formed seal, refuses ambiguous or missing fields")
  {
    auto r = seal_record(8, k_hash);
    auto h = parse_seal(r);
    REQUIRE(h);
    CHECK(h->seq == 7);
    CHECK(h->hash == k_hash);
    CHECK(h->host == "mail1");

    SUBCASE("a newline in the host would forge another line of the signed text")
    {
      r["seal"]["host"] = "mail1\nseq=99";
      CHECK_FALSE(parse_seal(r));
    }
    SUBCASE("a hash that is not 64 lower-case hex digits")
    {
      r["seal"]["hash"] = std::string(64, 'A');
      CHECK_FALSE(parse_seal(r));
    }
    SUBCASE("another version")
    {
      r["seal"]["v"] = 2;
      CHECK_FALSE(parse_seal(r));
    }
    SUBCASE("no signature")
    {
      r["seal"].erase("sig");
      CHECK_FALSE(parse_seal(r));
    }
    SUBCASE("no seal at all")
    {
      r.erase("seal");
      CHECK_FALSE(parse_seal(r));
    }
  }

  TEST_CASE("AuditLog::append_after: appends only onto the head it was given")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    Record r;
    r.action = "audit-test";
    r.outcome = "ok";
    auto first = log->append_after(r, 0, std::string(k_genesis_prev));
    REQUIRE(first);
    CHECK((*first)["seq"] == 1);
    // The head moved (another process appended): nothing is written.
    auto stale = log->append_after(r, 0, std::string(k_genesis_prev));
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == Errc::temp);
    auto second = log->append_after(r, 1, (*first)["hash"].get<std::string>());
    REQUIRE(second);
    CHECK((*second)["seq"] == 2);
    auto last = last_record(path);
    REQUIRE(last);
    CHECK((*last)["seq"] == 2);
  }

  TEST_CASE("to_json: the seal member only on seal records")
  {
    Record r;
    r.action = "send";
    CHECK_FALSE(to_json(r).contains("seal"));
    r.seal = {
      {"v", 1}
    };
    CHECK(to_json(r)["seal"]["v"] == 1);
  }

  TEST_CASE("manifest_text: signs everything but the signature")
  {
    json m = {
      {"peermail_export", 1    },
      {"count",           2    },
      {"signature",       "sig"}
    };
    CHECK(manifest_text(m) == "peermail-export v1\n{\"count\":2,\"peermail_export\":1}");
    CHECK(is_export_manifest(m));
    CHECK_FALSE(is_export_manifest(json{
      {"seq", 1}
    }));
  }
}
