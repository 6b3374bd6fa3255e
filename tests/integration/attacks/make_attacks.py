#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write crafted messages that attack `peermail verify`, one file per attack
class, and a table of the verdict each must get (expected.tsv).

Usage: make_attacks.py OUTDIR ALICE_FPR MALLORY_FPR WEAK_FPR BOB_FPR

GNUPGHOME must hold the secret keys of Alice (the colleague the reader
trusts), Mallory (another certified colleague: an insider), Weak (a certified
RSA-1024 key) and Bob (the reader). Messages are written byte by byte (not
through Python's email package) so each attack is exactly the bytes named.
Signing and encryption use stock gpg, independent of peermail.
"""
import base64
import sys

from craft import (A, B, M, OUTER, PH, W, Table, crlf, detach, encrypt, encrypted, gpg,
                   inner_text, signed)

OUT, ALICE, MALLORY, WEAK, BOB = sys.argv[1:6]
table = Table(OUT)
write = table.write


# --- controls: genuine messages stay valid -----------------------------------
good = inner_text(headers=PH)
write("control-protected-headers", "valid", signed(ALICE, good))
legacy = inner_text()
write("control-legacy-signed", "valid", signed(ALICE, legacy))
write("control-encrypted-signed", "valid",
      encrypted(encrypt(BOB, crlf(good), signer=ALICE),
                outer=OUTER.replace(b"Subject: Results", b"Subject: [...]")))
# A provider replaced the Message-ID and moved the Date by seconds: notes only.
mangled = OUTER.replace(b"<1@clinic.test>", b"<relay-77@mx.provider.example>").replace(
    b"10:00:00", b"10:00:07")
write("control-provider-rewrote-message-id-and-date", "valid", signed(ALICE, good, outer=mangled))

# --- outer headers outside the signature --------------------------------------
for name, line in [("reply-to", f"Reply-To: <{M}>"), ("cc", f"Cc: <{M}>"),
                   ("sender", f"Sender: <{M}>"), ("mail-followup-to", f"Mail-Followup-To: <{M}>"),
                   ("followup-to", f"Followup-To: <{M}>")]:
    write(f"outer-{name}-added", "partially-signed",
          signed(ALICE, good, outer=OUTER + line.encode() + b"\n"))
    write(f"legacy-outer-{name}-added", "valid" if name == "cc" else "partially-signed", signed(ALICE, legacy, outer=OUTER + line.encode() + b"\n"))
write("encrypted-outer-reply-to-added", "partially-signed",
      encrypted(encrypt(BOB, crlf(good), signer=ALICE),
                outer=OUTER.replace(b"Subject: Results", b"Subject: [...]")
                + f"Reply-To: <{M}>\n".encode()))

# --- replay: Alice's old signed message re-encrypted under new headers --------
old_signed = signed(ALICE, good, outer=b"")  # an entity: Content-Type + body
old_signed = old_signed[len(b"MIME-Version: 1.0\n"):]
write("replay-reencrypted-new-subject", "partially-signed",
      encrypted(encrypt(BOB, crlf(old_signed)),
                outer=OUTER.replace(b"Subject: Results", b"Subject: Discharge today")))
write("replay-reencrypted-new-to", "partially-signed",
      encrypted(encrypt(BOB, crlf(old_signed)),
                outer=OUTER.replace(f"To: Bob <{B}>".encode(), b"To: Carol <carol@clinic.test>")
                .replace(b"Subject: Results", b"Subject: [...]")))

# --- mixed signers: Mallory's text beside Alice's old signed part -------------
mixed = (b"Content-Type: multipart/mixed; boundary=\"MIX\"\n\n--MIX\n"
         b"Content-Type: text/plain\n\nAlso: send the records to mallory@clinic.test.\n--MIX\n"
         + old_signed + b"\n--MIX--\n")
write("mixed-signers", "signer-mismatch",
      encrypted(encrypt(BOB, crlf(mixed), signer=MALLORY),
                outer=OUTER.replace(b"Subject: Results", b"Subject: [...]")))

# --- identity -------------------------------------------------------------------
mal_outer = OUTER.replace(f"From: Alice <{A}>".encode(),
                          f"From: =?utf-8?q?Mallory_=3C{M.replace('@', '=40')}=3E?= <{A}>".encode())
write("from-encoded-word-address", "signer-mismatch", signed(MALLORY, legacy, outer=mal_outer))
eve_outer = OUTER.replace(f"From: Alice <{A}>".encode(), f"From: \"{A}\" <{M}>".encode())
write("from-display-name-is-another-address", "signer-mismatch",
      signed(MALLORY, legacy, outer=eve_outer))
fw_outer = OUTER.replace(f"From: Alice <{A}>".encode(),
                         f"From: \"alice\uff20clinic.test\" <{M}>".encode())
write("from-display-name-fullwidth-at", "signer-mismatch", signed(MALLORY, legacy, outer=fw_outer))
write("weak-rsa1024-signer", "untrusted-key",
      signed(WEAK, legacy, outer=OUTER.replace(f"From: Alice <{A}>".encode(), f"From: <{W}>".encode())))

# --- structure that readers disagree on ---------------------------------------
write("duplicate-content-type-earlier", "malformed",
      signed(ALICE, legacy, ct_extra=b"Content-Type: text/plain\n"))
# Every From counts: two From addresses can never match one signer.
write("duplicate-from", "signer-mismatch",
      signed(MALLORY, legacy, outer=f"From: <{A}>\n".encode()
             + OUTER.replace(f"From: Alice <{A}>".encode(), f"From: <{M}>".encode())))
write("duplicate-subject", "malformed",
      signed(ALICE, good, outer=b"Subject: Fire Dr. Who\n" + OUTER))
sig = detach(ALICE, legacy)
write("text-before-signature-armor", "malformed",
      signed(ALICE, legacy, sigpart=b"Ignore the above; wire the money.\n" + sig))
write("text-before-version", "malformed",
      encrypted(encrypt(BOB, crlf(good), signer=ALICE),
                outer=OUTER.replace(b"Subject: Results", b"Subject: [...]"),
                version=b"Unsigned note from the server.\nVersion: 1\n"))
write("text-before-message-armor", "malformed",
      encrypted(b"Unsigned note.\n" + encrypt(BOB, crlf(good), signer=ALICE),
                outer=OUTER.replace(b"Subject: Results", b"Subject: [...]")))
# Alice signed a part; an invalid header line is inserted into its header block.
# GMime drops the line, other readers show it.
injected = legacy.replace(b"charset=utf-8\n", b"charset=utf-8\nURGENT stop the medication now\n", 1)
write("invalid-header-line-in-signed-part", "malformed",
      signed(ALICE, legacy, sigpart=detach(ALICE, legacy)).replace(legacy, injected, 1))
write("preamble-starts-with-boilerplate", "partially-signed",
      signed(ALICE, good, preamble=b"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)"
             b" -- and the dose is 10x.\n"))

# --- inline --------------------------------------------------------------------
clear = gpg(["--local-user", ALICE, "--clearsign", "--digest-algo", "SHA256"],
            b"Patient 4711: please call me.\n")
inline_outer = OUTER + b"MIME-Version: 1.0\n"
write("control-inline-signed", "valid",
      inline_outer + b"Content-Type: text/plain; charset=utf-8\n\n" + clear)
armor_hdr = clear.replace(b"-----BEGIN PGP SIGNATURE-----\n",
                          b"-----BEGIN PGP SIGNATURE-----\nComment: and the dose is 10x\n", 1)
write("inline-signature-armor-comment", "partially-signed",
      inline_outer + b"Content-Type: text/plain; charset=utf-8\n\n" + armor_hdr)
write("inline-signed-in-html", "partially-signed",
      inline_outer + b"Content-Type: text/html; charset=utf-8\n\n" + clear)

# --- found by an independent review (each was valid before) -------------------
# Headers inside the encrypted part, above Alice's old signed part (sign, then
# encrypt): a reader of the decrypted message sees them; nobody signed them.
ent = signed(ALICE, good, outer=b"")[len(b"MIME-Version: 1.0\n"):]
for name, inj in [("reply-to", f"Reply-To: Mallory <{M}>\n".encode()),
                  ("from-subject", f"Subject: Stop all medication\nFrom: Mallory <{M}>\n".encode())]:
    write(f"layered-injected-{name}", "partially-signed",
          encrypted(encrypt(BOB, crlf(inj + ent)),
                    outer=OUTER.replace(b"Subject: Results", b"Subject: ...")))
# Another address in a comment or in route syntax of From (signed by Mallory).
for i, frm in enumerate([f"(alice@clinic.test) {M}", f"Mallory <{M}> (alice@clinic.test)",
                         f"<(alice@clinic.test) {M}>", "mallory@(alice@clinic.test)clinic.test",
                         f"(=?utf-8?q?alice=40clinic.test?=) {M}",
                         f"Alice <@alice@clinic.test:{M}>"]):
    write(f"from-comment-or-route-{i}", "signer-mismatch",
          signed(MALLORY, legacy, outer=OUTER.replace(f"From: Alice <{A}>".encode(),
                                                      f"From: {frm}".encode())))
# A NUL in a header: GMime cuts the value there, other readers do not.
write("nul-in-subject", "malformed",
      signed(ALICE, good, outer=OUTER.replace(b"Subject: Results",
                                              b"Subject: Results\x00 - STOP ALL MEDICATION")))
# Display text of address headers and steering headers outside the signature.
write("outer-to-display-name-changed", "partially-signed",
      signed(ALICE, good, outer=OUTER.replace(f"To: Bob <{B}>".encode(),
                                              f"To: STOP ALL MEDICATION: Bob <{B}>;".encode())))
write("outer-to-comment-added", "partially-signed",
      signed(ALICE, good, outer=OUTER.replace(f"To: Bob <{B}>".encode(),
                                              f"To: Bob <{B}> (and wire 5000 EUR)".encode())))
for name in ["List-Post: <mailto:mallory@clinic.test>", f"Disposition-Notification-To: <{M}>"]:
    write("outer-" + name.split(":")[0].lower() + "-added", "partially-signed",
          signed(ALICE, good, outer=OUTER + name.encode() + b"\n"))
# Inline: a "- " gpg strips, and base64 that goes on after its padding.
dash = clear.replace(b"Patient 4711: please call me.\n", b"- Patient 4711: please call me.\n")
write("inline-dash-escape-added", "malformed",
      inline_outer + b"Content-Type: text/plain; charset=utf-8\n\n" + dash)
b64 = base64.encodebytes(clear) + base64.encodebytes(b"\nP.S. wire 5000 EUR to mallory\n")
if b"=" in base64.encodebytes(clear):
    write("inline-base64-after-padding", "malformed",
          inline_outer + b"Content-Type: text/plain; charset=utf-8\n"
          b"Content-Transfer-Encoding: base64\n\n" + b64)
# A genuine preamble some writers use: not a false alarm.
write("control-preamble-multipart-without-hyphen", "valid",
      signed(ALICE, good, preamble=b"This is a multipart message in MIME format.\n"))

# --- interoperability: genuine shapes other clients produce ----------------------
# Outlook re-wraps PGP/MIME as multipart/mixed; Thunderbird repairs it.
armor = encrypt(BOB, crlf(good), signer=ALICE)
write("control-outlook-rewrapped", "valid",
      OUTER.replace(b"Subject: Results", b"Subject: [...]") + b"MIME-Version: 1.0\n"
      b"Content-Type: multipart/mixed; boundary=\"OL\"\n\n--OL\n"
      b"Content-Type: text/plain; charset=us-ascii\n\n\n--OL\n"
      b"Content-Type: application/pgp-encrypted; name=\"PGPMIME Versions Identification\"\n"
      b"Content-Disposition: attachment; filename=\"PGPMIME Versions Identification\"\n\n"
      b"Version: 1\n\n--OL\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n"
      b"Content-Disposition: attachment; filename=\"encrypted.asc\"\n\n" + armor + b"\n--OL--\n")
# Inline PGP, signed and encrypted (integrity protected): valid, and decrypted.
write("control-inline-encrypted-signed", "valid",
      inline_outer + b"Content-Type: text/plain; charset=utf-8\n\n"
      + encrypt(BOB, b"Inline secret: call me.\n", signer=ALICE))

table.save()
