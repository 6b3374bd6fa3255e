#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile plain-text SMTP server for the probe's bounds (docs/LIMITS.md).

It greets with 220 and answers EHLO with a reply that never ends:
  endless  "250-" lines as fast as the client reads them
  drip     "250-" lines, one byte every 0.2 s
  silent   accepts the connection and never sends a byte (nor a greeting)
Binds 127.0.0.1 port 0 and writes the chosen port to --port-file. Every
connection is served in a thread; the server stops by itself after
--lifetime seconds (and a connection after --max-bytes bytes), so a client
without bounds cannot make it run for ever.
"""
import argparse
import socket
import threading
import time


def serve(conn, mode, deadline, max_bytes, log):
    sent = 0
    try:
        if mode == "silent":
            log.write("S accepted\n")
            log.flush()
            while time.monotonic() < deadline and conn.recv(4096):
                pass
            return
        conn.settimeout(5)
        conn.sendall(b"220 hostile.test ESMTP\r\n")
        data = b""
        while b"\n" not in data:
            chunk = conn.recv(1024)
            if not chunk:
                return
            data += chunk
        log.write(f"C {data.splitlines()[0].decode(errors='replace')}\n")
        log.flush()
        line = b"250-hostile.test says hello, and goes on\r\n"
        while time.monotonic() < deadline and sent < max_bytes:
            if mode == "drip":
                for i in range(len(line)):
                    conn.sendall(line[i:i + 1])
                    sent += 1
                    time.sleep(0.2)
                    if time.monotonic() >= deadline:
                        return
            else:
                conn.sendall(line * 64)
                sent += len(line) * 64
    except OSError:
        pass
    finally:
        log.write(f"S sent {sent} bytes\n")
        log.flush()
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["endless", "drip", "silent"], required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--max-bytes", type=int, default=512 << 20)
    a = ap.parse_args()
    deadline = time.monotonic() + a.lifetime
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.5)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    log = open(a.log, "a")
    while time.monotonic() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn, a.mode, deadline, a.max_bytes, log),
                         daemon=True).start()
    srv.close()


if __name__ == "__main__":
    main()
