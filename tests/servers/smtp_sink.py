#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A recording SMTP submission server for peermail's integration tests.

Modes: plain (no TLS at all), starttls (STARTTLS required before anything but
EHLO/NOOP/QUIT), smtps (implicit TLS). Binds 127.0.0.1 port 0 and writes the
chosen port to --port-file once it listens.

Everything lands in --spool:
  transcript.log  one line per client command: "C plain|tls COMMAND ARGS"
  dots.log        one line each time the final "." of a message arrives
                  (AUTH arguments redacted; DATA content never logged)
  msg-N.eml       the raw DATA of each accepted message
  msg-N.json      {"mail_from", "rcpt_tos", "tls"} of each accepted message

Faults (for the exit-code table): --rcpt-reply/--rcpt-fail, --data-reply,
--data-fail-first N (451 to the first N messages), --data-delay S (accept the
message at the final ".", reply after S seconds), --drop-mid-data, --stall-at, --starttls-reply, --inject-after-starttls,
--auth-before-tls, --tls-max 1.1|1.2. --raw-replies: --rcpt-reply and --data-reply
take Python byte escapes ("550 Empf\\xe4nger") and go out as those raw bytes
(a server that does not speak UTF-8).
Probe options: --auth-at-rcpt (like Postfix: MAIL without AUTH is answered
250, the RCPT is refused with 530), --ciphers LIST (OpenSSL cipher string for
TLS 1.2 and older, e.g. "...:ADH-AES256-GCM-SHA384:@SECLEVEL=0"),
--dh-params FILE (for DHE and anonymous DH suites).
--size-limit N: advertise EHLO SIZE N (aiosmtpd refuses a larger SIZE= at
MAIL, and a larger message at the end of DATA, with 552).
Run with /usr/bin/python3 (it has aiosmtpd).
"""

import argparse
import asyncio
import codecs
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, spool):
        self.spool = spool
        self.count = 0
        os.makedirs(spool, exist_ok=True)
        self.log = open(os.path.join(spool, "transcript.log"), "a", buffering=1)

    def line(self, text):
        self.log.write(text + "\n")
        self.log.flush()


class Handler:
    def __init__(self, opts, rec):
        self.opts = opts
        self.rec = rec

    def reply(self, text):
        if self.opts.raw_replies:
            return codecs.escape_decode(text.encode())[0]
        return text

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.opts.rcpt_reply and (
            not self.opts.rcpt_fail or address in self.opts.rcpt_fail
        ):
            return self.reply(self.opts.rcpt_reply)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # The final "." has arrived: tests that signal the client "after the
        # dot" wait for this line instead of sleeping.
        with open(os.path.join(self.rec.spool, "dots.log"), "a") as f:
            f.write("dot\n")
        if self.opts.stall_at == "data-end":
            await asyncio.sleep(3600)
        if self.opts.data_reply or self.opts.data_fail_first > 0:
            if self.opts.data_delay > 0:
                await asyncio.sleep(self.opts.data_delay)
            if self.opts.data_reply:
                return self.reply(self.opts.data_reply)
            self.opts.data_fail_first -= 1
            return "451 4.3.0 try again later"
        self.rec.count += 1
        n = self.rec.count
        base = os.path.join(self.rec.spool, "msg-%d" % n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "tls": server.in_tls(),
                },
                f,
            )
        if self.opts.data_delay > 0:
            # A slow server that has accepted the message (committed to its
            # queue, as a real MTA does before it replies) and says so late.
            # A client that gives up and goes away does not undo that: the
            # message was delivered, which is why its outcome is "unknown".
            await asyncio.sleep(self.opts.data_delay)
        return "250 2.0.0 OK queued as %d" % n


class Sink(SMTP):
    def __init__(self, handler, opts, rec, **kw):
        self.opts = opts
        self.rec = rec
        self._inject = False
        super().__init__(handler, **kw)
        for name, method in list(self._smtp_methods.items()):
            self._smtp_methods[name] = self._logged(name, method)

    def in_tls(self):
        return self.opts.mode == "smtps" or self._tls_protocol is not None

    def _logged(self, name, method):
        async def wrapper(arg):
            shown = arg or ""
            if name == "AUTH" and shown:
                shown = shown.split(" ")[0] + " <redacted>"
            state = "tls" if self.in_tls() else "plain"
            self.rec.line(("C %s %s %s" % (state, name, shown)).rstrip())
            return await method(arg)

        return wrapper

    async def push(self, status):
        if self._inject and isinstance(status, str) and status.startswith("220"):
            # RFC 3207 §5 attack: a response pipelined with the 220 that the
            # client must discard, never act on.
            self._inject = False
            status = status + "\r\n250 injected"
        await super().push(status)

    async def smtp_STARTTLS(self, arg):
        if self.opts.stall_at == "starttls":
            await asyncio.sleep(3600)
        if self.opts.starttls_reply:
            await self.push(self.opts.starttls_reply)
            return
        if self.opts.inject_after_starttls:
            self._inject = True
        await super().smtp_STARTTLS(arg)

    async def check_auth_needed(self, caller_method):
        if self.opts.auth_at_rcpt and caller_method == "MAIL":
            return False
        return await super().check_auth_needed(caller_method)

    async def smtp_MAIL(self, arg):
        if self.opts.stall_at == "mail":
            await asyncio.sleep(3600)
        await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg):
        if self.opts.drop_mid_data and self.envelope.rcpt_tos:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            try:
                await self._reader.readuntil(b"\r\n")
            except Exception:
                pass
            self.rec.line("S dropped connection mid-DATA")
            self.transport.abort()
            await asyncio.sleep(3600)
            return
        await super().smtp_DATA(arg)


def tls_context(opts):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.cert, opts.key)
    if opts.tls_max == "1.1":
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if opts.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if opts.dh_params:
        ctx.load_dh_params(opts.dh_params)
    if opts.ciphers:
        ctx.set_ciphers(opts.ciphers)
    return ctx


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["plain", "starttls", "smtps"], required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--spool", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--auth-before-tls", action="store_true")
    p.add_argument("--rcpt-reply", default="")
    p.add_argument("--rcpt-fail", action="append", default=[])
    p.add_argument("--data-reply", default="")
    p.add_argument("--raw-replies", action="store_true")
    p.add_argument("--drop-mid-data", action="store_true")
    # Answer 451 to the end of DATA of the first N messages, then accept.
    p.add_argument("--data-fail-first", type=int, default=0)
    p.add_argument("--data-delay", type=float, default=0)
    p.add_argument("--stall-at", choices=["", "mail", "starttls", "data-end"], default="")
    p.add_argument("--starttls-reply", default="")
    p.add_argument("--inject-after-starttls", action="store_true")
    p.add_argument("--tls-max", choices=["", "1.1", "1.2"], default="")
    p.add_argument("--auth-at-rcpt", action="store_true")
    p.add_argument("--ciphers", default="")
    p.add_argument("--dh-params", default="")
    p.add_argument("--size-limit", type=int, default=0)
    opts = p.parse_args()

    rec = Recorder(opts.spool)
    handler = Handler(opts, rec)
    ctx = tls_context(opts) if opts.mode != "plain" else None

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == opts.user
            and auth_data.password.decode() == opts.password
        )
        rec.line("A %s %s" % (mechanism, "ok" if ok else "denied"))
        return AuthResult(success=ok, handled=False)

    kw = dict(hostname="sink.test", timeout=120)
    if opts.size_limit:
        kw.update(data_size_limit=opts.size_limit)
    if opts.user:
        kw.update(authenticator=authenticator, auth_required=True)
    if opts.mode == "starttls":
        kw.update(tls_context=ctx, require_starttls=True)
    if opts.mode == "smtps" or opts.auth_before_tls:
        kw.update(auth_require_tls=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: Sink(handler, opts, rec, loop=loop, **kw),
            host="127.0.0.1",
            port=0,
            ssl=ctx if opts.mode == "smtps" else None,
        )
    )
    port = server.sockets[0].getsockname()[1]
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, opts.port_file)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
