// SPDX-License-Identifier: GPL-3.0-or-later
#include "editor.hpp"

#include "fs.hpp"

#include <fmt/core.h>

#include <dirent.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace peermail::util {

namespace {

// The private directory and its one file, removed on every path out.
class Scratch
{
public:
  explicit Scratch(std::string dir)
    : m_dir(std::move(dir)),
      m_file(m_dir + "/message.txt")
  {
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  // Editors leave company (vim's .swp, emacs's ~ and #…# files): every
  // entry goes, not only the file we made.
  ~Scratch()
  {
    if (DIR* d = ::opendir(m_dir.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") {
          ::unlinkat(::dirfd(d), name.c_str(), 0);
        }
      }
      ::closedir(d);
    }
    ::rmdir(m_dir.c_str());
  }
  const std::string&
  file() const
  {
    return m_file;
  }

private:
  std::string m_dir;
  std::string m_file;
};

// Run /bin/sh -c 'EDITOR "$1"' with the file as $1 (the way git runs
// $EDITOR: the setting may carry arguments, the file name is never parsed by
// the shell) and return its wait status, or -1 with errno.
int
run_editor(const std::string& editor, const std::string& file)
{
  const std::string script = editor + " \"$1\"";
  const char* argv[] = {"/bin/sh", "-c", script.c_str(), "peermail-editor", file.c_str(), nullptr};
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe_only);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc =
    ::posix_spawn(&pid, "/bin/sh", nullptr, &attr, const_cast<char* const*>(argv), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return status;
}

} // namespace

Result<std::string>
edit_text(const std::string& editor,
          const std::string& what,
          const std::string& tmp_dir,
          std::uint64_t max_bytes)
{
  std::string templ = (tmp_dir.empty() ? std::string("/tmp") : tmp_dir) + "/peermail-edit.XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return fail(Errc::io,
                fmt::format("cannot create a private directory in {}: {}",
                            tmp_dir.empty() ? "/tmp" : tmp_dir,
                            std::strerror(errno)),
                "",
                "set TMPDIR to a writable directory");
  }
  Scratch scratch(buf.data()); // mkdtemp makes it 0700
  PEERMAIL_TRY(write_file_atomic(scratch.file(), "", 0600));
  const int status = run_editor(editor, scratch.file());
  if (status < 0) {
    return fail(Errc::io, fmt::format("cannot run {}: {}", what, std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(
      Errc::usage,
      WIFEXITED(status)
        ? fmt::format("{} exited with status {}; nothing was sent", what, WEXITSTATUS(status))
        : fmt::format("{} was stopped by a signal; nothing was sent", what),
      "",
      fmt::format("write the message and quit {} normally, or use --body-file FILE", what));
  }
  return read_file(scratch.file(), max_bytes);
}

} // namespace peermail::util
