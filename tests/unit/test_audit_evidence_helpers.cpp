// SPDX-License-Identifier: GPL-3.0-or-later
// The library halves of `audit show/export/verify/seal/test` that the CLI
// once did itself: filter arguments, telling an export from a log, the
// signed-manifest rule, when a run seals, the witness text, `audit test`.
#include "testutil.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/export.hpp>
#include <peermail/audit/filter_args.hpp>
#include <peermail/audit/seal.hpp>
#include <peermail/audit/self_test.hpp>
#include <peermail/audit/witness.hpp>

#include <doctest/doctest.h>

#include <string>

using peermail::Errc;
using namespace peermail::audit;
using nlohmann::json;
using peermail::test::write_file;

TEST_SUITE("peermail::audit::filter_args")
{
  TEST_CASE("make_filter: parses the times and keeps the exact-match fields")
  {
    FilterArgs a;
    a.since = "2026-03-01";
    a.until = "2026-03-02T00:00:00Z";
    a.outcome = "sent";
    a.action = "send";
    a.recipient = "Bob@Example.org";
    a.user = "alice";
    auto f = make_filter(a);
    REQUIRE(f);
    CHECK(f->since_ms == *parse_time("2026-03-01"));
    CHECK(f->until_ms == *parse_time("2026-03-02"));
    CHECK(f->outcome == "sent");
    CHECK(f->action == "send");
    CHECK(f->recipient == "Bob@Example.org");
    CHECK(f->user == "alice");
    auto none = make_filter(FilterArgs{});
    REQUIRE(none);
    CHECK_FALSE(none->since_ms);
    CHECK_FALSE(none->until_ms);
  }

  TEST_CASE("make_filter: a bad time or an unknown outcome is a usage error")
  {
    FilterArgs a;
    a.until = "x";
    auto bad_time = make_filter(a);
    REQUIRE_FALSE(bad_time);
    CHECK(bad_time.error().code == Errc::usage);
    CHECK(bad_time.error().message
          == "invalid time \"x\": expected RFC 3339 (2026-03-01T12:00:00Z) or a date (2026-03-01)");
    FilterArgs b;
    b.outcome = "snet";
    auto bad_outcome = make_filter(b);
    REQUIRE_FALSE(bad_outcome);
    CHECK(bad_outcome.error().code == Errc::usage);
  }

  TEST_CASE("describe_filter: only the set fields, and never user (export v1)")
  {
    CHECK(describe_filter(FilterArgs{}) == json::object());
    FilterArgs a;
    a.since = "2026-03-01";
    a.recipient = "bob@example.org";
    a.user = "alice";
    CHECK(describe_filter(a)
          == json{
            {"since",     "2026-03-01"     },
            {"recipient", "bob@example.org"}
    });
  }
}

TEST_SUITE("peermail::audit::export")
{
  TEST_CASE("is_export_file: only a manifest as the first line")
  {
    peermail::test::TempDir dir;
    const std::string p = dir.path() + "/f";
    write_file(p, "{\"peermail_export\":1,\"count\":0}\n{\"seq\":1}\n");
    CHECK(is_export_file(p));
    write_file(p, "{\"peermail_export\":1}"); // no newline at all
    CHECK(is_export_file(p));
    write_file(p, "{\"seq\":1}\n{\"peermail_export\":1}\n");
    CHECK_FALSE(is_export_file(p));
    write_file(p, "");
    CHECK_FALSE(is_export_file(p));
    write_file(p, "not json\n");
    CHECK_FALSE(is_export_file(p));
    // A first line longer than a record may be is not read whole.
    write_file(p, "{\"peermail_export\":1,\"x\":\"" + std::string(k_max_line_bytes, 'a') + "\"}\n");
    CHECK_FALSE(is_export_file(p));
    CHECK_FALSE(is_export_file(dir.path() + "/missing"));
  }

  TEST_CASE("require_signed_manifest: unsigned is refused only where a seal key is set")
  {
    ExportReport r;
    r.records = 3;
    require_signed_manifest(r, false);
    CHECK(r.ok);
    require_signed_manifest(r, true);
    CHECK_FALSE(r.ok);
    CHECK(r.first_bad_line == 1);
    CHECK(r.records == 3);
    CHECK(r.problem
          == "the export manifest is not signed, but [audit] seal_key is set: anyone could "
             "have rewritten it");
    ExportReport s;
    s.manifest_signed = true;
    require_signed_manifest(s, true);
    CHECK(s.ok);
    ExportReport bad; // an earlier finding stays the finding
    bad.ok = false;
    bad.problem = "record 2 (line 3) was changed: hash mismatch";
    require_signed_manifest(bad, true);
    CHECK(bad.problem == "record 2 (line 3) was changed: hash mismatch");
  }
}

TEST_SUITE("peermail::audit::witness")
{
  TEST_CASE("needs_seal: records after the last seal, not an empty or sealed log")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    write_file(path, "");
    CHECK_FALSE(needs_seal(path));
    auto log = AuditLog::open(path);
    REQUIRE(log);
    Record r;
    r.action = "send";
    r.outcome = "sent";
    REQUIRE(log->append(r));
    CHECK(needs_seal(path));
    Record s;
    s.action = std::string(k_seal_action);
    s.outcome = std::string(k_seal_outcome);
    s.seal = {
      {"v", 1}
    };
    REQUIRE(log->append(s));
    CHECK_FALSE(needs_seal(path));
    REQUIRE(log->append(r));
    CHECK(needs_seal(path));
    // Unreadable: seal() is asked, and says why.
    CHECK(needs_seal(dir.path() + "/missing"));
  }

  TEST_CASE("witness_text: the facts and the command that checks them")
  {
    const json rec = {
      {"seq",  9             },
      {"hash", std::string(64, 'b')},
      {"seal",
       {{"seq", 8},
        {"hash", std::string(64, 'a')},
        {"time", "2026-12-06T09:00:00.000Z"},
        {"host", "mail1"},
        {"key", "0123456789ABCDEF0123456789ABCDEF01234567"}}              }
    };
    const std::string t = witness_text("/var/log/pm.jsonl", rec);
    CHECK(t.find("sealed head:  seq 8 hash " + std::string(64, 'a') + "\n") != std::string::npos);
    CHECK(t.find("seal record:  seq 9 hash " + std::string(64, 'b') + "\n") != std::string::npos);
    CHECK(t.find("host:         mail1\n") != std::string::npos);
    CHECK(t.find("  peermail audit verify --file /var/log/pm.jsonl --anchor " + std::string(64, 'b')
                 + " --expect-seq 9\n")
          != std::string::npos);
    CHECK(t.find(rec.dump()) != std::string::npos);
  }
}

TEST_SUITE("peermail::audit::self_test")
{
  TEST_CASE("append_test_record: a chained audit-test record")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    auto j = append_test_record(path, "alice", std::string(64, 'c'));
    REQUIRE(j);
    CHECK((*j)["seq"] == 1);
    CHECK((*j)["action"] == "audit-test");
    CHECK((*j)["outcome"] == "ok");
    CHECK((*j)["user"] == "alice");
    CHECK((*j)["config_sha256"] == std::string(64, 'c'));
    auto v = verify(path, VerifyOptions{});
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->records == 1);
  }
}
