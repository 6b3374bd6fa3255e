# SPDX-License-Identifier: GPL-3.0-or-later
"""MIME helpers for the e2e integration suite, written independently of
peermail (Python's email module plus plain byte splitting), so that our output
is checked by code we did not write.

usage:
  e2e_mime.py split-signed MSG CONTENT SIG   # RFC 3156 §5 split: signed bytes, signature
  e2e_mime.py micalg MSG                     # print the micalg parameter
  e2e_mime.py encrypted-payload MSG OUT      # the application/octet-stream part
  e2e_mime.py header MSG NAME                # print a header value
  e2e_mime.py build-signed HEADERS CONTENT SIG MICALG OUT   # our own multipart/signed
  e2e_mime.py wrap-mixed MSG OUT before|after|both          # signed entity beside unsigned text
  e2e_mime.py build-encrypted HEADERS PAYLOAD OUT           # multipart/encrypted, base64 payload
"""
import base64
import email
import email.policy
import sys


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    return raw, email.message_from_bytes(raw, policy=email.policy.compat32)


def split_head(raw):
    i = raw.find(b"\r\n\r\n")
    sep = 4
    if i < 0:
        i = raw.find(b"\n\n")
        sep = 2
    return raw[:i], raw[i + sep:]


def content_headers(head):
    """Return the Content-* header lines (with continuations) of a header block."""
    out, keep = [], False
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line)
            continue
        keep = line.lower().startswith(b"content-")
        if keep:
            out.append(line)
    return b"\r\n".join(out)


def other_headers(head):
    out, keep = [], False
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line)
            continue
        keep = not line.lower().startswith(b"content-") and not line.lower().startswith(b"mime-version")
        if keep:
            out.append(line)
    return b"\r\n".join(out)


def main(argv):
    cmd = argv[1]
    if cmd == "split-signed":
        raw, msg = load(argv[2])
        assert msg.get_content_type() == "multipart/signed", msg.get_content_type()
        boundary = msg.get_boundary().encode()
        _, body = split_head(raw)
        delim = b"--" + boundary
        start = body.index(delim + b"\r\n") + len(delim) + 2
        end = body.index(b"\r\n" + delim, start)
        with open(argv[3], "wb") as f:
            f.write(body[start:end])
        sig = msg.get_payload()[1]
        assert sig.get_content_type() == "application/pgp-signature"
        with open(argv[4], "wb") as f:
            f.write(sig.get_payload(decode=True))
    elif cmd == "micalg":
        _, msg = load(argv[2])
        print(msg.get_param("micalg"))
    elif cmd == "encrypted-payload":
        _, msg = load(argv[2])
        assert msg.get_content_type() == "multipart/encrypted", msg.get_content_type()
        assert msg.get_param("protocol") == "application/pgp-encrypted"
        parts = msg.get_payload()
        assert parts[0].get_content_type() == "application/pgp-encrypted"
        with open(argv[3], "wb") as f:
            f.write(parts[1].get_payload(decode=True))
    elif cmd == "body":
        _, msg = load(argv[2])
        sys.stdout.write(msg.get_payload(decode=True).decode("utf-8", "replace"))
    elif cmd == "header":
        _, msg = load(argv[2])
        print(msg.get(argv[3], ""))
    elif cmd == "build-signed":
        head = open(argv[2], "rb").read().replace(b"\n", b"\r\n").rstrip(b"\r\n")
        content = open(argv[3], "rb").read()
        sig = open(argv[4], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        b = b"e2e-test-boundary-4711"
        out = (head + b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; micalg=\"" + argv[5].encode()
               + b"\"; protocol=\"application/pgp-signature\"; boundary=\"" + b + b"\"\r\n\r\n"
               + b"--" + b + b"\r\n" + content + b"\r\n--" + b + b"\r\n"
               + b"Content-Type: application/pgp-signature\r\n\r\n" + sig + b"\r\n--" + b + b"--\r\n")
        open(argv[6], "wb").write(out)
    elif cmd == "wrap-mixed":
        raw, _ = load(argv[2])
        head, body = split_head(raw)
        b = b"e2e-mixed-0815"
        text = b"Content-Type: text/plain\r\n\r\nUnsigned words the attacker added.\r\n"
        parts = []
        if argv[4] in ("before", "both"):
            parts.append(text)
        parts.append(content_headers(head) + b"\r\n\r\n" + body)
        if argv[4] in ("after", "both"):
            parts.append(text)
        out = other_headers(head) + b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n"
        for p in parts:
            out += b"--" + b + b"\r\n" + p + b"\r\n"
        out += b"--" + b + b"--\r\n"
        open(argv[3], "wb").write(out)
    elif cmd == "build-encrypted":
        head = open(argv[2], "rb").read().replace(b"\n", b"\r\n").rstrip(b"\r\n")
        payload = open(argv[3], "rb").read()
        b = b"e2e-enc-boundary-1234"
        enc = base64.encodebytes(payload).replace(b"\n", b"\r\n")
        out = (head + b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\""
               + b + b"\"\r\n\r\n--" + b + b"\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--" + b
               + b"\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc
               + b"\r\n--" + b + b"--\r\n")
        open(argv[4], "wb").write(out)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
