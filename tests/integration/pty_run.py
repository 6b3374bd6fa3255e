#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a command on a pseudo-terminal and answer its prompts, as a user would.

  pty_run.py [-a ANSWER]... [-t TEXT] -- COMMAND [ARG]...

stdin, stdout and stderr of COMMAND are the terminal. Each time its output
stops at a prompt (a line ending in ": " with no newline after it), the next
ANSWER is typed followed by Enter; once the answers are used up, a prompt
gets Ctrl-D (end of input). With -t, TEXT is typed (each "\\n" as Enter)
the first time COMMAND is quiet without a prompt, then Ctrl-D. Everything COMMAND wrote is copied to stdout
(with "\\r\\n" turned into "\\n"); the exit status is COMMAND's. A run longer
than 60 s is killed and exits 124.
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    answers = []
    typed = None
    while args and args[0] in ("-a", "-t"):
        if args[0] == "-a":
            answers.append(args[1])
        else:
            typed = args[1]
        args = args[2:]
    if not args or args[0] != "--":
        sys.exit("usage: pty_run.py [-a ANSWER]... -- COMMAND [ARG]...")
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    answered = 0  # length of `out` when the last prompt was answered
    deadline = time.monotonic() + 60
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            continue
        # Quiet for 0.2 s: answer a prompt that is waiting.
        tail = out[answered:]
        if typed is not None and not tail.endswith(b": "):
            os.write(fd, typed.replace("\n", "\r").encode() + b"\x04")
            typed = None
            answered = len(out)
        elif tail.endswith(b": "):
            if answers:
                os.write(fd, answers.pop(0).encode() + b"\r")
            else:
                os.write(fd, b"\x04")
            answered = len(out)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
