# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail send` with large attachments (issue 5): the message is protected
# streaming (Protector::protect_fd), so peak memory does not grow with the
# attachment. What arrives must still be one PGP/MIME message that stock gpg
# decrypts to the original bytes, with a good signature and the real subject
# inside (RFC 9788), "[...]" outside, and no Bcc anywhere.

# shellcheck source=../tls.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

SUBJECT='Imaging series 0815 for patient Quirinus'
BODY_MARK='The CT series is attached, 3 mm slices'
PASSWORD='pw-Zr4-never-shown'

suite_probe() {
    probe_gpg && probe_smtp && need_cmd openssl || return 1
    [ -x /usr/bin/time ] || { echo "no /usr/bin/time"; return 1; }
}

suite_setup() {
    clinic_suite_setup
}

setup_server() {
    start_smtps_config
    printf '%s\r\nSecond line.\r\n' "$BODY_MARK" >body.txt
}

test_large_attachment_decrypts_with_good_signature_and_same_shape() {
    setup_server
    head -c 6000000 /dev/urandom >series.bin
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send \
        --to "Sam Lee <sam@hospital.test>" --bcc sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt --attach series.bin
    expect_eq "$(spool_count)" 1 "messages delivered"
    local msg=$SMTP_SPOOL/msg-1.eml
    if grep -qF -e "$SUBJECT" -e "$BODY_MARK" -e 'series.bin' "$msg"; then
        fail "the server saw message content"
    fi
    # The outer shape (RFC 3156 §4): headers outside, Subject "[...]", no Bcc,
    # a version part, then exactly one armored ciphertext; CRLF throughout.
    /usr/bin/python3 - "$msg" <<'PY'
import email, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the message"
m = email.message_from_bytes(raw, policy=policy.default)
assert m["Subject"] == "[...]", m["Subject"]
assert m["Bcc"] is None, "Bcc leaked"
for h in ("From", "To", "Date", "Message-ID"):
    assert m[h], "missing " + h
assert m.get_content_type() == "multipart/encrypted"
assert m.get_param("protocol") == "application/pgp-encrypted"
parts = m.get_payload()
assert len(parts) == 2, len(parts)
assert parts[0].get_content_type() == "application/pgp-encrypted"
assert parts[0].get_payload().strip() == "Version: 1"
assert parts[1].get_content_type() == "application/octet-stream"
body = parts[1].get_payload()
assert body.startswith("-----BEGIN PGP MESSAGE-----"), body[:40]
assert body.rstrip().endswith("-----END PGP MESSAGE-----")
assert body.count("BEGIN PGP MESSAGE") == 1
PY
    gpg --batch --status-fd 3 --decrypt "$msg" >plain.eml 2>gpg.err 3>status
    expect_contains status "[GNUPG:] GOODSIG"
    expect_contains status "[GNUPG:] VALIDSIG $ANA_FPR"
    expect_contains status "[GNUPG:] DECRYPTION_OKAY"
    # Protected headers inside: the real subject, no Bcc.
    /usr/bin/python3 - plain.eml series.out "$SUBJECT" "$BODY_MARK" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
assert m.get_param("protected-headers") == "v1", m["Content-Type"]
assert m["Subject"] == sys.argv[3], m["Subject"]
assert m["Bcc"] is None, "Bcc inside"
assert m["From"] and m["To"] and m["Message-ID"] and m["Date"]
found_body = found_att = False
for part in m.walk():
    if part.get_filename() == "series.bin":
        open(sys.argv[2], "wb").write(part.get_payload(decode=True))
        found_att = True
    elif part.get_content_type() == "text/plain" and sys.argv[4] in part.get_content():
        found_body = True
assert found_body, "body not found"
assert found_att, "no attachment named series.bin"
PY
    cmp series.bin series.out
    expect_contains audit.jsonl '"outcome":"sent"'
    expect_not_contains audit.jsonl "$SUBJECT"
}

# max_rss_kib SIZE_MB: peak RSS of a dry-run send with a SIZE_MB attachment.
max_rss_kib() {
    head -c $(($1 * 1000 * 1000)) /dev/urandom >att.bin
    PM_TEST_PASSWORD=$PASSWORD /usr/bin/time -v -o time.txt "$PEERMAIL_BIN" --config c.toml \
        send --dry-run --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt \
        --attach att.bin >out 2>err || { cat err >&2; return 1; }
    awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' time.txt
}

test_peak_memory_does_not_grow_with_the_attachment() {
    if grep -qa '__asan_init' "$PEERMAIL_BIN"; then
        echo "sanitizer build: memory figures are meaningless here"
        return 0
    fi
    setup_server
    local small large
    small=$(max_rss_kib 1)
    large=$(max_rss_kib 40)
    echo "peak RSS: 1 MB -> $small KiB, 40 MB -> $large KiB"
    # Before streaming, 40 MB cost over 300 MiB; the goal is <= 128 MiB at 100 MB.
    [ "$large" -le 131072 ] || fail "peak RSS $large KiB for a 40 MB attachment (limit 131072)"
    [ "$large" -le $((small + 32768)) ] || fail "peak RSS grew from $small to $large KiB"
}
