// SPDX-License-Identifier: GPL-3.0-or-later
#include "testutil.hpp"

#include <peermail/batch/journal.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using peermail::Errc;
using namespace peermail::batch;

TEST_SUITE("peermail::batch::Journal")
{
  TEST_CASE("batch::Journal: pending → sent / failed, remaining and counts")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/j.sqlite";
    auto j = Journal::open(path, "batch-1");
    REQUIRE(j);
    CHECK(*peermail::util::file_mode(path) == 0600);
    REQUIRE(j->add_pending({
      {"a@x.example", "id-a@x"},
      {"b@x.example", "id-b@x"},
      {"c@x.example", "id-c@x"}
    }));
    REQUIRE(j->record_attempt("a@x.example"));
    REQUIRE(j->mark_sent("a@x.example", 250));
    REQUIRE(j->record_attempt("b@x.example"));
    REQUIRE(j->mark_failed("b@x.example", 550, "server refused permanently", 3));

    auto a = j->get("a@x.example");
    REQUIRE(a);
    REQUIRE(a->has_value());
    CHECK((*a)->state == EntryState::sent);
    CHECK((*a)->message_id == "id-a@x");
    CHECK((*a)->attempts == 1);
    CHECK((*a)->smtp_code == 250);
    CHECK((*a)->updated_ms > 0);
    auto b = *j->get("b@x.example");
    CHECK(b->state == EntryState::failed);
    CHECK(b->attempts == 3);
    CHECK(b->smtp_code == 550);
    CHECK(b->error == "server refused permanently");
    CHECK_FALSE(j->get("nobody@x.example")->has_value());

    auto rem = j->remaining();
    REQUIRE(rem);
    REQUIRE(rem->size() == 2);
    CHECK((*rem)[0].email == "b@x.example");
    CHECK((*rem)[1].email == "c@x.example");
    const auto c = *j->counts();
    CHECK(c.sent == 1);
    CHECK(c.failed == 1);
    CHECK(c.pending == 1);
    CHECK(to_string(EntryState::failed) == "failed");
  }

  TEST_CASE("batch::Journal: sent is final and Message-IDs never change")
  {
    peermail::test::TempDir dir;
    auto j = Journal::open(dir.path() + "/j", "b");
    REQUIRE(j);
    REQUIRE(j->add_pending({
      {"a@x.example", "first-id"}
    }));
    REQUIRE(j->mark_sent("a@x.example", 250));
    REQUIRE(j->mark_failed("a@x.example", 451, "late failure"));
    REQUIRE(j->add_pending({
      {"a@x.example", "second-id"}
    }));
    auto a = *j->get("a@x.example");
    CHECK(a->state == EntryState::sent);
    CHECK(a->message_id == "first-id");
    CHECK(a->smtp_code == 250);
    CHECK(j->remaining()->empty());

    auto unknown = j->mark_sent("zz@x.example", 250);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == Errc::data);
    CHECK_FALSE(j->record_attempt("zz@x.example"));
  }

  TEST_CASE("batch::Journal: reopen resumes - another batch or a non-journal is refused")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/j.sqlite";
    {
      auto j = Journal::open(path, "batch-1");
      REQUIRE(j);
      REQUIRE(j->add_pending({
        {"a@x.example", "id-a"},
        {"b@x.example", "id-b"}
      }));
      REQUIRE(j->mark_sent("a@x.example", 250));
    }
    {
      auto again = Journal::open(path, "batch-1");
      REQUIRE(again);
      CHECK(again->remaining()->size() == 1);
      CHECK(again->get("b@x.example")->value().message_id == "id-b");
    }

    auto other = Journal::open(path, "batch-2");
    REQUIRE_FALSE(other);
    CHECK(other.error().code == Errc::data);
    CHECK(other.error().message
          == "journal " + path
               + ": belongs to another batch (the recipients file, template or identity changed "
                 "since it was written)");

    const std::string junk = dir.path() + "/junk";
    std::ofstream(junk) << std::string(4096, 'x');
    auto bad = Journal::open(junk, "batch-1");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::data);
    CHECK(bad.error().message.find("journal " + junk + ": not a batch journal") == 0);

    auto nodir = Journal::open(dir.path() + "/no/such/dir/j", "b");
    REQUIRE_FALSE(nodir);
    CHECK(nodir.error().code == Errc::io);
  }

  TEST_CASE("batch::Journal: a process killed after its writes loses nothing")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/j.sqlite";
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto j = Journal::open(path, "crash");
      if (!j
          || !j->add_pending({
            {"a@x.example", "id-a"},
            {"b@x.example", "id-b"}
      })
          || !j->record_attempt("a@x.example") || !j->mark_sent("a@x.example", 250)
          || !j->record_attempt("b@x.example")) {
        ::_exit(1);
      }
      ::kill(::getpid(), SIGKILL); // no destructor, no checkpoint, no close
      ::_exit(2);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    auto j = Journal::open(path, "crash");
    REQUIRE(j);
    const auto a = *j->get("a@x.example");
    CHECK(a->state == EntryState::sent);
    const auto b = *j->get("b@x.example");
    CHECK(b->state == EntryState::pending);
    CHECK(b->attempts == 1);
    CHECK(b->message_id == "id-b"); // the resend reuses it
    REQUIRE(j->remaining()->size() == 1);
  }

  TEST_CASE("batch::Journal: one run at a time - a second opener gets temp naming the holder")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/j.sqlite";
    int ready[2];
    int release[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(release) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The first run: open, say so, hold the journal until told to stop.
      ::close(ready[0]);
      ::close(release[1]);
      auto j = Journal::open(path, "batch-1");
      const char c = j ? 'y' : 'n';
      if (::write(ready[1], &c, 1) != 1) {
        ::_exit(3);
      }
      char stop = 0;
      (void)::read(release[0], &stop, 1);
      ::_exit(j ? 0 : 1);
    }
    ::close(ready[1]);
    ::close(release[0]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    REQUIRE(c == 'y');

    auto second = Journal::open(path, "batch-1");
    REQUIRE_FALSE(second);
    CHECK(second.error().code == Errc::temp);
    CHECK(second.error().message
          == "journal " + path + ": another batch run (pid " + std::to_string(pid)
               + ") is using it; nothing was sent");

    REQUIRE(::write(release[1], "x", 1) == 1);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    ::close(ready[0]);
    ::close(release[1]);

    // The holder is gone: the lock went with it.
    auto third = Journal::open(path, "batch-1");
    REQUIRE(third);
    auto fourth = Journal::open(path, "batch-1");
    REQUIRE_FALSE(fourth);
    CHECK(fourth.error().code == Errc::temp);
  }

  TEST_CASE("batch::make_batch_id: length-prefixed parts")
  {
    CHECK(make_batch_id("ab", "c", "id") != make_batch_id("a", "bc", "id"));
    CHECK(make_batch_id("ab", "c", "id") == make_batch_id("ab", "c", "id"));
    CHECK(make_batch_id("", "", "").size() == 64);
  }

  TEST_CASE("batch::Journal: unknown is final: never remaining, counted, kept")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/j.sqlite";
    auto j = Journal::open(path, "batch-1");
    REQUIRE(j);
    REQUIRE(j->add_pending({
      {"a@x.example", "id-a@x"},
      {"b@x.example", "id-b@x"}
    }));
    REQUIRE(j->record_attempt("a@x.example"));
    REQUIRE(j->mark_unknown("a@x.example", "no reply to the final \".\"", 1));
    auto a = j->get("a@x.example");
    REQUIRE(a);
    REQUIRE(a->has_value());
    CHECK((*a)->state == EntryState::unknown);
    CHECK_FALSE((*a)->smtp_code.has_value());
    CHECK(to_string(EntryState::unknown) == "unknown");
    auto rest = j->remaining();
    REQUIRE(rest);
    REQUIRE(rest->size() == 1);
    CHECK(rest->front().email == "b@x.example");
    auto c = j->counts();
    REQUIRE(c);
    CHECK(c->unknown == 1);
    CHECK(c->pending == 1);
  }

  TEST_CASE("batch::Journal: a schema-1 journal gains the unknown state on open")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/old.sqlite";
    {
      auto j = Journal::open(path, "batch-1");
      REQUIRE(j);
      REQUIRE(j->add_pending({
        {"a@x.example", "id-a@x"}
      }));
      REQUIRE(j->mark_sent("a@x.example", 250));
    }
    // Rewrite the table as schema 1 wrote it (no 'unknown' in the CHECK).
    const std::string sql = fmt::format(
      "sqlite3 '{}' \"CREATE TABLE r1 (ord INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL "
      "UNIQUE, "
      "message_id TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'sent', "
      "'failed')), attempts INTEGER NOT NULL DEFAULT 0, smtp_code INTEGER, error TEXT NOT NULL "
      "DEFAULT '', updated_ms INTEGER NOT NULL); INSERT INTO r1 SELECT * FROM recipients; DROP "
      "TABLE recipients; ALTER TABLE r1 RENAME TO recipients;\"",
      path);
    if (std::system("command -v sqlite3 >/dev/null") != 0) {
      return; // no sqlite3 shell: nothing to downgrade with
    }
    REQUIRE(std::system(sql.c_str()) == 0);
    auto j = Journal::open(path, "batch-1");
    REQUIRE(j);
    REQUIRE(j->add_pending({
      {"b@x.example", "id-b@x"}
    }));
    REQUIRE(j->mark_unknown("b@x.example", "no reply", 1));
    auto a = j->get("a@x.example");
    REQUIRE(a);
    REQUIRE(a->has_value());
    CHECK((*a)->state == EntryState::sent);
  }
}
