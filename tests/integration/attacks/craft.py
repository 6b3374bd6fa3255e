# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers shared by the generators of crafted messages (make_attacks.py,
make_mangled.py): stock gpg for signing and encryption, byte-exact PGP/MIME
framing, and the table of expected verdicts. Messages are written byte by
byte (not through Python's email package) so each is exactly the bytes
named."""
import os
import subprocess

A = "alice@clinic.test"
M = "mallory@clinic.test"
W = "weak@clinic.test"
B = "bob@clinic.test"


def gpg(args, data):
    p = subprocess.run(["gpg", "--batch", "--yes", "--armor", "--pinentry-mode", "loopback",
                        "--passphrase", "", "--trust-model", "always"] + args,
                       input=data, capture_output=True, check=True)
    return p.stdout


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def detach(signer, content):
    return gpg(["--local-user", signer, "--detach-sign", "--digest-algo", "SHA256"], crlf(content))


def encrypt(to, data, signer=None):
    args = ["--recipient", to, "--encrypt"]
    if signer:
        args = ["--local-user", signer, "--sign"] + args
    return gpg(args, data)


class Table:
    """Crafted messages in OUT, one NAME.eml each, and expected.tsv: the
    verdict each must get."""

    def __init__(self, out):
        self.out = out
        self.rows = []

    def write(self, name, verdict, data):
        with open(os.path.join(self.out, name + ".eml"), "wb") as f:
            f.write(data)
        self.rows.append((name, verdict))

    def save(self):
        with open(os.path.join(self.out, "expected.tsv"), "w") as f:
            for name, verdict in self.rows:
                f.write(f"{name}\t{verdict}\n")


def inner_text(body=b"Patient 4711: please call me about the results.\n", headers=None):
    """A protected-headers text part (RFC 9788) or a legacy one."""
    h = b"Content-Type: text/plain; charset=utf-8"
    if headers is not None:
        h += b"; protected-headers=\"v1\"\n" + headers
    else:
        h += b"\n"
    return h + b"\n" + body


PH = (f"From: Alice <{A}>\nTo: Bob <{B}>\nSubject: Results\n"
      "Date: Sat, 05 Dec 2026 10:00:00 +0000\nMessage-ID: <1@clinic.test>\n").encode()
OUTER = (f"From: Alice <{A}>\nTo: Bob <{B}>\nSubject: Results\n"
         "Date: Sat, 05 Dec 2026 10:00:00 +0000\nMessage-ID: <1@clinic.test>\n").encode()


def signed(signer, content, outer=OUTER, preamble=b"", sigpart=None, ct_extra=b""):
    sig = sigpart if sigpart is not None else detach(signer, content)
    return (outer + b"MIME-Version: 1.0\n" + ct_extra
            + b"Content-Type: multipart/signed; micalg=pgp-sha256;\n"
              b" protocol=\"application/pgp-signature\"; boundary=\"SIG\"\n\n"
            + preamble + b"--SIG\n" + content + b"\n--SIG\n"
              b"Content-Type: application/pgp-signature; name=\"signature.asc\"\n\n"
            + sig + b"\n--SIG--\n")


def encrypted(armor, outer=OUTER, version=b"Version: 1\n"):
    return (outer + b"MIME-Version: 1.0\n"
            b"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\n"
            b" boundary=\"ENC\"\n\n--ENC\nContent-Type: application/pgp-encrypted\n\n"
            + version + b"\n--ENC\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n\n"
            + armor + b"\n--ENC--\n")
