// SPDX-License-Identifier: GPL-3.0-or-later
// Auditor views (issue 14): checked filters, the period summary, the
// format 2 record fields, access and check records.
#include "testutil.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/report.hpp>
#include <peermail/check/record.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/verify/access.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

using nlohmann::json;
using namespace peermail;

namespace {

// Write `records` (seq, ts, action, outcome, user, tls version) as a log;
// the chain is not needed for counting.
std::string
write_records(const std::string& path, const std::vector<json>& records)
{
  std::ofstream out(path);
  for (const auto& r : records) {
    out << r.dump() << "\n";
  }
  return path;
}

json
rec(std::uint64_t seq,
    const char* ts,
    const char* action,
    const char* outcome,
    const char* user = "ana",
    const char* tls = "TLSv1.3")
{
  return {
    {"seq",     seq                                           },
    {"ts",      ts                                            },
    {"action",  action                                        },
    {"outcome", outcome                                       },
    {"user",    user                                          },
    {"tls",     {{"version", tls ? json(tls) : json(nullptr)}}}
  };
}

} // namespace

TEST_SUITE("peermail::audit::report")
{
  TEST_CASE("audit::Filter::validate: one list, did you mean, exit 64")
  {
    audit::Filter f;
    CHECK(f.validate());
    f.outcome = "sent";
    f.action = "access";
    CHECK(f.validate());
    f.outcome = "snet";
    auto r = f.validate();
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message == "unknown outcome \"snet\" (did you mean \"sent\"?)");
    CHECK(r.error().fix
          == "use one of: accessed, compliant, dry-run, failed, interrupted, not-compliant, "
             "not-sent, ok, pending, refused, sealed, sent, tempfail, torn-tail, unknown, valid, "
             "withheld");
    f.outcome.clear();
    f.action = "zzzzzzzz";
    r = f.validate();
    REQUIRE(!r);
    CHECK(r.error().message == "unknown action \"zzzzzzzz\"");
    f.action = "SEND"; // exact match only, but the hint helps
    r = f.validate();
    REQUIRE(!r);
    CHECK(r.error().message == "unknown action \"SEND\" (did you mean \"send\"?)");
  }

  TEST_CASE("audit::Filter: --user matches exactly")
  {
    audit::Filter f;
    f.user = "ana";
    CHECK(f.matches(rec(1, "2026-01-01T00:00:00.000Z", "send", "sent", "ana")));
    CHECK_FALSE(f.matches(rec(1, "2026-01-01T00:00:00.000Z", "send", "sent", "anna")));
    CHECK_FALSE(f.matches(json{
      {"seq", 1}
    }));
  }

  TEST_CASE("audit::summarise: sends, seals, gaps and the period")
  {
    test::TempDir dir;
    const auto path =
      write_records(dir.path() + "/a.jsonl",
                    {rec(1, "2026-01-01T00:00:00.000Z", "send", "pending"),
                     rec(2, "2026-01-01T00:00:01.000Z", "send", "sent"),
                     rec(3, "2026-01-02T00:00:00.000Z", "refusal", "refused", "bob", nullptr),
                     rec(4, "2026-01-03T00:00:00.000Z", "seal", "ok"),
                     rec(7, "2026-01-04T00:00:00.000Z", "batch", "tempfail", "bob", "TLSv1.2"),
                     rec(6, "2026-01-05T00:00:00.000Z", "access", "accessed")});
    std::ofstream(path, std::ios::app) << "not json\n";
    auto s = audit::summarise(path, {});
    REQUIRE(s);
    CHECK(s->records == 6);
    CHECK(s->first_seq == 1);
    CHECK(s->last_seq == 6);
    CHECK(s->sends_by_outcome
          == std::map<std::string, std::uint64_t>{
            {"pending",  1},
            {"sent",     1},
            {"refused",  1},
            {"tempfail", 1}
    });
    CHECK(s->sends_by_user
          == std::map<std::string, std::uint64_t>{
            {"ana", 1},
            {"bob", 2}
    });
    CHECK(s->sends_by_tls
          == std::map<std::string, std::uint64_t>{
            {"TLSv1.3", 1},
            {"none",    1},
            {"TLSv1.2", 1}
    });
    CHECK(s->seals == 1);
    CHECK(s->last_seal_seq == 4);
    CHECK(s->unsealed_tail == 2);
    REQUIRE(s->gaps.size() == 1);
    CHECK(s->gaps[0] == std::pair<std::uint64_t, std::uint64_t>{5, 6});
    CHECK(s->out_of_order == 1);
    CHECK(s->bad_lines == 1);
    CHECK(s->head_seq == 6);

    audit::Filter jan2;
    jan2.since_ms = *audit::parse_time("2026-01-02");
    jan2.until_ms = *audit::parse_time("2026-01-04");
    auto p = audit::summarise(path, jan2);
    REQUIRE(p);
    CHECK(p->records == 2);
    CHECK(p->by_action
          == std::map<std::string, std::uint64_t>{
            {"refusal", 1},
            {"seal",    1}
    });
    CHECK(p->last_seal_seq == 4); // the whole log
    const json j = audit::to_json(*p);
    CHECK(j["since"] == "2026-01-02T00:00:00.000Z");
    CHECK(j["seals"]["unsealed_after_last_seal"] == 2);
    CHECK(j["log"]["gaps"] == json::parse(R"([{"first":5,"last":6}])"));

    CHECK(audit::summarise(dir.path() + "/missing.jsonl", {}).error().code == Errc::no_input);
  }

  TEST_CASE("audit::to_json: format 2 fields appear only when set")
  {
    audit::Record r;
    r.action = "send";
    CHECK_FALSE(audit::to_json(r).contains("verdict"));
    CHECK_FALSE(audit::to_json(r).contains("counts"));
    r.verdict = "valid";
    r.counts["all"]["pass"] = 3;
    const json j = audit::to_json(r);
    CHECK(j["verdict"] == "valid");
    CHECK(j["counts"] == json::parse(R"({"all":{"pass":3}})"));
  }

  TEST_CASE("audit::make_evidence_header")
  {
    const auto h = audit::make_evidence_header("/c.toml", "abc", "/g");
    CHECK(h.generated.size() == 24);
    CHECK(h.generated.back() == 'Z');
    CHECK_FALSE(h.host.empty());
    CHECK(h.tool_version == PEERMAIL_VERSION);
    const json j = audit::to_json(h);
    CHECK(j["config_path"] == "/c.toml");
    CHECK(j["config_sha256"] == "abc");
    CHECK(j["gnupg_home"] == "/g");
    CHECK(j["peermail_version"] == PEERMAIL_VERSION);
  }

  TEST_CASE("verify::access_record: hashes, fingerprint, verdict, no PHI")
  {
    verify::VerifyReport v;
    v.verdict = verify::Verdict::valid;
    v.encrypted = true;
    v.decrypted = true;
    v.protocol = "OpenPGP";
    v.message_id = "lab-12@clinic.example";
    v.from = {"ana@clinic.example"};
    v.decrypted_message = "Subject: Lab results\r\n\r\nPotassium 4.1\r\n";
    crypto::SignatureFacts sig;
    sig.fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    v.signatures.push_back(sig);
    const std::string message = "ciphertext bytes";
    const auto r = verify::access_record(v, message);
    CHECK(r.action == "access");
    CHECK(r.outcome == "accessed");
    CHECK(r.verdict == "valid");
    CHECK(r.signer_fpr == sig.fingerprint);
    CHECK(r.content_sha256 == util::sha256_hex(message));
    CHECK(r.recipients.empty());
    const json j = audit::to_json(r);
    CHECK(j["message_id"] == "sha256:" + util::sha256_hex("lab-12@clinic.example"));
    const std::string text = j.dump();
    for (const char* phi : {"lab-12", "clinic.example", "Lab results", "Potassium"}) {
      CHECK_MESSAGE(text.find(phi) == std::string::npos, phi);
    }
    v.decrypted_message.clear();
    v.verdict = verify::Verdict::integrity_failure;
    const auto w = verify::access_record(v, message);
    CHECK(w.outcome == "withheld");
    CHECK(w.verdict == "integrity-failure");
  }

  TEST_CASE("verify::record_access: appended, or an AUD-04 error")
  {
    test::TempDir dir;
    verify::VerifyReport v;
    v.verdict = verify::Verdict::unsigned_;
    verify::AccessLog log{dir.path() + "/log/audit.jsonl", "ana", "cfghash"};
    auto seq = verify::record_access(log, v, "m");
    REQUIRE(seq);
    CHECK(*seq == 1);
    auto v2 = audit::verify(log.path);
    REQUIRE(v2);
    CHECK(v2->ok);
    // A complete last line that is not a record (a torn one, without its
    // newline, would be kept in a torn-tail record and appended after).
    std::ofstream(log.path, std::ios::app) << "{\"half\n";
    auto bad = verify::record_access(log, v, "m");
    REQUIRE(!bad);
    CHECK(bad.error().code == Errc::io);
    CHECK(bad.error().check_id == "AUD-04");
    CHECK_FALSE(bad.error().fix.empty());
  }

  TEST_CASE("check::count_findings and note_record_failure")
  {
    std::vector<policy::Finding> fs(3);
    fs[0].id = "TLS-01";
    fs[0].status = policy::Status::pass;
    fs[1].id = "AUD-04";
    fs[1].status = policy::Status::pass;
    fs[2].id = "AUD-06";
    fs[2].status = policy::Status::warn;
    fs[2].level = policy::Level::addressable;
    const auto c = check::count_findings(fs);
    CHECK(c.at("all")
          == std::map<std::string, std::uint64_t>{
            {"pass", 2},
            {"warn", 1},
            {"fail", 0},
            {"skip", 0}
    });
    CHECK(c.at("required")
          == std::map<std::string, std::uint64_t>{
            {"pass", 2}
    });
    CHECK(c.at("addressable")
          == std::map<std::string, std::uint64_t>{
            {"warn", 1}
    });

    check::note_record_failure(fs, Error(Errc::io, "audit log X: damaged", "AUD-04", "repair X"));
    CHECK(fs[1].status == policy::Status::fail);
    CHECK(fs[1].evidence == "the audit log cannot take a record: audit log X: damaged");
    CHECK(fs[1].fix == "repair X");
    CHECK(fs[0].status == policy::Status::pass);
    // An ID that is not reported (--only) is not added.
    std::vector<policy::Finding> only(1);
    only[0].id = "TLS-02";
    check::note_record_failure(only, Error(Errc::io, "m", "AUD-04", "f"));
    CHECK(only.size() == 1);
    CHECK(only[0].status == policy::Status::skip);
  }
}
