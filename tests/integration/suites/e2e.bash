# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end protection with real gpg: `encrypt`, `sign` and `verify`
# (RFC 3156, RFC 9788), checked against stock gpg and Python's email module,
# plus one verdict test per DESIGN.md §6 failure class.
#
# Trust: Ana (the sender) is our own key (ownertrust ultimate); Sam's key is
# certified by Ana, so its user ID has full validity. Zed's key is in the
# keyring but certified by no one (validity unknown).

suite_probe() {
    probe_gpg && [ -x /usr/bin/python3 ] || { echo "gpg or /usr/bin/python3 missing"; return 1; }
}

suite_setup() {
    gpg_home_new
    local ana sam zed old rev now
    ana=$(gpg_gen_key "Ana Ruiz" ana@clinic.test)
    sam=$(gpg_gen_key "Sam Lee" sam@hospital.test)
    zed=$(gpg_gen_key "Zed Unknown" zed@clinic.test)
    rev=$(gpg_gen_key "Rex Revoked" rex@clinic.test)
    gpg_trust_ultimate "$ana"
    gpg_certify "$ana" "$sam"
    gpg_certify "$ana" "$rev"
    # gpg makes every key generated here ultimately trusted; Zed must not be.
    echo "$zed:2:" | gpg --batch --quiet --import-ownertrust 2>/dev/null
    # A key that expired: made two years ago with a one-year lifetime.
    now=$(date +%s)
    old="$((now - 2 * 365 * 86400))!"
    gpg --batch --quiet --faked-system-time "$old" --pinentry-mode loopback --passphrase '' \
        --quick-gen-key "Old Key <old@clinic.test>" ed25519 sign,cert 1y 2>/dev/null
    local oldfpr
    oldfpr=$(gpg --with-colons --list-keys "=Old Key <old@clinic.test>" | awk -F: '/^fpr:/ {print $10; exit}')
    gpg --batch --quiet --yes --faked-system-time "$old" --pinentry-mode loopback --passphrase '' \
        --default-key "$ana" --quick-lsign-key "$oldfpr" 2>/dev/null
    printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned long ago.\r\n' >"$SUITE_DIR/old-content"
    gpg --batch --quiet --faked-system-time "$old" --pinentry-mode loopback --passphrase '' \
        -u "$oldfpr" --armor --detach-sign -o "$SUITE_DIR/old-content.asc" "$SUITE_DIR/old-content" 2>/dev/null
    write_config "$SUITE_DIR/c.toml" signing_key="$ana" audit_path="$SUITE_DIR/audit.jsonl"
    cat >"$SUITE_DIR/env.sh" <<ENV
export GNUPGHOME=$GNUPGHOME ANA=$ana SAM=$sam ZED=$zed REV=$rev OLD=$oldfpr
export CFG=$SUITE_DIR/c.toml MIMEPY=$PEERMAIL_SOURCE_DIR/tests/integration/suites/e2e_mime.py
ENV
}

write_msg() {
    printf '%s\r\n' \
        "From: Ana Ruiz <ana@clinic.test>" \
        "To: Sam Lee <sam@hospital.test>" \
        "Subject: Lab results for bed 12" \
        "Date: Mon, 30 Nov 2026 08:00:00 +0000" \
        "Message-ID: <e2e-1@clinic.test>" \
        "Content-Type: text/plain; charset=utf-8" \
        "Content-Transfer-Encoding: 8bit" \
        "" \
        "Potassium 4.1 mmol/L, caf$(printf '\xc3\xa9') later." \
        "From the lab: trailing space here " \
        "-- " \
        "Ana" >"${1:-msg.eml}"
}

mime() { /usr/bin/python3 "$MIMEPY" "$@"; }

verdict_is() { # verdict_is FILE VERDICT: exit 1 (or 0 for valid) and the verdict
    local want_rc=1
    [ "$2" = valid ] && want_rc=0
    expect_exit $want_rc pm verify "$1"
    expect_contains out "verdict: $2"
}

# --- our output, read by independent tools -----------------------------------

test_sign_verified_by_gpg_and_python_split() {
    write_msg
    expect_exit 0 pm --config "$CFG" sign msg.eml
    mv out signed.eml
    expect_contains signed.eml 'protocol="application/pgp-signature"'
    mime split-signed signed.eml content sig.asc
    expect_exit 0 gpg --status-fd 1 --verify sig.asc content
    expect_contains out "[GNUPG:] GOODSIG"
    expect_contains out "Ana Ruiz <ana@clinic.test>"
    # micalg names the hash actually used (VALIDSIG field 8: 8 SHA256, 9 SHA384, 10 SHA512).
    local algo micalg
    algo=$(awk '$2 == "VALIDSIG" {print $10}' out)
    micalg=$(mime micalg signed.eml)
    case $algo in
        8) expect_eq "$micalg" pgp-sha256 micalg ;;
        9) expect_eq "$micalg" pgp-sha384 micalg ;;
        10) expect_eq "$micalg" pgp-sha512 micalg ;;
        *) fail "unexpected hash algorithm $algo" ;;
    esac
    # Canonical: CRLF only, 7-bit only, the real subject stays outside (sign only).
    if grep -q $'[^\r]$' <(head -c -1 content); then fail "signed content has a bare LF"; fi
    if LC_ALL=C grep -q $'[\x80-\xff]' content; then fail "signed content is not 7-bit"; fi
    expect_contains signed.eml "Subject: Lab results for bed 12"
    expect_contains content 'protected-headers=v1'
}

test_encrypt_decrypted_by_gpg_good_signature() {
    write_msg
    expect_exit 0 pm --config "$CFG" encrypt msg.eml
    mv out enc.eml
    expect_contains enc.eml "Subject: [...]"
    expect_not_contains enc.eml "Lab results"
    expect_not_contains enc.eml "Potassium"
    mime encrypted-payload enc.eml payload.asc
    expect_exit 0 gpg --status-fd 2 --decrypt payload.asc
    expect_contains err "[GNUPG:] GOODSIG"
    expect_contains err "Ana Ruiz <ana@clinic.test>"
    expect_contains err "[GNUPG:] DECRYPTION_OKAY"
    expect_contains out "Subject: Lab results for bed 12"
    expect_contains out 'protected-headers=v1'
    # Encrypted to Sam and to Ana herself (policy.encrypt_to_self).
    gpg --list-packets payload.asc >packets 2>&1 || true
    local sam_sub ana_sub
    sam_sub=$(gpg --with-colons --list-keys "$SAM" | awk -F: '$1 == "sub" {print $5; exit}')
    ana_sub=$(gpg --with-colons --list-keys "$ANA" | awk -F: '$1 == "sub" {print $5; exit}')
    expect_contains packets "keyid $sam_sub"
    expect_contains packets "keyid $ana_sub"
}

# With a Bcc, one ciphertext must not name each recipient's key: the To
# recipient would learn who was Bcc'd. All key IDs are left out (zero).
test_encrypt_with_bcc_hides_every_key_id() {
    write_msg
    sed -i 's/^To: Sam Lee <sam@hospital.test>\r$/To: Sam Lee <sam@hospital.test>\r\nBcc: ana@clinic.test\r/' msg.eml
    expect_contains msg.eml "Bcc: ana@clinic.test"
    expect_exit 0 pm --config "$CFG" encrypt msg.eml
    mv out enc.eml
    expect_contains err "the message has Bcc recipients: no recipient key IDs are written"
    expect_not_contains enc.eml "Bcc"
    mime encrypted-payload enc.eml payload.asc
    gpg --list-packets payload.asc >packets 2>&1 || true
    local sam_sub
    sam_sub=$(gpg --with-colons --list-keys "$SAM" | awk -F: '$1 == "sub" {print $5; exit}')
    expect_not_contains packets "keyid $sam_sub"
    expect_eq "$(grep -c 'pubkey enc packet.*keyid 0000000000000000' packets)" 2 "hidden key IDs"
    # Recipients still decrypt: their client tries its secret keys (gpg
    # exits 2 after a key that did not fit, yet decrypts with the next one).
    gpg --status-fd 2 --decrypt payload.asc >out 2>err || true
    expect_contains err "[GNUPG:] DECRYPTION_OKAY"
    expect_contains err "[GNUPG:] GOODSIG"
    expect_contains out "Subject: Lab results for bed 12"
    expect_not_contains out "Bcc"
    expect_exit 0 pm --config "$CFG" verify --decrypt -o plain.eml enc.eml
    expect_contains out "verdict: valid"
    expect_not_contains plain.eml "Bcc"
    # Without a Bcc the key IDs stay (a reader's client needs no guessing).
    write_msg plain.eml
    expect_exit 0 pm --config "$CFG" encrypt plain.eml
    mv out enc2.eml
    mime encrypted-payload enc2.eml payload2.asc
    gpg --list-packets payload2.asc >packets2 2>&1 || true
    expect_contains packets2 "keyid $sam_sub"
}

# A signature made long after the Date header is how a replayed old message
# looks: a warning (DESIGN.md §6 has no date rule, so the verdict stands).
test_signature_far_from_date_header_warns() {
    write_msg
    sed -i "s/^Date: .*\r\$/Date: $(date -u -R -d '400 days ago')\r/" msg.eml
    expect_exit 0 pm --config "$CFG" sign msg.eml
    mv out signed.eml
    expect_exit 0 pm verify signed.eml
    expect_contains out "verdict: valid"
    expect_contains out "the signature was made 400 days after the message's Date header"
    write_msg recent.eml
    sed -i "s/^Date: .*\r\$/Date: $(date -u -R)\r/" recent.eml
    expect_exit 0 pm --config "$CFG" sign recent.eml
    mv out signed2.eml
    expect_exit 0 pm verify signed2.eml
    expect_not_contains out "Date header"
}

test_encrypt_no_sign() {
    write_msg
    expect_exit 0 pm --config "$CFG" encrypt --no-sign -r sam@hospital.test msg.eml
    mv out enc.eml
    expect_exit 1 pm verify enc.eml
    expect_contains out "verdict: unsigned"
}

test_encrypt_unknown_recipient_67() {
    write_msg
    expect_exit 67 pm --config "$CFG" encrypt -r nobody@nowhere.test msg.eml
    expect_contains err "nobody@nowhere.test"
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
    # -r follows the one address rule of send.
    expect_exit 65 pm --config "$CFG" encrypt -r sam@localhost msg.eml
    expect_contains err '-r: "sam@localhost" is not a valid email address: the domain has no dot'
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
}

test_encrypt_unverified_recipient_67() {
    write_msg
    expect_exit 67 pm --config "$CFG" encrypt -r zed@clinic.test msg.eml
    expect_contains err "zed@clinic.test"
    expect_contains err "[E2E-04]"
}

# --- verdicts ------------------------------------------------------------------

test_valid_signed_and_json() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    verdict_is signed.eml valid
    expect_contains out "from: ana@clinic.test (matches the signer)"
    expect_exit 0 pm --json verify signed.eml
    /usr/bin/python3 - "$ANA" <<'PY'
import json, sys
r = json.load(open("out"))
assert set(r) == {"verdict", "reason", "fix", "protocol", "unsigned_headers", "encrypted", "decrypted",
                  "integrity_protected", "signatures", "from", "from_matches_signer", "fully_covered",
                  "protected_headers", "warnings"}, sorted(r)
assert r["protocol"] == "OpenPGP" and r["reason"] == "" and r["unsigned_headers"] == [], r
assert r["verdict"] == "valid" and r["encrypted"] is False and r["fully_covered"] is True
s = r["signatures"][0]
assert set(s) == {"fingerprint", "uid", "email", "status", "validity", "hash_algo", "created"}, sorted(s)
assert s["fingerprint"] == sys.argv[1] and s["email"] == "ana@clinic.test", s
assert s["status"] == "good" and s["validity"] in ("full", "ultimate") and s["hash_algo"].startswith("SHA"), s
assert r["from"] == "ana@clinic.test" and r["from_matches_signer"] is True and r["protected_headers"] is True
PY
}

test_valid_encrypted_restores_subject() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    expect_exit 0 pm verify --decrypt -o plain.eml enc.eml
    expect_contains out "verdict: valid"
    expect_contains out "encrypted: yes; decrypted: yes; integrity protected: yes"
    expect_contains plain.eml "Subject: Lab results for bed 12"
    expect_not_contains plain.eml "Subject: [...]"
    mime body plain.eml >body
    expect_contains body "Potassium"
    expect_eq "$(stat -c %a plain.eml)" 600 "mode of -o file"
    # --decrypt without -o: plaintext on stdout, the report on stderr.
    expect_exit 0 pm verify --decrypt enc.eml
    expect_contains out "Subject: Lab results for bed 12"
    expect_contains err "verdict: valid"
}

test_altered_body_bad_signature() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    # The body is base64 (it has a "From " line): "Potassium" starts "UG90YXNzaXVt".
    grep -q "^UG90YXNzaXVt" signed.eml || fail "unexpected body encoding"
    sed -i 's/^UG90YXNzaXVt/UG90YXNzaXVu/' signed.eml
    verdict_is signed.eml bad-signature
}

test_changed_from_signer_mismatch() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    sed -i '0,/^From: Ana Ruiz <ana@clinic.test>/s//From: Sam Lee <sam@hospital.test>/' signed.eml
    verdict_is signed.eml signer-mismatch
}

test_two_from_addresses_signer_mismatch() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    sed -i '0,/^From: Ana Ruiz <ana@clinic.test>/s//From: Ana Ruiz <ana@clinic.test>, Eve <eve@evil.test>/' signed.eml
    verdict_is signed.eml signer-mismatch
    expect_contains out "from: ana@clinic.test, eve@evil.test"
}

test_second_from_header_signer_mismatch() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    { printf 'From: Eve <eve@evil.test>\r\n'; cat signed.eml; } >two.eml
    verdict_is two.eml signer-mismatch
}

test_unsigned_text_prepended_partially_signed() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    mime wrap-mixed signed.eml mixed.eml before
    verdict_is mixed.eml partially-signed
}

test_unsigned_text_appended_partially_signed() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    mime wrap-mixed signed.eml mixed.eml after
    verdict_is mixed.eml partially-signed
}

test_unsigned_text_after_closing_boundary_partially_signed() {
    write_msg
    pm --config "$CFG" sign msg.eml >signed.eml
    printf 'Also: please call me at 555-0100.\r\n' >>signed.eml
    verdict_is signed.eml partially-signed
}

test_encrypted_part_beside_unsigned_text_not_valid() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    mime wrap-mixed enc.eml mixed.eml both
    expect_exit 1 pm verify --decrypt -o plain.eml mixed.eml
    expect_contains out "verdict: partially-signed"
    [ ! -e plain.eml ] || fail "plaintext written for a partially encrypted message"
}

test_zero_signatures_unsigned() {
    write_msg
    verdict_is msg.eml unsigned
    expect_contains out "signatures: none"
}

test_unknown_validity_untrusted_key() {
    printf 'Content-Type: text/plain\r\n\r\nHello from Zed.\r\n' >content
    gpg --batch --quiet -u "$ZED" --armor --detach-sign -o sig.asc content
    printf 'From: Zed Unknown <zed@clinic.test>\nTo: sam@hospital.test\nSubject: hi\n' >'head'
    mime build-signed head content sig.asc pgp-sha512 zed.eml
    verdict_is zed.eml untrusted-key
    expect_contains out "key validity unknown"
}

test_expired_key_untrusted_key() {
    printf 'From: Old Key <old@clinic.test>\nTo: sam@hospital.test\nSubject: hi\n' >'head'
    mime build-signed head "$SUITE_DIR/old-content" "$SUITE_DIR/old-content.asc" pgp-sha512 old.eml
    verdict_is old.eml untrusted-key
}

test_revoked_key_untrusted_key() {
    printf 'Content-Type: text/plain\r\n\r\nHello from Rex.\r\n' >content
    gpg --batch --quiet -u "$REV" --armor --detach-sign -o sig.asc content
    printf 'From: Rex Revoked <rex@clinic.test>\nTo: sam@hospital.test\nSubject: hi\n' >'head'
    mime build-signed head content sig.asc pgp-sha512 rex.eml
    verdict_is rex.eml valid
    # Revoke Rex's key with the certificate gpg made at key generation.
    sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$REV.rev" >rev.asc
    cp -r "$GNUPGHOME" "$SUITE_DIR/revhome" 2>/dev/null || true
    GNUPGHOME=$SUITE_DIR/revhome gpg --batch --quiet --import rev.asc 2>/dev/null
    expect_exit 1 pm --gnupg-home "$SUITE_DIR/revhome" verify rex.eml
    expect_contains out "verdict: untrusted-key"
    GNUPGHOME=$SUITE_DIR/revhome gpgconf --kill all 2>/dev/null || true
}

test_sha1_signature_weak_hash() {
    printf 'Content-Type: text/plain\r\n\r\nHello with an old digest.\r\n' >content
    gpg --batch --quiet -u "$ANA" --digest-algo SHA1 --armor --detach-sign -o sig.asc content 2>/dev/null
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: hi\n' >'head'
    mime build-signed head content sig.asc pgp-sha1 sha1.eml
    verdict_is sha1.eml weak-hash
    expect_contains out "SHA1"
}

test_tampered_ciphertext_no_plaintext() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    mime encrypted-payload enc.eml payload.asc
    gpg --dearmor <payload.asc >payload.bin
    # Flip one byte near the end of the encrypted data (inside SEIPD).
    local size off
    size=$(stat -c %s payload.bin)
    off=$((size - 40))
    /usr/bin/python3 -c "
import sys
b = bytearray(open('payload.bin','rb').read()); b[$off] ^= 0x01
open('tampered.bin','wb').write(b)"
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: [...]\n' >'head'
    mime build-encrypted head tampered.bin tampered.eml
    expect_exit 1 pm verify --decrypt -o plain.eml tampered.eml
    grep -Eq "verdict: (integrity-failure|decrypt-failed)" out || fail "unexpected verdict: $(head -1 out)"
    [ ! -e plain.eml ] || fail "plaintext written for tampered ciphertext"
    expect_not_contains out "Potassium"
    expect_not_contains err "Potassium"
    # And without -o: nothing on stdout but the report.
    expect_exit 1 pm verify --decrypt tampered.eml
    expect_not_contains out "Potassium"
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
}

# Flip the last byte of the zlib stream inside the SEIPD packet (the MDC
# packet is the last 22 bytes): gpg dies with "zlib inflate problem" before
# any END_DECRYPTION, which GPGME reports as "cancelled". That is damage,
# not a dismissed passphrase prompt: integrity-failure, never exit 75.
test_damaged_compressed_data_integrity_failure() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    mime encrypted-payload enc.eml payload.asc
    gpg --dearmor <payload.asc >payload.bin
    # One flipped bit in the compressed data does not always break the
    # deflate stream (a padding bit, a literal): gpg then reports only the
    # MDC. Walk back from the last byte before the MDC packet until gpg
    # itself reports the inflate error, so the case under test is certain.
    local size off found=
    size=$(stat -c %s payload.bin)
    for off in $(seq $((size - 23)) -1 $((size - 120))); do
        /usr/bin/python3 -c "
b = bytearray(open('payload.bin','rb').read()); b[$off] ^= 0x01
open('tampered.bin','wb').write(b)"
        gpg --decrypt tampered.bin >/dev/null 2>gpg.err || true
        if grep -q "zlib inflate problem" gpg.err; then found=$off; break; fi
    done
    [ -n "$found" ] || fail "no single-bit flip made gpg report a zlib inflate problem"
    expect_contains gpg.err "zlib inflate problem"
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: [...]\n' >'head'
    mime build-encrypted head tampered.bin tampered.eml
    expect_exit 1 pm verify --decrypt -o plain.eml tampered.eml
    expect_contains out "verdict: integrity-failure"
    expect_contains out "reason: the encrypted data is damaged"
    [ ! -e plain.eml ] || fail "plaintext written for damaged ciphertext"
}

test_no_integrity_protection_no_plaintext() {
    printf 'Content-Type: text/plain\r\n\r\nSecret words without MDC.\r\n' >inner
    gpg --batch --quiet --rfc2440 --no-force-mdc --cipher-algo CAST5 -e -r "$SAM" \
        -o nomdc.gpg inner 2>/dev/null
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: [...]\n' >'head'
    mime build-encrypted head nomdc.gpg nomdc.eml
    expect_exit 1 pm verify --decrypt -o plain.eml nomdc.eml
    expect_contains out "verdict: integrity-failure"
    [ ! -e plain.eml ] || fail "plaintext written without integrity protection"
    expect_not_contains out "Secret words"
    expect_exit 1 pm verify --decrypt nomdc.eml
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
    expect_not_contains err "Secret words"
}

test_malformed_signed_structure() {
    printf 'From: Ana Ruiz <ana@clinic.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol="application/pgp-signature"; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nonly one part\r\n--b--\r\n' >bad.eml
    verdict_is bad.eml malformed
}

test_unparseable_and_missing_input() {
    : >empty.eml
    expect_exit 65 pm verify empty.eml
    expect_exit 66 pm verify does-not-exist.eml
}

# --- access records: `verify --decrypt` with a config (issue 14) ----------------

# access_config FILE: a config whose audit log is ./state/audit.jsonl.
access_config() {
    mkdir -p -m 700 state
    write_config "$1" signing_key="$ANA" audit_path="$PWD/state/audit.jsonl"
}

# Issue 15: -o onto an existing file needs --force (73): refused before the
# message is read, decrypted or recorded; the file is left as it was.
# write_att_msg: att.eml, a message with a text body (an escape sequence in
# it), a PDF, a file named to climb out of the directory and one whose name
# (RFC 2231) draws on a terminal.
write_att_msg() {
    printf '%s\r\n' \
        "From: Ana Ruiz <ana@clinic.test>" \
        "To: Sam Lee <sam@hospital.test>" \
        "Subject: Lab results for bed 12" \
        "Date: Mon, 30 Nov 2026 08:00:00 +0000" \
        "Message-ID: <e2e-att@clinic.test>" \
        "MIME-Version: 1.0" \
        'Content-Type: multipart/mixed; boundary="b1"' \
        "" \
        "--b1" \
        "Content-Type: text/plain; charset=utf-8" \
        "" \
        "Potassium 4.1 mmol/L$(printf '\033')[2J, see the scan." \
        "--b1" \
        'Content-Type: application/pdf; name="scan.pdf"' \
        'Content-Disposition: attachment; filename="scan.pdf"' \
        "Content-Transfer-Encoding: base64" \
        "" \
        "JVBERi0xLjQKJSBzY2FuCg==" \
        "--b1" \
        "Content-Type: text/plain" \
        'Content-Disposition: attachment; filename="../../../../tmp/pm-escaped.txt"' \
        "" \
        "climb" \
        "--b1" \
        "Content-Type: text/plain" \
        "Content-Disposition: attachment; filename*=utf-8''evil%1B%5B2Jname.txt" \
        "" \
        "draw" \
        "--b1--" >att.eml
}

# Issue 15: reading a decrypted message on a terminal: the real Subject and
# the attachments in the report; --save-attachments with safe names, never
# over a file, never into a symlinked DIR; --body-only, terminal-safe. Only
# what the verdict released.
test_decrypt_reading_subject_attachments_save_body_only() {
    write_att_msg
    pm --config "$CFG" encrypt att.eml >enc.eml
    local ontty=$PEERMAIL_SOURCE_DIR/tests/integration/on_tty.py
    expect_exit 0 /usr/bin/python3 "$ontty" plain.out tty.out "$PEERMAIL_BIN" verify --decrypt enc.eml
    expect_contains tty.out "verdict: valid"
    expect_contains tty.out "subject: Lab results for bed 12"
    expect_contains tty.out "attachments: 3"
    expect_contains tty.out "1. scan.pdf (application/pdf, 16 bytes)"
    expect_contains tty.out "2. ../../../../tmp/pm-escaped.txt (text/plain, 5 bytes)"
    expect_contains tty.out "3. evil?[2Jname.txt (text/plain, 4 bytes)"
    expect_not_contains tty.out $'\033'
    expect_contains plain.out "Subject: Lab results for bed 12"
    # Not on a terminal (a log): no subject and no file names in the report.
    expect_exit 0 pm verify --decrypt enc.eml
    expect_not_contains err "subject:"
    expect_not_contains err "scan.pdf"
    # --json: the reading is there for a program.
    expect_exit 0 pm --json verify --decrypt -o p2.eml enc.eml
    /usr/bin/python3 - out <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["reading"]
assert r["subject"] == "Lab results for bed 12", r
assert [(a["name"], a["type"], a["bytes"]) for a in r["attachments"]] == [
    ("scan.pdf", "application/pdf", 16), ("../../../../tmp/pm-escaped.txt", "text/plain", 5),
    ("evil\x1b[2Jname.txt", "text/plain", 4)], r
PY
    # --save-attachments DIR: created 0700, safe names, a suffix instead of overwriting.
    rm -f /tmp/pm-escaped.txt
    expect_exit 0 pm verify --save-attachments att enc.eml
    expect_eq "$(stat -c %a att)" 700 "mode of the new DIR"
    expect_eq "$(cat att/scan.pdf)" "$(printf '%%PDF-1.4\n%% scan')" "saved PDF"
    expect_eq "$(cat att/pm-escaped.txt)" climb "the climbing name, saved inside"
    [ ! -e /tmp/pm-escaped.txt ] || fail "an attachment was written outside DIR"
    expect_eq "$(cat 'att/evil_[2Jname.txt')" draw "the drawing name, made safe"
    expect_eq "$(stat -c %a att/scan.pdf)" 600 "mode of a saved file"
    expect_exit 0 pm verify --save-attachments att enc.eml
    expect_eq "$(cat 'att/scan (1).pdf')" "$(printf '%%PDF-1.4\n%% scan')" "second copy beside the first"
    expect_eq "$(ls att | wc -l)" 6 "files in DIR"
    # A symlinked DIR is refused before anything is read; nothing saved.
    ln -s att linked
    expect_exit 74 pm verify --save-attachments linked enc.eml
    expect_contains err "linked: a symbolic link"
    expect_eq "$(ls att | wc -l)" 6 "files in DIR"
    # Nothing is saved from a message whose plaintext is not released.
    pm --config "$CFG" sign att.eml >signed.eml
    expect_exit 0 pm verify --save-attachments none signed.eml
    expect_eq "$(ls none | wc -l)" 0 "files saved from a message not decrypted"
    # --body-only: the text body alone on stdout, terminal-safe.
    expect_exit 0 pm verify --body-only enc.eml
    expect_eq "$(cat out)" "Potassium 4.1 mmol/L?[2J, see the scan." "body"
    expect_contains err "verdict: valid"
    expect_exit 64 pm verify --body-only -o x.eml enc.eml
}

test_decrypt_o_existing_file_needs_force_73() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    access_config c.toml
    echo keep >plain.eml
    expect_exit 73 pm --config c.toml verify --decrypt -o plain.eml enc.eml
    expect_contains err 'plain.eml exists; not replacing it'
    expect_contains err 'pass --force to replace it'
    expect_eq "$(cat plain.eml)" keep "the existing file"
    [ ! -s state/audit.jsonl ] || fail "an access was recorded for a refused -o"
    expect_exit 0 pm --config c.toml verify --decrypt --force -o plain.eml enc.eml
    expect_contains plain.eml "Subject: Lab results for bed 12"
    expect_eq "$(stat -c %a plain.eml)" 600 "mode of the replaced file"
}

test_decrypt_leaves_access_record_without_phi() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    access_config c.toml
    expect_exit 0 pm --config c.toml verify --decrypt -o plain.eml enc.eml
    expect_contains plain.eml "Subject: Lab results for bed 12"
    # Plaintext on stdout: a second access, a second record.
    expect_exit 0 pm --config c.toml verify --decrypt enc.eml
    expect_contains out "Subject: Lab results for bed 12"
    expect_eq "$(wc -l <state/audit.jsonl)" 2 "access records"
    "$PYTHON" - state/audit.jsonl c.toml enc.eml "$ANA" <<'PY'
import hashlib, json, sys
log, cfg, enc, ana = sys.argv[1:]
sha = lambda b: hashlib.sha256(b).hexdigest()
text = open(log, encoding="utf-8").read()
for line in text.splitlines():
    r = json.loads(line)
    assert r["action"] == "access" and r["outcome"] == "accessed", r
    assert r["verdict"] == "valid" and r["user"] == "ana", r
    assert r["message_id"] == "sha256:" + sha(b"e2e-1@clinic.test"), r["message_id"]
    assert r["signer_fpr"] == ana and r["recipients"] == [] and r["recipient_fprs"] == [], r
    assert r["config_sha256"] == sha(open(cfg, "rb").read()), r
    assert r["content_sha256"] == sha(open(enc, "rb").read()), r
    assert r["protocol"] == "OpenPGP", r
# No PHI: no Message-ID, address, subject, body or file name.
for phi in ("e2e-1", "clinic.test", "hospital.test", "Lab results", "bed 12", "Potassium",
            "plain.eml", "enc.eml", "Ana Ruiz", "Sam Lee"):
    assert phi not in text, phi
PY
    expect_exit 0 pm audit verify --file state/audit.jsonl
    expect_exit 0 pm audit show --file state/audit.jsonl --action access --outcome accessed
    expect_contains err "2 records"
}

test_decrypt_not_released_is_recorded_withheld() {
    printf 'Content-Type: text/plain\r\n\r\nSecret words without MDC.\r\n' >inner
    gpg --batch --quiet --rfc2440 --no-force-mdc --cipher-algo CAST5 -e -r "$SAM" \
        -o nomdc.gpg inner 2>/dev/null
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: [...]\nMessage-ID: <nomdc@clinic.test>\n' >'head'
    mime build-encrypted head nomdc.gpg nomdc.eml
    access_config c.toml
    expect_exit 1 pm --config c.toml verify --decrypt -o plain.eml nomdc.eml
    [ ! -e plain.eml ] || fail "plaintext written without integrity protection"
    "$PYTHON" -c '
import json, sys, hashlib
r = json.loads(open("state/audit.jsonl").read())
assert r["action"] == "access" and r["outcome"] == "withheld", r
assert r["verdict"] == "integrity-failure", r
assert r["message_id"] == "sha256:" + hashlib.sha256(b"nomdc@clinic.test").hexdigest(), r
'
    expect_not_contains state/audit.jsonl "Secret words"
}

test_decrypt_fails_closed_when_access_cannot_be_recorded() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    access_config c.toml
    # A damaged last line: the log takes no record, so nothing is released.
    printf '{"seq": 1, "half a rec\n' >state/audit.jsonl # damaged (a torn line would be kept)
    expect_exit 74 pm --config c.toml verify --decrypt -o plain.eml enc.eml
    expect_contains err "[AUD-04]"
    expect_contains err "fix:"
    [ ! -e plain.eml ] || fail "plaintext written although the access was not recorded"
    expect_not_contains out "Lab results"
    expect_exit 74 pm --config c.toml verify --decrypt enc.eml
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
    expect_not_contains err "Lab results"
    # A symbolic link as the log (refused like send refuses it): 77, nothing released.
    rm state/audit.jsonl && ln -s elsewhere.jsonl state/audit.jsonl
    expect_exit 77 pm --config c.toml verify --decrypt enc.eml
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
    # A named config that is missing: 66 before anything is read.
    expect_exit 66 env PEERMAIL_CONFIG="$PWD/missing.toml" "$PEERMAIL_BIN" verify --decrypt enc.eml
    expect_eq "$(wc -c <out)" 0 "stdout bytes"
}

test_decrypt_without_config_records_nothing() {
    write_msg
    pm --config "$CFG" encrypt msg.eml >enc.eml
    mkdir xdg
    expect_exit 0 env XDG_CONFIG_HOME="$PWD/xdg" PEERMAIL_CONFIG= "$PEERMAIL_BIN" verify --decrypt -o plain.eml enc.eml
    expect_contains plain.eml "Subject: Lab results for bed 12"
    expect_contains err "no config: this access is not recorded in an audit log"
    [ -z "$(find . -name '*.jsonl')" ] || fail "an audit log appeared without a config"
}
