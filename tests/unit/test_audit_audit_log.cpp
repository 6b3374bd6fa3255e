// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/audit/audit_log.hpp>
#include <peermail/audit/file_util.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using peermail::Errc;
using namespace peermail::audit;
using nlohmann::json;

namespace {

Record
sample(int i = 0)
{
  Record r;
  r.action = "send";
  r.outcome = i % 2 == 0 ? "sent" : "refused";
  r.message_id = "<m" + std::to_string(i) + "@clinic.example>";
  r.recipients = {"sam.lee@hospital.example"};
  r.signer_fpr = "0123456789ABCDEF0123456789ABCDEF01234567";
  r.recipient_fprs = {"89ABCDEF0123456789ABCDEF0123456789ABCDEF"};
  r.hash_algo = "SHA512";
  r.tls_version = "TLSv1.3";
  r.tls_cipher = "TLS_AES_256_GCM_SHA384";
  r.smtp_code = 250;
  r.content_sha256 = std::string(64, 'a');
  r.config_sha256 = std::string(64, 'b');
  r.user = "aruiz";
  return r;
}

std::vector<std::string>
read_lines(const std::string& path)
{
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

void
write_lines(const std::string& path, const std::vector<std::string>& lines)
{
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) {
    out << l << "\n";
  }
}

std::string
write_log(const std::string& path, int n)
{
  auto log = AuditLog::open(path);
  REQUIRE(log);
  for (int i = 1; i <= n; ++i) {
    REQUIRE(log->append(sample(i)));
  }
  return path;
}

VerifyReport
must_verify(const std::string& path, const VerifyOptions& o = {})
{
  auto r = verify(path, o);
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_SUITE("peermail::audit::AuditLog")
{
  TEST_CASE("audit::append: creates 0600 file in 0700 dirs and chains records")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/state/peermail/audit.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    CHECK(*peermail::util::file_mode(path) == 0600);
    CHECK(*peermail::util::file_mode(dir.path() + "/state/peermail") == 0700);
    CHECK(*peermail::util::file_mode(dir.path() + "/state") == 0700);

    auto a = log->append(sample(1));
    REQUIRE(a);
    auto b = log->append(sample(2));
    REQUIRE(b);
    CHECK((*a)["seq"] == 1);
    CHECK((*a)["prev"] == std::string(k_genesis_prev));
    CHECK((*a)["hash"] == record_hash(*a));
    CHECK((*b)["seq"] == 2);
    CHECK((*b)["prev"] == (*a)["hash"]);
    CHECK((*a)["tool_version"] == PEERMAIL_VERSION);
    const std::string ts = (*a)["ts"];
    CHECK(ts.size() == 24);
    CHECK(ts.back() == 'Z');
    CHECK(ts[10] == 'T');

    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    CHECK(json::parse(lines[0]) == *a);
    CHECK(lines[1] == b->dump());
  }

  TEST_CASE(
    "audit::open: a log others can write, a symlink or a world-writable directory is "
    "refused (77)")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/audit.jsonl";
    REQUIRE(AuditLog::open(path));
    REQUIRE(::chmod(path.c_str(), 0666) == 0);
    auto loose = AuditLog::open(path);
    REQUIRE_FALSE(loose);
    CHECK(loose.error().code == Errc::permissions);
    CHECK(loose.error().fix == "chmod 600 " + path);
    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    REQUIRE(AuditLog::open(path));

    const std::string link = dir.path() + "/link.jsonl";
    REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
    auto linked = AuditLog::open(link);
    REQUIRE_FALSE(linked);
    CHECK(linked.error().code == Errc::permissions);

    REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
    auto open_dir = AuditLog::open(path);
    REQUIRE_FALSE(open_dir);
    CHECK(open_dir.error().message.find("lets others replace it") != std::string::npos);
    REQUIRE(::chmod(dir.path().c_str(), 0700) == 0);
  }

  TEST_CASE("audit::to_json: the DESIGN §7 schema and nothing else")
  {
    const json j = to_json(sample());
    std::set<std::string> keys;
    for (const auto& [k, v] : j.items()) {
      keys.insert(k);
    }
    const std::set<std::string> want = {"user",
                                        "action",
                                        "outcome",
                                        "message_id",
                                        "recipients",
                                        "signer_fpr",
                                        "recipient_fprs",
                                        "protocol",
                                        "hash_algo",
                                        "tls",
                                        "smtp",
                                        "content_sha256",
                                        "config_sha256"};
    CHECK(keys == want);
    CHECK(j["tls"]["version"] == "TLSv1.3");
    CHECK(j["tls"]["peer_cert_sha256"].is_null());
    CHECK(j["smtp"]["code"] == 250);

    Record refusal = sample();
    refusal.check_id = "E2E-04";
    refusal.exit_code = "EX_NOUSER";
    refusal.smtp_code.reset();
    const json r = to_json(refusal);
    CHECK(r["check_id"] == "E2E-04");
    CHECK(r["exit_code"] == "EX_NOUSER");
    CHECK(r["smtp"]["code"].is_null());
  }

  TEST_CASE("audit::canonical: sorted compact keys without hash")
  {
    const json j = {
      {"b",    1  },
      {"a",    "x"},
      {"hash", "h"}
    };
    CHECK(canonical(j) == R"({"a":"x","b":1})");
    CHECK(record_hash(j) == peermail::util::sha256_hex(R"({"a":"x","b":1})"));
    CHECK(record_hash(j) == "cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246");
  }

  TEST_CASE("audit::verify: intact log")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 5);
    const auto rep = must_verify(path);
    CHECK(rep.ok);
    CHECK(rep.records == 5);
    CHECK(rep.head_seq == 5);
    CHECK(rep.head_hash == json::parse(read_lines(path)[4])["hash"]);
    CHECK(rep.problem.empty());
  }

  TEST_CASE("audit::verify: empty and missing logs")
  {
    peermail::test::TempDir dir;
    write_lines(dir.path() + "/empty.jsonl", {});
    const auto rep = must_verify(dir.path() + "/empty.jsonl");
    CHECK(rep.ok);
    CHECK(rep.records == 0);
    auto missing = verify(dir.path() + "/nope.jsonl");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::no_input);
  }

  TEST_CASE("audit::verify: a changed field")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 5);
    auto lines = read_lines(path);
    json j = json::parse(lines[2]);
    j["outcome"] = "sent-ok";
    lines[2] = j.dump();
    write_lines(path, lines);
    const auto rep = must_verify(path);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem == "record 3 (line 3) was changed: hash mismatch");
    CHECK(*rep.first_bad_line == 3);
    CHECK(*rep.first_bad_seq == 3);
    CHECK(rep.records == 2);
  }

  TEST_CASE("audit::verify: a changed record with a recomputed hash")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 4);
    auto lines = read_lines(path);
    json j = json::parse(lines[1]);
    j["recipients"] = json::array({"someone@else.example"});
    j["hash"] = record_hash(j);
    lines[1] = j.dump();
    write_lines(path, lines);
    const auto rep = must_verify(path);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem
          == "record 2 (line 2) was changed or replaced: record 3 (line 3) does not chain to it "
             "(prev mismatch)");
    CHECK(*rep.first_bad_seq == 2);
    CHECK(*rep.first_bad_line == 2);
  }

  TEST_CASE("audit::verify: a removed record")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 6);
    auto lines = read_lines(path);
    lines.erase(lines.begin() + 4);
    write_lines(path, lines);
    const auto rep = must_verify(path);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem == "record 5 is missing (seq jumps 4 → 6 at line 5)");
    CHECK(*rep.first_bad_seq == 5);
    CHECK(*rep.first_bad_line == 5);
  }

  TEST_CASE("audit::verify: removed records at the start")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 4);
    auto lines = read_lines(path);
    lines.erase(lines.begin(), lines.begin() + 2);
    write_lines(path, lines);
    const auto rep = must_verify(path);
    CHECK(rep.problem == "records 1…2 are missing (seq jumps 0 → 3 at line 1)");
  }

  TEST_CASE("audit::verify: reordered records")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 10);
    auto lines = read_lines(path);
    std::swap(lines[7], lines[8]);
    write_lines(path, lines);
    const auto rep = must_verify(path);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem == "records reordered at line 8: record 9 comes before record 8 (line 9)");
    CHECK(*rep.first_bad_line == 8);
  }

  TEST_CASE("audit::verify: a record moved backwards")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 5);
    auto lines = read_lines(path);
    lines.push_back(lines[1]); // a duplicate of record 2 at the end
    write_lines(path, lines);
    const auto rep = must_verify(path);
    CHECK(rep.problem == "records reordered at line 6: record 2 comes after record 5");
  }

  TEST_CASE("audit::verify: garbage line in the middle")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 3);
    auto lines = read_lines(path);
    lines.insert(lines.begin() + 1, "not json");
    write_lines(path, lines);
    CHECK(must_verify(path).problem == "line 2 is not a valid audit record");
  }

  TEST_CASE("audit: a torn last line is kept in a chained torn-tail record, then chained onto")
  {
    // kill -9 can stop a write() between two pages: the log ends in a line
    // without "\n". The next writer moves those bytes (base64, length and
    // offset kept) into a "recovered" record chained to the last whole one.
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 3);
    const std::string fragment = R"({"action":"send","seq":4,"ha)";
    const auto size_before = peermail::util::read_file(path)->size();
    {
      std::ofstream out(path, std::ios::app);
      out << fragment;
    }
    const auto rep = must_verify(path);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem
          == "line 4 is incomplete: the last record was cut off (a crash during a write?)");
    CHECK(rep.records == 3);
    const auto head3 = read_lines(path)[2];

    REQUIRE(AuditLog::check_writable(path));
    auto lines = read_lines(path);
    REQUIRE(lines.size() == 4);
    const auto rec = json::parse(lines[3]);
    CHECK(rec["seq"] == 4);
    CHECK(rec["action"] == "recovered");
    CHECK(rec["outcome"] == "torn-tail");
    CHECK(rec["prev"] == json::parse(head3)["hash"]);
    CHECK(rec["torn_tail"]["bytes"] == fragment.size());
    CHECK(rec["torn_tail"]["offset"] == size_before);
    CHECK(rec["torn_tail"]["base64"] == peermail::util::base64_encode(fragment));
    CHECK_FALSE(rec.contains("pending_seq"));

    auto log = AuditLog::open(path);
    REQUIRE(log);
    auto a = log->append(sample(5));
    REQUIRE(a);
    CHECK((*a)["seq"] == 5);
    CHECK((*a)["prev"] == rec["hash"]);
    const auto after = must_verify(path);
    CHECK(after.ok);
    CHECK(after.records == 5);
    CHECK(after.unresolved.empty());
  }

  TEST_CASE("audit: a torn first line becomes record 1; append() recovers too")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/a.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    {
      std::ofstream out(path, std::ios::app);
      out << "{\"seq\":";
    }
    auto a = log->append(sample(1));
    REQUIRE(a);
    CHECK((*a)["seq"] == 2);
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    const auto rec = json::parse(lines[0]);
    CHECK(rec["seq"] == 1);
    CHECK(rec["prev"] == std::string(k_genesis_prev));
    CHECK(rec["torn_tail"]["bytes"] == 7);
    CHECK(rec["torn_tail"]["offset"] == 0);
    CHECK(must_verify(path).ok);
  }

  TEST_CASE("audit: a torn line after a damaged line is refused, nothing written")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 2);
    {
      std::ofstream out(path, std::ios::app);
      out << "garbage\n{\"seq\":3";
    }
    const auto before = peermail::util::read_file(path);
    auto w = AuditLog::check_writable(path);
    REQUIRE_FALSE(w);
    CHECK(w.error().code == Errc::io);
    CHECK(w.error().check_id == "AUD-04");
    CHECK(w.error().message
          == "audit log " + path
               + ": the line before the incomplete last line is not a valid audit record; "
                 "refusing to chain onto it");
    CHECK(w.error().fix.find("audit verify --file " + path) != std::string::npos);
    CHECK(*peermail::util::read_file(path) == *before);
  }

  TEST_CASE("audit: a complete but invalid last line is refused")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 2);
    {
      std::ofstream out(path, std::ios::app);
      out << "garbage\n";
    }
    auto w = AuditLog::check_writable(path);
    REQUIRE_FALSE(w);
    CHECK(w.error().message
          == "audit log " + path
               + ": the last line is not a valid audit record; refusing to chain onto it");
  }

  TEST_CASE("audit::verify: expect_seq and anchor detect removal at the end")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 5);
    const auto head = must_verify(path).head_hash;
    auto lines = read_lines(path);
    lines.pop_back();
    write_lines(path, lines);
    CHECK(must_verify(path).ok); // the chain alone cannot tell

    VerifyOptions o;
    o.expect_seq = 5;
    auto rep = must_verify(path, o);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem
          == "record 5 is missing at the end: the log ends at record 4, expected at least 5");

    VerifyOptions a;
    a.anchor_hash = head;
    rep = must_verify(path, a);
    CHECK_FALSE(rep.ok);
    CHECK(rep.problem.find("no record has the anchor hash " + head) == 0);

    VerifyOptions older;
    older.anchor_hash = json::parse(lines[1])["hash"];
    older.expect_seq = 3;
    CHECK(must_verify(path, older).ok);
  }

  TEST_CASE("audit: long records cross read blocks")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/a.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    Record r = sample();
    for (int i = 0; i < 300; ++i) {
      r.recipients.push_back("participant" + std::to_string(i) + "@clinic.example");
    }
    for (int i = 0; i < 3; ++i) {
      REQUIRE(log->append(r));
    }
    const auto rep = must_verify(path);
    CHECK(rep.ok);
    CHECK(rep.records == 3);
    CHECK(read_lines(path)[0].size() > 8192);
  }

  TEST_CASE("audit::detail::read_last_line")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/f";
    auto last = [&](const std::string& content) {
      std::ofstream(path, std::ios::trunc | std::ios::binary) << content;
      peermail::audit::detail::Fd fd(::open(path.c_str(), O_RDONLY));
      auto r =
        peermail::audit::detail::read_last_line(fd.get(), static_cast<off_t>(content.size()));
      REQUIRE(r);
      return *r;
    };
    CHECK(last("a\nbc\n").text == "bc");
    CHECK(last("a\nbc\n").complete);
    CHECK(last("a\nbc").text == "bc");
    CHECK_FALSE(last("a\nbc").complete);
    CHECK(last("single\n").text == "single");
    CHECK(last(std::string(5000, 'x') + "\n" + std::string(9000, 'y') + "\n").text
          == std::string(9000, 'y'));
    CHECK(last("\n").text.empty());
  }

  TEST_CASE("audit: unwritable locations are io errors naming the file")
  {
    peermail::test::TempDir dir;
    const std::string blocker = dir.path() + "/file";
    std::ofstream(blocker) << "x";
    const std::string path = blocker + "/audit.jsonl";
    auto w = AuditLog::check_writable(path);
    REQUIRE_FALSE(w);
    CHECK(w.error().code == Errc::io);
    CHECK(w.error().check_id == "AUD-04");
    CHECK(w.error().message.find("audit log " + path + ": ") == 0);

    auto empty = AuditLog().append(sample());
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == Errc::io);
  }

  TEST_CASE("audit: a device is not an audit log (disk full is the faults suite's fsync shim)")
  {
    if (::access("/dev/full", W_OK) != 0) {
      return;
    }
    auto log = AuditLog::open("/dev/full");
    REQUIRE_FALSE(log);
    CHECK(log.error().code == Errc::permissions);
    CHECK(log.error().message == "audit log /dev/full: is not a regular file");
  }

  TEST_CASE("audit: concurrent threads never lose or interleave records")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/a.jsonl";
    auto log = AuditLog::open(path);
    REQUIRE(log);
    constexpr int k_threads = 4;
    constexpr int k_each = 25;
    std::vector<std::thread> threads;
    std::vector<int> failures(k_threads, 0);
    for (int t = 0; t < k_threads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < k_each; ++i) {
          if (!log->append(sample(i))) {
            ++failures[static_cast<std::size_t>(t)];
          }
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    CHECK(failures == std::vector<int>(k_threads, 0));
    const auto rep = must_verify(path);
    CHECK(rep.ok);
    CHECK(rep.records == k_threads * k_each);
  }

  TEST_CASE("audit: concurrent processes never lose or interleave records")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/a.jsonl";
    constexpr int k_procs = 4;
    constexpr int k_each = 25;
    std::vector<pid_t> pids;
    for (int p = 0; p < k_procs; ++p) {
      const pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        int bad = 0;
        auto log = AuditLog::open(path);
        for (int i = 0; i < k_each && log; ++i) {
          bad += log->append(sample(i)) ? 0 : 1;
        }
        ::_exit(log && bad == 0 ? 0 : 1);
      }
      pids.push_back(pid);
    }
    for (const pid_t pid : pids) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    const auto rep = must_verify(path);
    CHECK(rep.ok);
    CHECK(rep.records == k_procs * k_each);
  }
}

TEST_SUITE("peermail::audit::query")
{
  TEST_CASE("audit::parse_time and format_time")
  {
    CHECK(*parse_time("1970-01-01T00:00:00Z") == 0);
    CHECK(*parse_time("1970-01-02") == 86400000);
    CHECK(*parse_time("2026-03-01T12:00:00.5Z") == *parse_time("2026-03-01T12:00:00Z") + 500);
    CHECK(*parse_time("2026-03-01T14:00:00+02:00") == *parse_time("2026-03-01T12:00:00Z"));
    CHECK(*parse_time("2026-03-01T10:30:00-01:30") == *parse_time("2026-03-01T12:00:00Z"));
    CHECK(*parse_time("2024-02-29") + 86400000 == *parse_time("2024-03-01"));
    CHECK(*parse_time("2000-02-29") + 86400000 == *parse_time("2000-03-01"));
    CHECK(*parse_time("1969-12-31") == -86400000);
    CHECK(*parse_time("2026-12-06") == 1796515200000);
    CHECK(format_time(*parse_time("2026-03-01T12:34:56.789Z")) == "2026-03-01T12:34:56.789Z");
    CHECK(format_time(0) == "1970-01-01T00:00:00.000Z");
    for (const char* bad : {"",
                            "2026",
                            "2026-13-01",
                            "2025-02-29",
                            "1900-02-29",
                            "2026-04-31",
                            "2026-03-01T12:00:00",
                            "2026-03-01T25:00:00Z",
                            "yesterday",
                            "2026-03-01T12:00:00Zjunk"}) {
      auto r = parse_time(bad);
      CHECK_FALSE(r);
      if (!r) {
        CHECK(r.error().code == Errc::usage);
      }
    }
    CHECK(parse_time("x").error().message
          == "invalid time \"x\": expected RFC 3339 (2026-03-01T12:00:00Z) or a date (2026-03-01)");
  }

  TEST_CASE("audit::Filter and for_each_record")
  {
    peermail::test::TempDir dir;
    const auto path = write_log(dir.path() + "/a.jsonl", 6);
    auto count = [&](const Filter& f) {
      int n = 0;
      REQUIRE(for_each_record(path, f, [&](const json&, std::uint64_t) { ++n; }));
      return n;
    };
    CHECK(count({}) == 6);
    Filter refused;
    refused.outcome = "refused";
    CHECK(count(refused) == 3);
    Filter rcpt;
    rcpt.recipient = "Sam.Lee@Hospital.Example";
    CHECK(count(rcpt) == 6);
    rcpt.recipient = "nobody@hospital.example";
    CHECK(count(rcpt) == 0);
    Filter future;
    future.since_ms = *parse_time("2999-01-01");
    CHECK(count(future) == 0);
    Filter past;
    past.until_ms = *parse_time("2000-01-01");
    CHECK(count(past) == 0);
    Filter window;
    window.since_ms = *parse_time("2000-01-01");
    window.until_ms = *parse_time("2999-01-01");
    window.action = "send";
    CHECK(count(window) == 6);
    window.action = "verify";
    CHECK(count(window) == 0);
  }
}
