// SPDX-License-Identifier: GPL-3.0-or-later
// util::SaveDir and util::safe_file_name: names chosen by a sender stay
// inside the directory, show safely and never replace a file.
#include "testutil.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/save_dir.hpp>
#include <peermail/util/strings.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

using peermail::util::read_file;
using peermail::util::safe_file_name;
using peermail::util::SaveDir;

TEST_SUITE("peermail::util::SaveDir")
{
  TEST_CASE("util::safe_file_name: no path, no control or bidi characters, no hidden file")
  {
    CHECK(safe_file_name("report.pdf", "x") == "report.pdf");
    CHECK(safe_file_name("../../etc/passwd", "x") == "passwd");
    CHECK(safe_file_name("..\\..\\boot.ini", "x") == "boot.ini");
    CHECK(safe_file_name("/abs/path/", "x") == "x");
    CHECK(safe_file_name("..", "x") == "_.");
    CHECK(safe_file_name(".bashrc", "x") == "_bashrc");
    CHECK(safe_file_name("a\033[31mred\n.txt", "x") == "a_[31mred_.txt");
    CHECK(safe_file_name("invoice\u202Efdp.exe", "x") == "invoice_fdp.exe");
    CHECK(safe_file_name("bad\xff.bin", "x") == "bad_.bin");
    CHECK(safe_file_name("", "attachment-1") == "attachment-1");
    const auto long_name = safe_file_name(std::string(300, 'a') + ".pdf", "x");
    CHECK(long_name.size() == 160);
    CHECK(long_name.substr(156) == ".pdf");
  }

  TEST_CASE("util::SaveDir: created 0700, never over a file, a suffix instead")
  {
    peermail::test::TempDir tmp;
    const std::string dir = tmp.path() + "/att";
    auto d = SaveDir::open(dir);
    REQUIRE(d);
    struct stat st
    {
    };
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    CHECK(*d->save("../scan.pdf", "one", "x") == "scan.pdf");
    CHECK(*d->save("scan.pdf", "two", "x") == "scan (1).pdf");
    CHECK(*d->save("scan.pdf", "three", "x") == "scan (2).pdf");
    CHECK(*read_file(dir + "/scan.pdf") == "one");
    CHECK(*read_file(dir + "/scan (1).pdf") == "two");
    REQUIRE(::stat((dir + "/scan.pdf").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    // A symlink planted under the name is not followed, the file goes beside it.
    REQUIRE(::symlink("/etc/passwd", (dir + "/evil.txt").c_str()) == 0);
    CHECK(*d->save("evil.txt", "x", "x") == "evil (1).txt");
  }

  TEST_CASE("util::SaveDir: a symbolic link or a file as DIR is refused")
  {
    peermail::test::TempDir tmp;
    const std::string real = tmp.path() + "/real";
    REQUIRE(::mkdir(real.c_str(), 0700) == 0);
    const std::string link = tmp.path() + "/link";
    REQUIRE(::symlink("real", link.c_str()) == 0);
    auto l = SaveDir::open(link);
    REQUIRE_FALSE(l);
    CHECK(l.error().code == peermail::Errc::io);
    CHECK(l.error().message == link + ": a symbolic link; attachments are saved only into a real "
                                      "directory");
    const std::string file = tmp.path() + "/file";
    REQUIRE(peermail::util::write_file_atomic(file, "x"));
    CHECK(SaveDir::open(file).error().message == file + ": not a directory");
  }

  TEST_CASE("util::terminal_safe_text: lines and tabs kept, escapes neutralised")
  {
    CHECK(peermail::util::terminal_safe_text("a\tb\r\nc\033[2J\n") == "a\tb\nc?[2J\n");
    CHECK(peermail::util::terminal_safe_text("x\u202Ey") == "x?y");
  }
}
