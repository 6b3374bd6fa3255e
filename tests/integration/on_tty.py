#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a command with its stderr on a pseudo-terminal, as a person reading.

usage: on_tty.py STDOUT_FILE TTY_FILE CMD [ARG...]

stdout goes to STDOUT_FILE (a plain file: what a pipe would get), stderr to
a new pty whose output is written to TTY_FILE, stdin is /dev/null. Exits
with the command's exit status. The pty is read until the command has exited
and nothing more is buffered (a daemon it started may keep the pty open).
"""
import os
import pty
import select
import subprocess
import sys


def main():
    out_path, tty_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    master, slave = pty.openpty()
    with open(out_path, "wb") as out, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(cmd, stdin=devnull, stdout=out, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        exited = proc.poll() is not None
        readable, _, _ = select.select([master], [], [], 0.2)
        if readable:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the pty
                break
            if not data:
                break
            chunks.append(data)
        elif exited:
            # The command has exited and everything it wrote is read (a
            # daemon it started may hold the pty open: not waited for).
            break
    os.close(master)
    rc = proc.wait()
    with open(tty_path, "wb") as f:
        f.write(b"".join(chunks).replace(b"\r\n", b"\n"))
    sys.exit(rc)


if __name__ == "__main__":
    main()
