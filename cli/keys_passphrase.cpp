// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys_passphrase.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>

namespace peermail::cli {

namespace {

constexpr std::size_t k_max_passphrase = 4096;

Error
no_terminal(const std::string& file)
{
  return Error(Errc::usage,
               fmt::format("{} is a PKCS #12 file and needs its passphrase, but there is no "
                           "terminal to ask on",
                           util::terminal_safe(file)),
               "",
               "run it on a terminal, or give --passphrase-command CMD (a command that prints "
               "the passphrase)");
}

// Ask on /dev/tty with echo off; the terminal's settings are restored.
Result<std::shared_ptr<const crypto::Secret>>
ask_on_terminal(const std::string& file)
{
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return unexpected(no_terminal(file));
  }
  struct termios saved
  {
  };
  const bool is_tty = ::tcgetattr(fd, &saved) == 0;
  if (!is_tty) {
    ::close(fd);
    return unexpected(no_terminal(file));
  }
  struct termios quiet = saved;
  // Echo off; Ctrl-C arrives as a byte (ISIG off), so the terminal is
  // always restored.
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ISIG);
  const std::string prompt =
    fmt::format("Passphrase of {} (not shown): ", util::terminal_safe(file));
  (void)!::write(fd, prompt.data(), prompt.size());
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  std::string line;
  bool ended = false;
  bool interrupted = false;
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) {
      break; // end of input (Ctrl-D) or an error
    }
    if (c == '\n' || c == '\r') {
      ended = true;
      break;
    }
    if (c == static_cast<char>(saved.c_cc[VINTR]) || c == static_cast<char>(saved.c_cc[VQUIT])) {
      interrupted = true;
      break;
    }
    if (line.size() < k_max_passphrase) {
      line.push_back(c);
    }
  }
  ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (interrupted) {
    crypto::wipe(line);
    return fail(Errc::canceled, "interrupted at the passphrase prompt; nothing was imported");
  }
  if (!ended || line.empty()) {
    crypto::wipe(line);
    return fail(Errc::usage,
                fmt::format("no passphrase was typed for {}", util::terminal_safe(file)),
                "",
                "type the passphrase the file was exported with, or give --passphrase-command");
  }
  auto secret = std::make_shared<const crypto::Secret>(line);
  crypto::wipe(line);
  return std::shared_ptr<const crypto::Secret>(std::move(secret));
}

} // namespace

Result<std::shared_ptr<const crypto::Secret>>
pkcs12_passphrase(const std::string& file, const std::string& command)
{
  if (!command.empty()) {
    return crypto::read_passphrase(command, "--passphrase-command", std::chrono::seconds(60));
  }
  return ask_on_terminal(file);
}

} // namespace peermail::cli
