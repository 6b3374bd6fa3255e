#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Genuine signed mail as providers, relays, mailing lists and mail programs
hand it on: one file per (message, transformation) and the verdict each must
get (expected.tsv, as make_attacks.py writes it).

Usage:
  make_mangled.py OUTDIR ALICE_FPR BOB_FPR
      GNUPGHOME holds Alice's (the signer) and Bob's (the reader) secret
      keys. Also writes OUTDIR/smime/{ca.pem,ana.pem,ana.key}: a fresh
      OpenSSL root and Ana's certificate (ana@clinic.test) for the S/MIME
      messages, signed with `openssl cms` and `openssl smime`.
  make_mangled.py neutral SRCDIR OUTDIR
      For every SRCDIR/*.eml, write OUTDIR/NAME~TRANSFORM.eml for each
      transformation that must not change any verdict (line endings, relay
      headers, a rewritten boundary, ...), and OUTDIR/neutral.tsv
      (variant, original).

The rule behind each expected verdict (docs/THREATS.md, "Mail handled in
transit"): what a relay may do without touching the signed bytes (line
endings, headers added above, the MIME framing of multipart/signed, the
transfer encoding of the signature blob) keeps `valid`; anything that
changes the signed bytes is the honest `bad-signature`; text a reader sees
beside the signed part (a list footer, a banner, a tagged Subject) is never
presented as signed.
"""
import base64
import os
import quopri
import re
import subprocess
import sys

from craft import B, OUTER, PH, Table, crlf, encrypt, encrypted, gpg, inner_text, signed

# --- byte-level editing of a message --------------------------------------------


def head_body(m):
    """The header block (ending in a newline) and the body, the blank line
    between them dropped; join(h, b) puts it back in h's line ending."""
    i = re.search(rb"\r?\n(\r?\n)", m)
    return m[:i.start(1)], m[i.end(1):]


def join(h, b):
    return h + (b"\r\n" if h.endswith(b"\r\n") else b"\n") + b


def header_fields(h):
    """The fields of a header block: each a list of its raw lines."""
    out = []
    for line in h.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and out:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def field_name(f):
    return f[0].split(b":", 1)[0].strip().lower().decode("latin-1")


def replace_field(m, name, new_lines):
    """Replace header `name` of the message header block by new_lines (bytes,
    may be folded), or add it at the end when absent."""
    h, b = head_body(m)
    fields = header_fields(h)
    eol = b"\r\n" if h.endswith(b"\r\n") else b"\n"
    new = new_lines.replace(b"\n", eol) + eol
    out, done = [], False
    for f in fields:
        if field_name(f) == name.lower():
            if not done:
                out.append(new)
            done = True
        else:
            out.append(b"".join(f))
    if not done:
        out.append(new)
    return join(b"".join(out), b)


def get_field(m, name):
    h, _ = head_body(m)
    for f in header_fields(h):
        if field_name(f) == name.lower():
            return b"".join(f)
    return None


def boundary_of(m):
    ct = get_field(m, "content-type")
    if ct is None:
        return None
    g = re.search(rb'boundary\s*=\s*"?([^";\r\n]+)"?', ct, re.I)
    return g.group(1) if g else None


def is_delim(line, bd):
    s = line.rstrip(b"\r\n")
    return s.rstrip(b" \t") in (b"--" + bd, b"--" + bd + b"--")


def rename_boundary(m, new):
    """A rewriting MTA renames the root boundary: in Content-Type and in every
    delimiter line of the root body (never inside the parts)."""
    bd = boundary_of(m)
    h, b = head_body(m)
    ct = get_field(m, "content-type")
    m2 = replace_field(m, "content-type", ct.rstrip(b"\r\n").replace(bd, new).replace(b"\r\n", b"\n"))
    h, _ = head_body(m2)
    lines = []
    for line in b.splitlines(keepends=True):
        if is_delim(line, bd):
            line = line.replace(b"--" + bd, b"--" + new, 1)
        lines.append(line)
    return join(h, b"".join(lines))


def body_parts(m):
    """(preamble, [part bytes], epilogue) of the root multipart, each part
    without the line break that belongs to the next delimiter."""
    bd = boundary_of(m)
    _, b = head_body(m)
    pieces, cur, state = [], [], "pre"
    pre, epi = b"", b""
    for line in b.splitlines(keepends=True):
        if state != "epi" and is_delim(line, bd):
            if state == "pre":
                pre = b"".join(cur)
            else:
                pieces.append(b"".join(cur))
            cur = []
            state = "epi" if line.rstrip(b"\r\n").rstrip(b" \t").endswith(b"--" + bd + b"--") else "in"
            continue
        cur.append(line)
    epi = b"".join(cur)
    return pre, [re.sub(rb"\r?\n\Z", b"", p) for p in pieces], epi


def edit_part(m, index, fn):
    """Apply fn to the bytes of root part `index` (exactly as between the
    delimiters) and put it back."""
    bd = boundary_of(m)
    h, _ = head_body(m)
    pre, parts, epi = body_parts(m)
    parts[index] = fn(parts[index])
    eol = b"\r\n" if h.endswith(b"\r\n") else b"\n"
    body = pre
    for p in parts:
        body += b"--" + bd + eol + p + eol
    body += b"--" + bd + b"--" + eol + epi
    return join(h, body)


def set_epilogue(m, text):
    h, b = head_body(m)
    bd = boundary_of(m)
    i = b.rfind(b"--" + bd + b"--")
    end = b.find(b"\n", i)
    return join(h, b[:end + 1] + text)


def set_preamble(m, text):
    h, b = head_body(m)
    bd = boundary_of(m)
    i = b.find(b"--" + bd)
    return join(h, text + b[i:])


def wrap_mixed(m, before=b"", after=b""):
    """Wrap the message body (with its Content-* headers) as one part of a new
    multipart/mixed, with text parts before and after it (a list footer, an
    Exchange banner)."""
    h, b = head_body(m)
    keep, content = [], []
    for f in header_fields(h):
        (content if field_name(f).startswith("content-") else keep).append(b"".join(f))
    body = b"--LIST\n"
    if before:
        body += b"Content-Type: text/plain; charset=utf-8\n\n" + before + b"\n--LIST\n"
    body += b"".join(content).replace(b"\r\n", b"\n") + b"\n" + b.replace(b"\r\n", b"\n").rstrip(b"\n")
    if after:
        body += b"\n--LIST\nContent-Type: text/plain; charset=utf-8\n\n" + after
    body += b"\n--LIST--\n"
    return join(b"".join(keep) + b"Content-Type: multipart/mixed; boundary=\"LIST\"\n", body)


def in_signed_part(m, fn):
    return edit_part(m, 0, fn)


def trailing_ws(p):
    """A relay pads body lines with trailing spaces."""
    h, b = head_body(p)
    return join(h, re.sub(rb"([^\r\n])(\r?\n)", rb"\1  \2", b, count=1))


def trailing_ws_header(p):
    """A relay pads the signed part's first header line."""
    return re.sub(rb"^([^\r\n]*)(\r?\n)", rb"\1 \2", p, count=1)


def qp_signed(p):
    """An 8bit->7bit relay (RFC 6152 without 8BITMIME downstream) recodes the
    8bit signed part as quoted-printable."""
    h, b = head_body(p)
    h = h.replace(b"Content-Transfer-Encoding: 8bit", b"Content-Transfer-Encoding: quoted-printable")
    return join(h, quopri.encodestring(b.replace(b"\r\n", b"\n")))


def rewrap_b64(width):
    """Re-wrap every base64 body inside the part at `width` columns."""
    def fn(p):
        def one(match):
            data = re.sub(rb"\s+", b"", match.group(0))
            eol = b"\r\n" if b"\r\n" in match.group(0) else b"\n"
            return eol.join(data[i:i + width] for i in range(0, len(data), width)) + eol
        return re.sub(rb"(?:[A-Za-z0-9+/=]{16,}\r?\n)+", one, p)
    return fn


def eol_in_part(index, to):
    def fn(m):
        return edit_part(m, index, lambda p: p.replace(b"\r\n", b"\n").replace(b"\n", to))
    return fn


def outer_mixed_eol(m):
    """CRLF on every other outer header line, LF on the rest."""
    h, b = head_body(m)
    lines = h.replace(b"\r\n", b"\n").splitlines(keepends=True)
    h = b"".join(ln.replace(b"\n", b"\r\n") if i % 2 == 0 else ln for i, ln in enumerate(lines))
    return join(h, b)


RELAY = (b"Return-Path: <alice@clinic.test>\n"
         b"Received: from mx.provider.example (mx.provider.example [192.0.2.1])\n"
         b"\tby mail.clinic.test (Postfix) with ESMTPS id 4Z1qQ2\n"
         b"\tfor <bob@clinic.test>; Sat, 05 Dec 2026 10:00:05 +0000 (UTC)\n"
         b"ARC-Seal: i=1; a=rsa-sha256; t=1733392803; cv=none; d=provider.example; s=arc;\n"
         b"\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==\n"
         b"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=provider.example;\n"
         b"\ts=arc; h=from:to:subject:date; bh=Zm9v; b=YmFy\n"
         b"ARC-Authentication-Results: i=1; mx.provider.example; dkim=pass header.d=clinic.test\n"
         b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=clinic.test; s=s1;\n"
         b" h=from:to:subject:date:message-id; bh=Zm9vYmFy;\n b=YmF6cXV4\n"
         b"Authentication-Results: mail.clinic.test; dkim=pass header.d=clinic.test;\n"
         b"  spf=pass smtp.mailfrom=alice@clinic.test\n"
         b"X-Spam-Status: No, score=-0.1 required=5.0\n"
         b"X-Originating-IP: [192.0.2.7]\n"
         b"Received: from\n\t [192.0.2.7] (helo=out.clinic.test)\n  by relay.example  with  esmtp"
         b"   (Exim 4.96)\n\tid 1tXyZ ;\n Sat, 05 Dec 2026 10:00:03 +0000\n")


def relay(m):
    eol = b"\r\n" if m.find(b"\r\n") != -1 and m.find(b"\r\n") <= m.find(b"\n") else b"\n"
    return RELAY.replace(b"\n", eol) + m


def add_cte(value):
    def fn(m):
        return replace_field(m, "content-transfer-encoding", b"Content-Transfer-Encoding: " + value)
    return fn


def neutral_transforms():
    """Transformations that must not change any verdict, for any message."""
    return [
        ("crlf", crlf),
        ("lf", lambda m: m.replace(b"\r\n", b"\n")),
        ("relay-headers", relay),
        ("boundary-renamed", lambda m: rename_boundary(m, b"----=_Part_4711_1733392803.1733392803000")
         if boundary_of(m) else None),
        ("preamble-boilerplate", lambda m: set_preamble(m, b"This is a multi-part message in MIME format.\n")
         if boundary_of(m) and not body_parts(m)[0].strip() else None),
    ]


def neutral(src, out):
    rows = []
    for name in sorted(os.listdir(src)):
        if not name.endswith(".eml"):
            continue
        m = open(os.path.join(src, name), "rb").read()
        for tname, fn in neutral_transforms():
            try:
                v = fn(m)
            except (AttributeError, IndexError, TypeError):
                v = None  # not a shape this transformation applies to
            if v is None or v == m:
                continue
            variant = f"{name[:-4]}~{tname}.eml"
            with open(os.path.join(out, variant), "wb") as f:
                f.write(v)
            rows.append((variant, name))
    with open(os.path.join(out, "neutral.tsv"), "w") as f:
        for v, o in rows:
            f.write(f"{v}\t{o}\n")


# --- the genuine messages -------------------------------------------------------

LONG_SUBJECT = b"Results of the blood panel for patient 4711 and the follow-up appointment next week"
LONG_TO = f"Bob Example <{B}>, Carol Example <carol@clinic.test>, Dave <dave@clinic.test>".encode()


def with_long_headers(block):
    return block.replace(b"Subject: Results", b"Subject: " + LONG_SUBJECT).replace(
        f"To: Bob <{B}>".encode(), b"To: " + LONG_TO)


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data, capture_output=True, check=True).stdout


def smime_setup(d):
    os.makedirs(d, exist_ok=True)
    p = lambda n: os.path.join(d, n)  # noqa: E731
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"),
            "-days", "30", "-subj", "/CN=Mangle Root", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ana.key"), "-out", p("ana.csr"),
            "-subj", "/CN=Ana")
    with open(p("ana.ext"), "w") as f:
        f.write("subjectAltName=email:ana@clinic.test\nkeyUsage=digitalSignature\n"
                "extendedKeyUsage=emailProtection\n")
    openssl("x509", "-req", "-in", p("ana.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
            "-CAcreateserial", "-days", "30", "-extfile", p("ana.ext"), "-out", p("ana.pem"))
    return p("ana.pem"), p("ana.key")


SMIME_OUTER = (b"From: Ana <ana@clinic.test>\nTo: Bob <bob@clinic.test>\nSubject: Lab results\n"
               b"Message-ID: <s1@clinic.test>\n")


def smime_messages(cert, key):
    """Ana's S/MIME mail: detached (openssl cms) and opaque (openssl smime)."""
    entity = b"Content-Type: text/plain; charset=utf-8\r\n\r\nLab results are ready.\r\nCall me.\r\n"
    date = subprocess.run(["date", "-u", "-R"], capture_output=True, check=True).stdout
    outer = SMIME_OUTER + b"Date: " + date
    detached = openssl("cms", "-sign", "-signer", cert, "-inkey", key, "-md", "sha256", data=entity)
    opaque = openssl("smime", "-sign", "-nodetach", "-signer", cert, "-inkey", key, "-md", "sha256",
                     data=entity)
    # A multipart entity that ends at its close delimiter (see tight-multipart).
    tight_entity = crlf(b"Content-Type: multipart/mixed; boundary=\"I\"\n\n--I\n"
                        b"Content-Type: text/plain; charset=utf-8\n\nLab results are ready.\n--I\n"
                        b"Content-Type: text/csv; name=\"lab.csv\"\n\nhb,14.1\n--I--")
    tight = openssl("cms", "-sign", "-signer", cert, "-inkey", key, "-md", "sha256", "-binary",
                    data=tight_entity)
    return (outer + detached.replace(b"\r\n", b"\n"), outer + opaque.replace(b"\r\n", b"\n"),
            outer + tight.replace(b"\r\n", b"\n"))


def main():
    out, alice, bob = sys.argv[1:4]
    t = Table(out)
    ph_long = with_long_headers(PH)
    outer_long = with_long_headers(OUTER)
    good = inner_text(headers=ph_long)
    legacy = inner_text()
    base = {
        "ph": signed(alice, good, outer=outer_long),
        "legacy": signed(alice, legacy),
        "enc": encrypted(encrypt(bob, crlf(good), signer=alice),
                         outer=outer_long.replace(b"Subject: " + LONG_SUBJECT, b"Subject: [...]")),
    }
    # A protected-headers message with a base64 attachment inside the signature.
    att = (b"Content-Type: multipart/mixed; boundary=\"INNER\"; protected-headers=\"v1\"\n" + ph_long
           + b"\n--INNER\nContent-Type: text/plain; charset=utf-8\n\nThe scan is attached.\n--INNER\n"
           b"Content-Type: application/pdf; name=\"scan.pdf\"\n"
           b"Content-Disposition: attachment; filename=\"scan.pdf\"\n"
           b"Content-Transfer-Encoding: base64\n\n"
           + base64.encodebytes(bytes(range(256)) * 2) + b"--INNER--\n")
    base["attachment"] = signed(alice, att, outer=outer_long)
    # The same ending at its close delimiter, as Python's email package and
    # other writers make it: the line break after it belongs to the next
    # delimiter (RFC 2046 §5.1.1), so the signed bytes end with "--INNER--".
    base["tight-multipart"] = signed(alice, att[:-1], outer=outer_long)
    # An 8bit signed part (RFC 3156 asks for 7bit; some writers send 8bit).
    eight = ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
             "Grüße: bitte rufen Sie mich an.\n").encode()
    base["eightbit"] = signed(alice, eight)
    # A text-mode (0x01) signature, as some PGP/MIME writers make.
    text_sig = gpg(["--local-user", alice, "--detach-sign", "--textmode", "--digest-algo", "SHA256"],
                   crlf(legacy))
    base["textmode"] = signed(alice, legacy, sigpart=text_sig)
    # A line that starts with "From " (mbox writers munge it).
    base["from-line"] = signed(
        alice, inner_text(b"Patient 4711: please call me.\nFrom now on, the dose is 5 mg.\n"))
    cert, key = smime_setup(os.path.join(out, "smime"))
    base["smime-detached"], base["smime-opaque"], base["smime-tight"] = smime_messages(cert, key)

    for name, m in base.items():
        t.write(f"{name}~as-sent", "valid", m)

    pgp = ["ph", "legacy", "enc", "attachment", "tight-multipart", "eightbit", "textmode"]
    smime = ["smime-detached", "smime-opaque", "smime-tight"]
    multipart = pgp + ["smime-detached", "smime-tight"]
    allb = pgp + smime
    rows = []

    def case(names, tname, verdict, fn):
        for n in names:
            rows.append((n, tname, verdict(n) if callable(verdict) else verdict, fn))

    # Line endings (RFC 3156 §5: canonical CRLF before checking).
    case(allb, "crlf", "valid", crlf)
    case(allb, "outer-mixed-eol", "valid", outer_mixed_eol)
    # Relays add trace and authentication headers above.
    case(allb, "relay-headers", "valid", relay)
    case(allb, "relay-headers-crlf", "valid", lambda m: crlf(relay(m)))
    # Headers appended below the others (Mailman, virus scanners), and a fold
    # whose continuation line holds only whitespace (obs-FWS, RFC 5322 §4.2).
    below = lambda m: join(head_body(m)[0] + b"X-Virus-Scanned: clamav at lists.clinic.test\n"  # noqa: E731
                           b"X-Mailman-Version: 2.1.39\n", head_body(m)[1])
    case(allb, "headers-appended", "valid", below)
    case(["ph", "legacy", "smime-detached"], "relay-whitespace-only-fold", "valid",
         lambda m: b"X-Relay-Note: checked\n \n by mx.provider.example\n" + m)
    # Outer header refolding and re-encoding.
    refold = lambda m: replace_field(  # noqa: E731
        replace_field(m, "subject", b"Subject: Results of the blood panel for patient 4711 and\n"
                      b"\tthe follow-up appointment next week"),
        "to", b"To: Bob Example <bob@clinic.test>,\n Carol Example <carol@clinic.test>,\n"
              b" Dave <dave@clinic.test>")
    case(["ph", "enc", "attachment"], "outer-refolded", "valid", refold)
    s2047 = lambda m: replace_field(  # noqa: E731
        m, "subject", b"Subject: =?UTF-8?Q?Results_of_the_blood_panel_for_patient_4711_?=\n"
                      b" =?UTF-8?Q?and_the_follow-up_appointment_next_week?=")
    case(["ph", "attachment"], "outer-subject-rfc2047", "valid", s2047)
    case(["ph"], "outer-to-rfc2047", "valid", lambda m: replace_field(
        m, "to", b"To: =?utf-8?q?Bob_Example?= <bob@clinic.test>, =?utf-8?b?Q2Fyb2wgRXhhbXBsZQ==?=\n"
                 b" <carol@clinic.test>, Dave <dave@clinic.test>"))
    case(["ph", "enc", "smime-detached"], "outer-from-rfc2047", "valid", lambda m: re.sub(
        rb"^From: (Alice|Ana) ", lambda g: b"From: =?utf-8?q?" + g.group(1) + b"?= ", m, count=1, flags=re.M))
    # The same instant in another zone and form (RFC 5322 §3.3).
    case(["ph", "enc"], "outer-date-reformatted", "valid", lambda m: replace_field(
        m, "date", b"Date: Sat, 5 Dec 2026 11:00:00 +0100 (CET)"))
    case(["ph"], "outer-to-quoted", "valid", lambda m: replace_field(
        m, "to", b'To: "Bob Example" <bob@clinic.test>, "Carol Example" <carol@clinic.test>,'
                 b'\n "Dave" <dave@clinic.test>'))
    case(["legacy"], "outer-subject-rfc2047", "valid",
         lambda m: replace_field(m, "subject", b"Subject: =?iso-8859-1?q?Results?="))
    # multipart/signed Content-Type parameters.
    for tname, ct in [
            ("ct-param-order", b'Content-Type: multipart/signed; boundary="SIG";\n'
                               b' protocol="application/pgp-signature"; micalg=pgp-sha256'),
            ("ct-unquoted", b"Content-Type: multipart/signed; micalg=pgp-sha256;\n"
                            b" protocol=application/pgp-signature; boundary=SIG"),
            ("ct-quoted", b'Content-Type: multipart/signed; micalg="pgp-sha256";\n'
                          b' protocol="application/pgp-signature"; boundary="SIG"'),
            ("ct-case", b'Content-Type: Multipart/Signed; MICALG=PGP-SHA256;\n'
                        b' Protocol="Application/PGP-Signature"; Boundary="SIG"'),
            ("ct-folded-spaces", b'Content-Type:   multipart/signed ;\n\tmicalg = pgp-sha256 ;\n'
                                 b'\tprotocol = "application/pgp-signature" ;\n\tboundary = "SIG"  ')]:
        case(["ph", "legacy"], tname, "valid", lambda m, ct=ct: replace_field(m, "content-type", ct))

    def smime_ct(m, fmt):
        bd = boundary_of(m)
        return replace_field(m, "content-type", fmt.replace(b"@B@", bd))
    for tname, ct in [
            ("ct-pkcs7-signature", b'Content-Type: multipart/signed; protocol="application/pkcs7-signature";'
                                   b'\n micalg=sha-256; boundary="@B@"'),
            ("ct-param-order", b'Content-Type: multipart/signed; boundary="@B@"; micalg="sha-256";\n'
                               b' protocol="application/x-pkcs7-signature"'),
            ("ct-case", b'Content-Type: Multipart/Signed; Protocol="Application/X-PKCS7-Signature";\n'
                        b' MicAlg=SHA-256; boundary="@B@"')]:
        case(["smime-detached"], tname, "valid", lambda m, ct=ct: smime_ct(m, ct))
    case(["smime-detached"], "sig-part-type-pkcs7-name", "valid", lambda m: edit_part(
        m, 1, lambda p: re.sub(rb"Content-Type: [^\n]*\n", b"Content-Type: application/pkcs7-signature;"
                               b" name=smime.p7s; smime-type=signed-data\n", p, count=1)))
    # Preamble and epilogue a relay or list adds.
    case(multipart, "preamble-boilerplate", "valid",
         lambda m: set_preamble(m, b"This is a multi-part message in MIME format.\n"))
    case(multipart, "epilogue-blank", "valid", lambda m: set_epilogue(m, b"\n\n"))
    # A rewriting MTA renames the boundary.
    case(multipart, "boundary-renamed", "valid",
         lambda m: rename_boundary(m, b"----=_Part_4711_1733392803.1733392803000"))
    # Transport padding after the delimiters (RFC 2046 §5.1.1), no newline at the end.
    case(multipart, "delimiter-padding", "valid", lambda m: re.sub(
        rb"^(--" + re.escape(boundary_of(m)) + rb"(?:--)?)(\r?\n)", rb"\1 \t\2", m, flags=re.M))
    case(multipart, "no-final-newline", "valid", lambda m: m.rstrip(b"\r\n"))
    # A gateway re-encodes the (unsigned) signature part as base64, or in CRLF.
    case(["ph", "legacy"], "sig-part-base64", "valid", lambda m: edit_part(m, 1, lambda p: join(
        head_body(p)[0] + b"Content-Transfer-Encoding: base64\n",
        base64.encodebytes(head_body(p)[1]))))
    case(["ph", "legacy"], "sig-part-crlf", "valid", eol_in_part(1, b"\r\n"))
    # A mailing list: List-* headers are not shown as the message; a tagged
    # Subject is, and List-Post steers replies (verify_attacks: outer-list-post-added).
    list_headers = (b"List-Id: Clinic list <clinic-list.lists.clinic.test>\n"
                    b"List-Unsubscribe: <mailto:clinic-list-leave@lists.clinic.test>\n"
                    b"List-Archive: <https://lists.clinic.test/archive/clinic-list>\n"
                    b"List-Help: <mailto:clinic-list-request@lists.clinic.test?subject=help>\n"
                    b"Precedence: list\nX-BeenThere: clinic-list@lists.clinic.test\n")
    case(allb, "list-headers", "valid", lambda m: list_headers + m)
    list_tag = lambda m: replace_field(m, "subject", b"Subject: [clinic-list] " + re.sub(  # noqa: E731
        rb"^Subject: ?", b"", get_field(m, "subject").rstrip(b"\r\n").replace(b"\r", b"")))
    case(["ph", "attachment"], "subject-list-tag", "partially-signed", list_tag)
    case(["legacy", "smime-detached"], "subject-list-tag", "valid", list_tag)
    # Content-Transfer-Encoding on the outer multipart.
    case(multipart, "outer-cte-7bit", "valid", add_cte(b"7bit"))
    case(multipart, "outer-cte-8bit", "valid", add_cte(b"8bit"))
    # Everything a relay chain does at once.
    case(multipart, "relay-chain", "valid", lambda m: crlf(relay(set_preamble(
        rename_boundary(m, b"b1_0123456789abcdef"), b"This is a multi-part message in MIME format.\n"))))
    # The signed bytes changed: the honest verdict is bad-signature.
    for n in ["ph", "legacy", "smime-detached"]:
        rows.append((n, "signed-part-trailing-space", "bad-signature",
                     lambda m: in_signed_part(m, trailing_ws)))
        rows.append((n, "signed-part-header-trailing-space", "bad-signature",
                     lambda m: in_signed_part(m, trailing_ws_header)))
    # gpg ignores trailing spaces under a text-mode signature; the reader
    # sees them (format=flowed joins lines there): never valid.
    rows.append(("textmode", "signed-part-trailing-space", "bad-signature",
                 lambda m: in_signed_part(m, trailing_ws)))
    rows.append(("legacy", "banner-in-signed-text", "bad-signature", lambda m: in_signed_part(
        m, lambda p: p.replace(b"\n\n", b"\n\nCAUTION: This email originated from outside.\n", 1))))
    # mbox "From " munging inside the signed text (">From ").
    rows.append(("from-line", "signed-part-from-munged", "bad-signature", lambda m: in_signed_part(
        m, lambda p: p.replace(b"\nFrom now", b"\n>From now"))))
    rows.append(("eightbit", "signed-part-8bit-to-qp", "bad-signature",
                 lambda m: in_signed_part(m, qp_signed)))
    rows.append(("attachment", "signed-part-base64-rewrapped", "bad-signature",
                 lambda m: in_signed_part(m, rewrap_b64(64))))
    # The S/MIME signature blob re-wrapped or in other line endings.
    case(["smime-detached"], "sig-base64-72", "valid", lambda m: edit_part(m, 1, rewrap_b64(72)))
    case(["smime-detached"], "sig-base64-76", "valid", lambda m: edit_part(m, 1, rewrap_b64(76)))
    case(["smime-detached"], "sig-part-crlf", "valid", eol_in_part(1, b"\r\n"))
    case(["smime-opaque"], "blob-base64-76", "valid", lambda m: join(
        head_body(m)[0], rewrap_b64(76)(head_body(m)[1])))
    case(["smime-opaque"], "blob-base64-64-crlf", "valid", lambda m: crlf(join(
        head_body(m)[0], rewrap_b64(64)(head_body(m)[1]))))
    # The opaque entity's type and file name as older writers spell them.
    case(["smime-opaque"], "opaque-no-smime-type", "valid", lambda m: replace_field(
        m, "content-type", b'Content-Type: application/x-pkcs7-mime; name="smime.p7m"'))
    case(["smime-opaque"], "opaque-pkcs7-mime", "valid", lambda m: replace_field(
        m, "content-type", b"Content-Type: application/pkcs7-mime; smime-type=signed-data;\n"
                           b' name="smime.p7m"'))
    case(["smime-opaque"], "opaque-type-case", "valid", lambda m: replace_field(
        m, "content-type", b"Content-Type: Application/PKCS7-MIME;\n\tsmime-type=Signed-Data; name=smime.p7m"))
    # A mailing list or gateway adds text a reader sees beside the signed part.
    footer = b"--\nclinic-list mailing list\nhttps://lists.clinic.test/clinic-list\n"
    case(multipart + ["smime-opaque"], "list-footer-part", "partially-signed", lambda m: wrap_mixed(m, after=footer))
    case(multipart, "list-footer-epilogue", "partially-signed", lambda m: set_epilogue(m, footer))
    banner = b"CAUTION: This email originated from outside of the organization.\n"
    case(multipart + ["smime-opaque"], "banner-part", "partially-signed", lambda m: wrap_mixed(m, before=banner))
    # An "[EXTERNAL]" Subject tag: against protected headers it is an unsigned
    # Subject; legacy mail has an unsigned Subject anyway (listed, LIMITS.md).
    tag = lambda m: replace_field(m, "subject", b"Subject: [EXTERNAL] " + re.sub(  # noqa: E731
        rb"^Subject: ?", b"", get_field(m, "subject").rstrip(b"\r\n").replace(b"\r", b"")))
    case(["ph", "enc", "attachment"], "subject-external-tag", "partially-signed", tag)
    case(["legacy", "smime-detached", "smime-opaque"], "subject-external-tag", "valid", tag)

    for n in multipart:  # the editing helpers keep every byte they do not change
        assert edit_part(base[n], 0, lambda p: p) == base[n], n
        assert edit_part(crlf(base[n]), 1, lambda p: p) == crlf(base[n]), n
    # A list rewrites From to itself (DMARC mitigation): not the signer.
    rows.append(("legacy", "list-dmarc-from-rewrite", "signer-mismatch", lambda m: replace_field(
        m, "from", b"From: Alice via clinic-list <clinic-list@lists.clinic.test>") + b""))
    for n, tname, verdict, fn in rows:
        m = fn(base[n])
        if m == base[n]:
            raise SystemExit(f"{n}~{tname}: the transformation changed nothing")
        t.write(f"{n}~{tname}", verdict, m)
    t.save()


if __name__ == "__main__":
    if sys.argv[1] == "neutral":
        neutral(sys.argv[2], sys.argv[3])
    else:
        main()
