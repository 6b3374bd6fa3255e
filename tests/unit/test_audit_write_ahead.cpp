// SPDX-License-Identifier: GPL-3.0-or-later
// The write-ahead protocol of the audit log: "pending" before a submission,
// the outcome with pending_seq after it, and verify() listing pending records
// that were never resolved.
#include "testutil.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/write_ahead.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

using peermail::Errc;
using peermail::Error;
using namespace peermail::audit;
using nlohmann::json;

namespace {

Record
attempt(const std::string& id)
{
  Record r;
  r.action = "send";
  r.message_id = id;
  r.recipients = {"sam.lee@hospital.example"};
  r.signer_fpr = "0123456789ABCDEF0123456789ABCDEF01234567";
  r.recipient_fprs = {"89ABCDEF0123456789ABCDEF0123456789ABCDEF"};
  r.hash_algo = "SHA512";
  r.content_sha256 = std::string(64, 'a');
  r.config_sha256 = std::string(64, 'b');
  r.user = "aruiz";
  return r;
}

Record
pending(const std::string& id)
{
  Record r = attempt(id);
  r.outcome = std::string(k_outcome_pending);
  return r;
}

Record
sent(const std::string& id, std::uint64_t pending_seq)
{
  Record r = attempt(id);
  r.outcome = "sent";
  r.smtp_code = 250;
  r.tls_version = "TLSv1.3";
  r.pending_seq = pending_seq;
  return r;
}

std::uint64_t
append(AuditLog& log, const Record& r)
{
  auto j = log.append(r);
  REQUIRE(j);
  return (*j)["seq"].get<std::uint64_t>();
}

} // namespace

TEST_SUITE("peermail::audit::write_ahead")
{
  TEST_CASE("audit::to_json: pending_seq only on outcome records")
  {
    const json p = to_json(pending("<m@x>"));
    CHECK(p["outcome"] == "pending");
    CHECK(!p.contains("pending_seq"));
    CHECK(p["smtp"]["code"].is_null());
    CHECK(p["tls"]["version"].is_null());
    const json s = to_json(sent("<m@x>", 7));
    CHECK(s["outcome"] == "sent");
    CHECK(s["pending_seq"] == 7);
  }

  TEST_CASE("audit: a pending record and its outcome chain and resolve")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    const auto p1 = append(*log, pending("<a@x>"));
    const auto s1 = append(*log, sent("<a@x>", p1));
    CHECK(p1 == 1);
    CHECK(s1 == 2);
    auto rep = verify(path);
    REQUIRE(rep);
    CHECK(rep->ok);
    CHECK(rep->records == 2);
    CHECK(rep->unresolved.empty());

    // The line on disk holds pending_seq inside the hashed record.
    std::ifstream in(path);
    std::string l1;
    std::string l2;
    std::getline(in, l1);
    std::getline(in, l2);
    CHECK(l1.find("\"outcome\":\"pending\"") != std::string::npos);
    CHECK(l1.find("pending_seq") == std::string::npos);
    CHECK(l2.find("\"pending_seq\":1,") != std::string::npos);
  }

  TEST_CASE("audit::verify: lists pending records without an outcome, chain still ok")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    const auto a = append(*log, pending("<a@x>")); // 1: never resolved (crash)
    const auto b = append(*log, pending("<b@x>")); // 2: resolved by 4
    append(*log, pending("<c@x>"));                // 3: resolved by 5
    append(*log, sent("<b@x>", b));                // 4
    Record failed = attempt("<c@x>");
    failed.outcome = "failed";
    failed.pending_seq = 3;
    append(*log, failed);                          // 5
    const auto d = append(*log, pending("<d@x>")); // 6: outcome lost after 250
    auto rep = verify(path);
    REQUIRE(rep);
    CHECK(rep->ok);
    CHECK(rep->records == 6);
    CHECK(rep->head_seq == 6);
    CHECK(rep->unresolved == std::vector<std::uint64_t>{a, d});
  }

  TEST_CASE("audit::verify: an outcome BEFORE its pending record does not resolve it")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    append(*log, sent("<a@x>", 2));
    append(*log, pending("<a@x>"));
    auto rep = verify(path);
    REQUIRE(rep);
    CHECK(rep->ok);
    CHECK(rep->unresolved == std::vector<std::uint64_t>{2});
  }

  TEST_CASE("audit::pending_not_written and outcome_not_written: exact wording")
  {
    const Error inner(Errc::io,
                      "audit log /l/a.jsonl: cannot write: No space left on device",
                      "AUD-04",
                      "free space on that file system");
    const Error p = pending_not_written(inner);
    CHECK(p.code == Errc::io);
    CHECK(p.message
          == "nothing was submitted: the audit record of the attempt could not be written: "
             "audit log /l/a.jsonl: cannot write: No space left on device");
    CHECK(p.check_id == "AUD-04");
    CHECK(p.fix == "free space on that file system");
    CHECK(pending_not_written(Error(Errc::internal, "x"), false).message
          == "this copy was not submitted: the audit record of the attempt could not be "
             "written: x");
    CHECK(pending_not_written(Error(Errc::internal, "x")).check_id == "AUD-04");
    CHECK(pending_not_written(Error(Errc::internal, "x")).code == Errc::io);

    const Error o = outcome_not_written(inner, 41);
    CHECK(o.code == Errc::io);
    CHECK(o.message
          == "submitted to the server but the audit outcome could not be written: audit log "
             "/l/a.jsonl: cannot write: No space left on device; pending record 41 proves the "
             "attempt");
    CHECK(o.check_id == "AUD-01");
    CHECK(o.fix
          == "do not send the message again: the server accepted it; free space on that file "
             "system; `peermail audit verify` lists pending record 41 as unresolved");
  }
}
