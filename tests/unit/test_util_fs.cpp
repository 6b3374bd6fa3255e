// SPDX-License-Identifier: GPL-3.0-or-later
// util::write_output_file: what `-o FILE` does to what already is at FILE.
#include "testutil.hpp"

#include <peermail/util/fd.hpp>
#include <peermail/util/fs.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

using peermail::util::Overwrite;
using peermail::util::read_file;
using peermail::util::write_output_file;

namespace {

struct stat
lstat_of(const std::string& path)
{
  struct stat st
  {
  };
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

} // namespace

TEST_SUITE("peermail::util::write_output_file")
{
  TEST_CASE("util::write_output_file: a new file is created with the mode, an old one replaced")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/out.txt";
    REQUIRE(write_output_file(path, "one\n", 0600, Overwrite::replace));
    CHECK(*read_file(path) == "one\n");
    CHECK((lstat_of(path).st_mode & 07777) == 0600);
    const ino_t before = lstat_of(path).st_ino;
    REQUIRE(write_output_file(path, "two\n", 0600, Overwrite::replace));
    CHECK(*read_file(path) == "two\n");
    CHECK(lstat_of(path).st_ino != before); // replaced atomically, not rewritten
  }

  TEST_CASE("util::write_output_file: /dev/null stays a character device")
  {
    // As root, rename() would replace the device node with a regular file. So
    // that a broken helper cannot break the machine's /dev/null, use a private
    // copy of it (mknod, root) where possible; /dev/null itself only when not
    // root (then a rename over it fails instead).
    peermail::test::TempDir dir;
    std::string dev = dir.path() + "/null";
    if (::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
      if (::geteuid() == 0) {
        MESSAGE("skipped: cannot mknod a private /dev/null as root");
        return;
      }
      dev = "/dev/null";
    }
    const struct stat before = lstat_of(dev);
    REQUIRE(S_ISCHR(before.st_mode));
    REQUIRE(write_output_file(dev, "discarded\n", 0600, Overwrite::replace));
    const struct stat after = lstat_of(dev);
    CHECK(S_ISCHR(after.st_mode));
    CHECK(after.st_ino == before.st_ino);
    CHECK(after.st_rdev == before.st_rdev);
  }

  TEST_CASE("util::write_output_file: a FIFO with a reader gets the bytes and stays a FIFO")
  {
    peermail::test::TempDir dir;
    const std::string fifo = dir.path() + "/pipe";
    const std::string got = dir.path() + "/got";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The reader: copy the FIFO into `got`; give up after 5 s (a helper
      // that replaced the FIFO leaves it waiting for a writer forever).
      ::alarm(5);
      const int in = ::open(fifo.c_str(), O_RDONLY);
      const int out = ::open(got.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      char buf[256];
      ssize_t n = 0;
      while (in >= 0 && out >= 0 && (n = ::read(in, buf, sizeof buf)) > 0) {
        if (::write(out, buf, static_cast<std::size_t>(n)) != n) {
          ::_exit(2);
        }
      }
      ::_exit(in >= 0 && out >= 0 && n == 0 ? 0 : 1);
    }
    const auto w = write_output_file(fifo, "through the pipe\n", 0600, Overwrite::refuse);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(w);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(*read_file(got) == "through the pipe\n");
    CHECK(S_ISFIFO(lstat_of(fifo).st_mode));
  }

  TEST_CASE("util::write_output_file: a symlink is written through, never replaced")
  {
    peermail::test::TempDir dir;
    const std::string target = dir.path() + "/real.txt";
    const std::string link = dir.path() + "/link.txt";
    REQUIRE(peermail::util::write_file_atomic(target, "old\n", 0600));
    REQUIRE(::symlink("real.txt", link.c_str()) == 0);
    REQUIRE(write_output_file(link, "new\n", 0600, Overwrite::replace));
    CHECK(S_ISLNK(lstat_of(link).st_mode));
    CHECK(*read_file(target) == "new\n");
    CHECK(S_ISREG(lstat_of(target).st_mode));

    // A link to a device: the device is written in place, the link stays.
    const std::string devlink = dir.path() + "/null";
    REQUIRE(::symlink("/dev/null", devlink.c_str()) == 0);
    REQUIRE(write_output_file(devlink, "x", 0600, Overwrite::replace));
    CHECK(S_ISLNK(lstat_of(devlink).st_mode));
    CHECK(S_ISCHR(lstat_of("/dev/null").st_mode));

    // A dangling link is refused and left alone.
    const std::string dangling = dir.path() + "/dangling";
    REQUIRE(::symlink("missing/nowhere", dangling.c_str()) == 0);
    const auto r = write_output_file(dangling, "x", 0600, Overwrite::replace);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == peermail::Errc::io);
    CHECK(S_ISLNK(lstat_of(dangling).st_mode));
  }

  TEST_CASE(
    "util::write_output_file: an existing file is kept without --force (73), nothing written")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/out.txt";
    REQUIRE(write_output_file(path, "mine\n", 0600, Overwrite::refuse)); // a new name
    const ino_t before = lstat_of(path).st_ino;
    auto r = write_output_file(path, "other\n", 0600, Overwrite::refuse);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == peermail::Errc::cant_create);
    CHECK(r.error().message == path + " exists; not replacing it");
    CHECK(r.error().fix == "pass --force to replace it, or choose another name");
    CHECK(*read_file(path) == "mine\n");
    CHECK(lstat_of(path).st_ino == before);
    CHECK(peermail::util::check_output_file(path, Overwrite::refuse).error().code
          == peermail::Errc::cant_create);
    CHECK(peermail::util::check_output_file(path, Overwrite::replace));
    CHECK(peermail::util::check_output_file(dir.path() + "/new.txt", Overwrite::refuse));

    // Through a link to an existing file: the same rule.
    const std::string link = dir.path() + "/link.txt";
    REQUIRE(::symlink("out.txt", link.c_str()) == 0);
    CHECK(write_output_file(link, "x", 0600, Overwrite::refuse).error().code
          == peermail::Errc::cant_create);
    CHECK(*read_file(path) == "mine\n");

    // A device has nothing to lose: written without --force.
    CHECK(write_output_file("/dev/null", "x", 0600, Overwrite::refuse));

    // No temporary file is left behind: only out.txt and link.txt.
    std::size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      entries += e.path().filename() == "out.txt" || e.path().filename() == "link.txt" ? 0 : 1;
    }
    CHECK(entries == 0);
  }

  TEST_CASE("util::write_file_atomic: Overwrite::refuse never replaces a file that appeared")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/late.txt";
    REQUIRE(peermail::util::write_file_atomic(path, "first\n", 0600, Overwrite::refuse));
    auto r = peermail::util::write_file_atomic(path, "second\n", 0600, Overwrite::refuse);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == peermail::Errc::cant_create);
    CHECK(*read_file(path) == "first\n");
  }

  TEST_CASE("util::write_output_file: a directory is refused")
  {
    peermail::test::TempDir dir;
    const auto r = write_output_file(dir.path(), "x", 0600, Overwrite::replace);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == peermail::Errc::io);
  }
}

TEST_SUITE("peermail::util::check_owner_only")
{
  TEST_CASE("util::check_owner_only: ours and 0600 passes; writable by others is refused")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/j";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const peermail::util::OwnedFile f{"journal", "AUTH-05", "--journal"};
    CHECK(peermail::util::check_owner_only(fd, path, f));
    REQUIRE(::fchmod(fd, 0666) == 0);
    auto r = peermail::util::check_owner_only(fd, path, f);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == peermail::Errc::permissions);
    CHECK(r.error().message == "journal " + path + ": is writable by others (mode 0666)");
    CHECK(r.error().check_id == "AUTH-05");
    CHECK(r.error().fix == "chmod 600 " + path);
    if (::geteuid() == 0) {
      REQUIRE(::fchmod(fd, 0600) == 0);
      REQUIRE(::fchown(fd, 65534, 65534) == 0);
      auto foreign = peermail::util::check_owner_only(fd, path, f);
      REQUIRE_FALSE(foreign);
      CHECK(foreign.error().message
            == "journal " + path + ": belongs to another user (uid 65534, not 0)");
      CHECK(foreign.error().fix
            == "use a journal of your own: move " + path + " aside, or point --journal elsewhere");
    }
    ::close(fd);
  }
}

TEST_SUITE("peermail::util::Fd")
{
  TEST_CASE("util::Fd::close: closes once, reports close(2), leaves nothing to close")
  {
    peermail::util::Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    const int raw = fd.get();
    CHECK(fd.close() == 0);
    CHECK_FALSE(fd);
    CHECK(fd.get() == -1);
    CHECK(fd.close() == 0); // nothing left: no second close(2)
    CHECK(::fcntl(raw, F_GETFD) == -1);
  }

  TEST_CASE("util::write_file_atomic: no temporary file is left behind")
  {
    peermail::test::TempDir dir;
    const std::string path = dir.path() + "/out";
    REQUIRE(peermail::util::write_file_atomic(path, "abc", 0600));
    CHECK(*peermail::util::read_file(path) == "abc");
    // A directory in the way: the rename fails, the temporary file is removed.
    ::mkdir((dir.path() + "/d").c_str(), 0700);
    ::mkdir((dir.path() + "/d/x").c_str(), 0700);
    ::close(::open((dir.path() + "/d/x/f").c_str(), O_CREAT | O_WRONLY, 0600));
    auto r = peermail::util::write_file_atomic(dir.path() + "/d/x", "abc", 0600);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("rename failed") != std::string::npos);
    int entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/d")) {
      (void)e;
      ++entries;
    }
    CHECK(entries == 1);
  }
}
