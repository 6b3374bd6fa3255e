# SPDX-License-Identifier: GPL-3.0-or-later
# Hostile input through the real CLI (verify, encrypt, sign, send, sendmail):
# empty and random files, a 20 MB line, thousands of nested or sibling MIME
# parts, NUL bytes, invalid charsets and encodings, huge headers, truncated
# armor; and header injection against a real TLS server. Every case must end
# with its designed exit code (65 malformed, 1 negative verdict), within a
# CPU and memory budget (docs/LIMITS.md), without writing anything half-way
# and without anything reaching the server. Big inputs are generated here,
# never committed.

# shellcheck source=../tls.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

PASSWORD='pw-Ho5-never-shown'

suite_probe() {
    probe_gpg && probe_smtp && need_cmd openssl || return 1
    [ -x /usr/bin/time ] || { echo "/usr/bin/time missing"; return 1; }
    need_cmd timeout
}

suite_setup() {
    clinic_suite_setup
    write_config "$SUITE_DIR/c.toml" signing_key="$ANA_FPR" port=4650 \
        audit_path="$SUITE_DIR/audit.jsonl"
    # Budgets (docs/LIMITS.md): CPU seconds and max RSS per command for a
    # normal build; sanitizer builds get four times as much.
    local factor=1
    if grep -qa '__asan_init' "$PEERMAIL_BIN"; then
        factor=4
    fi
    {
        echo "export PEERMAIL_CONFIG=$SUITE_DIR/c.toml"
        echo "export CPU_BUDGET=$((10 * factor)) RSS_BUDGET_MB=$((320 * factor))"
    } >>"$SUITE_DIR/env.sh"
}

# bounded WANT CMD...: run CMD (stdout ./out, stderr ./err) under a wall-clock
# watchdog; require exit WANT, no more than CPU_BUDGET seconds of CPU and
# RSS_BUDGET_MB of memory, and no "internal error" on stderr.
bounded() {
    local want=$1
    shift
    [ "$1" = pm ] && set -- "$PEERMAIL_BIN" "${@:2}"
    local rc=0
    /usr/bin/time -f '%U %S %M' -o rusage timeout -k 5 120 "$@" >out 2>err || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "command: $*" >&2
        echo "--- stderr" >&2; head -c 2000 err >&2
        fail "expected exit $want, got $rc"
        return 1
    fi
    local user sys rss
    read -r user sys rss < <(tail -n 1 rusage)
    local cpu_ms=$(( 10#${user/./} * 10 + 10#${sys/./} * 10 ))
    if [ $cpu_ms -gt $((CPU_BUDGET * 1000)) ]; then
        fail "$* took ${cpu_ms} ms of CPU (budget ${CPU_BUDGET} s)"
        return 1
    fi
    if [ $((rss / 1024)) -gt "$RSS_BUDGET_MB" ]; then
        fail "$* used $((rss / 1024)) MB (budget ${RSS_BUDGET_MB} MB)"
        return 1
    fi
    if grep -q 'internal error' err; then
        fail "internal error on stderr"
        return 1
    fi
}

# A plain, well-formed message from Ana to Sam with BODY (default "hello").
plain_message() {
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: hostile\n'
    printf 'Date: Mon, 30 Nov 2026 09:00:00 +0000\nMessage-ID: <h1@clinic.test>\n\n%s\n' "${1:-hello}"
}

# Deterministic pseudo-random bytes (AES-CTR keystream): N bytes.
random_bytes() {
    head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt \
        -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 2>/dev/null
}

# nested N: a message with N levels of multipart/mixed.
nested() {
    /usr/bin/python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
sys.stdout.write("From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\n")
for i in range(n):
    sys.stdout.write('Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
sys.stdout.write("Content-Type: text/plain\n\nhello\n")
for i in reversed(range(n)):
    sys.stdout.write("--b%d--\n" % i)
PY
}

# siblings N: a multipart/mixed message with N text parts.
siblings() {
    /usr/bin/python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
sys.stdout.write("From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\n"
                 "Content-Type: multipart/mixed; boundary=B\n\n")
for i in range(n):
    sys.stdout.write("--B\nContent-Type: text/plain\n\npart %d\n" % i)
sys.stdout.write("--B--\n")
PY
}

# --- verify: not a message at all -> 65 --------------------------------------

test_verify_empty_and_blank_65() {
    : >empty.eml
    bounded 65 pm verify empty.eml
    expect_contains err 'peermail: error: the input is empty'
    printf ' \n\t\r\n\n' >blank.eml
    bounded 65 pm verify - <blank.eml
    expect_contains err 'peermail: error: the input is empty'
    [ ! -s out ] || fail "a verdict was printed for no input"
}

test_verify_random_bytes_65() {
    random_bytes 1000000 >random.bin
    bounded 65 pm verify random.bin
    expect_contains err 'peermail: error: the input is not an RFC 5322 message'
    bounded 65 pm --json verify --decrypt -o plain.out random.bin
    [ ! -e plain.out ] || fail "-o written for random input"
}

test_20mb_single_line() {
    head -c 20000000 /dev/zero | tr '\0' a >line.bin
    # No header block at all: not a message.
    bounded 65 pm verify line.bin
    expect_contains err 'the input is not an RFC 5322 message'
    bounded 65 pm encrypt line.bin
    [ ! -s out ] || fail "encrypt wrote output for a non-message"
    bounded 65 pm sign line.bin
    [ ! -s out ] || fail "sign wrote output for a non-message"
    # A message whose body is one 20 MB line: parses, unsigned.
    { plain_message "" && cat line.bin && echo; } >big.eml
    bounded 1 pm verify big.eml
    expect_contains out 'verdict: unsigned'
    # encrypt must make it transport-safe (no line over 998 octets).
    bounded 0 pm encrypt big.eml
    expect_contains out '-----BEGIN PGP MESSAGE-----'
    [ "$(awk 'length($0) > 998' out | wc -l)" = 0 ] || fail "encrypt wrote a line over 998 octets"
    # As a send body: within the 32 MiB body limit, a dry run builds it.
    bounded 0 pm send --dry-run --to sam@hospital.test --subject big --body-file line.bin
}

test_thousands_of_nested_parts_bounded() {
    # Deeper than 64 MIME levels is malformed (docs/LIMITS.md).
    nested 5000 >nested.eml
    bounded 1 pm verify nested.eml
    expect_contains out 'verdict: malformed'
    bounded 0 pm encrypt nested.eml
    expect_contains out '-----END PGP MESSAGE-----'
    nested 20000 >deep.eml
    bounded 1 pm --json verify deep.eml
    expect_contains out '"verdict":"malformed"'
}

test_thousands_of_sibling_parts_bounded() {
    siblings 20000 >siblings.eml
    bounded 1 pm verify siblings.eml
    expect_contains out 'verdict: unsigned'
    bounded 0 pm sign siblings.eml
    expect_contains out 'Content-Type: application/pgp-signature'
}

test_nul_bytes() {
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: a\0b\n\nbo\0dy\n' >nul.eml
    bounded 1 pm verify nul.eml
    # GMime cuts the Subject at the NUL, other readers do not: ambiguous.
    expect_contains out 'verdict: malformed'
    expect_contains out 'NUL byte'
    printf '\0\0\0\0' >nuls.bin
    bounded 65 pm verify nuls.bin
    # sendmail refuses NUL before it looks at anything else.
    bounded 65 pm sendmail sam@hospital.test <nul.eml
    expect_contains err 'peermail: error: the message contains a NUL byte'
}

test_invalid_charsets_and_encodings() {
    printf 'From: =?x-bogus?q?=FF=FE?= <ana@clinic.test>\nTo: sam@hospital.test\nSubject: =?utf-8?b?!!!?= \377\376\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; charset=x-no-such-charset\n\n\377\376 text\n--B\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 f\nbad\n--B--\n' >charset.eml
    bounded 1 pm verify charset.eml
    expect_contains out 'verdict: unsigned'
    bounded 1 pm --json verify charset.eml
    /usr/bin/python3 -c 'import json,sys; json.load(open("out"))' || fail "--json output is not JSON"
    bounded 0 pm encrypt charset.eml
    expect_contains out '-----END PGP MESSAGE-----'
    # Invalid UTF-8 in the From address itself.
    printf 'From: \377\376@clinic.test\nTo: sam@hospital.test\nSubject: x\n\nbody\n' >badfrom.eml
    bounded 1 pm --json verify badfrom.eml
    /usr/bin/python3 -c 'import json,sys; json.load(open("out"))' || fail "--json output is not JSON"
}

test_broken_transfer_encoding_is_refused_65_not_internal() {
    # 8-bit garbage inside parts declared base64 or quoted-printable: the
    # input is malformed (65); never an internal error (70), never output.
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!not base64\377\n' >b64.eml
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\303\050 broken=\n' >qp.eml
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\nContent-Description: \377\376\n\nhi\n--B--\n' >parthdr.eml
    local f
    for f in b64.eml qp.eml parthdr.eml; do
        bounded 1 pm verify "$f"
        bounded 65 pm sign "$f"
        expect_contains err 'the message has raw 8-bit bytes that cannot be made 7-bit safe'
        [ ! -s out ] || fail "sign wrote output for $f"
        bounded 65 pm encrypt "$f"
        [ ! -s out ] || fail "encrypt wrote output for $f"
    done
}

test_bare_cr_in_a_header_is_refused_by_encrypt_and_sign_65() {
    # A bare CR would become a line break in the CRLF output: a Bcc header
    # in the outer (unencrypted) headers. Found by fuzz_outgoing.
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nX-Ref: 1\rBcc: evil@attacker.test\nSubject: x\n\nbody\n' >cr.eml
    bounded 65 pm encrypt cr.eml
    expect_contains err 'a header contains a bare CR'
    [ ! -s out ] || fail "encrypt wrote output"
    bounded 65 pm sign cr.eml
    [ ! -s out ] || fail "sign wrote output"
    # A CR in the body is not a header: it is re-encoded, not refused.
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\n\nbo\rdy\n' >crbody.eml
    bounded 0 pm sign crbody.eml
}

test_huge_headers() {
    # One 5 MB header line, and 100000 header lines.
    { printf 'From: ana@clinic.test\nTo: sam@hospital.test\nX-Big: '
      head -c 5000000 /dev/zero | tr '\0' a
      printf '\nSubject: x\n\nbody\n'; } >bighdr.eml
    bounded 1 pm verify bighdr.eml
    expect_contains out 'verdict: unsigned'
    { printf 'From: ana@clinic.test\nTo: sam@hospital.test\n'
      seq 1 100000 | sed 's/^/X-N: /'
      printf 'Subject: x\n\nbody\n'; } >manyhdr.eml
    bounded 1 pm verify manyhdr.eml
    expect_contains out 'verdict: unsigned'
    # 10000 addresses in one To header: verify is fine, sendmail refuses
    # more than 500 recipients (65), before any connection.
    { printf 'From: ana@clinic.test\nTo: '
      seq 1 10000 | sed 's/.*/r&@hospital.test/' | paste -sd, -
      printf 'Subject: x\n\nbody\n'; } >manyrcpt.eml
    bounded 1 pm verify manyrcpt.eml
    bounded 65 pm sendmail -t <manyrcpt.eml
}

test_truncated_armor() {
    plain_message "signed body" >m.eml
    bounded 0 pm sign m.eml
    cp out signed.eml
    plain_message "secret body" | pm encrypt >enc.eml
    # Ciphertext cut in the middle of the armor.
    local n
    n=$(grep -n -- '-----END PGP MESSAGE-----' enc.eml | cut -d: -f1)
    head -n $((n / 2)) enc.eml >trunc-enc.eml
    bounded 1 pm verify --decrypt -o plain.out trunc-enc.eml
    # The armor has no END line: not one armored message.
    expect_contains out 'verdict: malformed'
    [ ! -e plain.out ] || fail "-o written for a truncated ciphertext"
    expect_not_contains out 'secret body'
    # Signature armor cut in half.
    n=$(grep -n -- '-----BEGIN PGP SIGNATURE-----' signed.eml | cut -d: -f1)
    head -n $((n + 2)) signed.eml >trunc-sig.eml
    bounded 1 pm verify trunc-sig.eml
    # Not valid, whatever the failure is called.
    expect_not_contains out 'verdict: valid'
    # An inline block with no end line: malformed, a negative verdict.
    printf 'From: ana@clinic.test\n\n-----BEGIN PGP MESSAGE-----\n\nhQEMA\n' >inline.eml
    bounded 1 pm verify inline.eml
    expect_contains out 'verdict: malformed'
    expect_contains out 'reason: an inline OpenPGP block has no end line'
    # Only the first bytes of an encrypted message.
    head -c 400 enc.eml >cut.eml
    bounded 1 pm verify --decrypt -o plain.out cut.eml
    [ ! -e plain.out ] || fail "-o written for a cut message"
}

test_tampered_ciphertext_writes_nothing() {
    plain_message "secret body" | pm encrypt >enc.eml
    # Flip one base64 character in the middle of the ciphertext packet data.
    /usr/bin/python3 - enc.eml tampered.eml <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("-----BEGIN PGP MESSAGE-----")
j = s.index("-----END PGP MESSAGE-----")
lines = s[i:j].split("\n")
k = len(lines) // 2
line = lines[k]
c = "B" if line[20] == "A" else "A"
lines[k] = line[:20] + c + line[21:]
open(sys.argv[2], "w").write(s[:i] + "\n".join(lines) + s[j:])
PY
    bounded 1 pm verify --decrypt -o plain.out tampered.eml
    [ ! -e plain.out ] || fail "-o written for a tampered ciphertext"
    expect_not_contains out 'verdict: valid'
    expect_not_contains out 'secret body'
    expect_not_contains err 'secret body'
}

# --- injection: refused (65) before anything reaches a real server ------------

setup_server() {
    start_smtps_config
    export PEERMAIL_CONFIG=$PWD/c.toml PM_TEST_PASSWORD=$PASSWORD
    echo "body" >body.txt
}

expect_nothing_sent() {
    expect_eq "$(spool_count)" 0 "messages delivered"
    if [ -s "$SMTP_SPOOL/transcript.log" ] && grep -q '^C .*\(MAIL\|RCPT\|DATA\)' "$SMTP_SPOOL/transcript.log"; then
        fail "the server saw a transaction"
    fi
}

test_send_injection_in_every_field_65() {
    setup_server
    local bad
    for bad in $'x\r\nBcc: evil@attacker.test' $'x\nBcc: evil@attacker.test' $'x\rBcc: evil@attacker.test'; do
        expect_exit 65 pm send --to sam@hospital.test --subject "$bad" --body-file body.txt
        expect_contains err '--subject contains a line break or NUL byte (header injection)'
        expect_exit 65 pm send --to "sam@hospital.test${bad#x}" --subject x --body-file body.txt
        expect_contains err '--to: an address contains a line break or NUL byte (header injection)'
        expect_exit 65 pm send --to sam@hospital.test --cc "sam@hospital.test${bad#x}" --subject x --body-file body.txt
        expect_contains err '--cc: an address contains a line break or NUL byte (header injection)'
        expect_exit 65 pm send --to sam@hospital.test --bcc "sam@hospital.test${bad#x}" --subject x --body-file body.txt
        expect_contains err '--bcc: an address contains a line break or NUL byte (header injection)'
        expect_exit 65 pm send --to "Sam${bad#x} <sam@hospital.test>" --subject x --body-file body.txt
    done
    # An attachment name with a line break.
    echo data >$'scan\r\nX-Evil: 1.pdf'
    expect_exit 65 pm send --to sam@hospital.test --subject x --body-file body.txt \
        --attach $'scan\r\nX-Evil: 1.pdf'
    expect_not_contains err 'X-Evil'
    # A body with a NUL byte is not text.
    printf 'a\0b\n' >nul.txt
    expect_exit 65 pm send --to sam@hospital.test --subject x --body-file nul.txt
    expect_nothing_sent
    expect_not_contains err 'evil@'
}

test_sendmail_injection_65() {
    setup_server
    plain_message >m.eml
    # NUL inside a header value.
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: a\0\nBcc: evil@attacker.test\n\nbody\n' >nulhdr.eml
    expect_exit 65 pm sendmail -t <nulhdr.eml
    expect_contains err 'the message contains a NUL byte'
    # Line breaks in -f, -F and recipient arguments.
    expect_exit 65 pm sendmail -t -f $'ana@clinic.test\r\nRCPT TO:<evil@attacker.test>' <m.eml
    expect_exit 65 pm sendmail -t -F $'Ana\nBcc: evil@attacker.test' <m.eml
    expect_exit 65 pm sendmail $'sam@hospital.test\r\nRCPT TO:<evil@attacker.test>' <m.eml
    expect_exit 65 pm sendmail $'sam@hospital.test>\r\nDATA' <m.eml
    expect_nothing_sent
    expect_not_contains "$SMTP_SPOOL/transcript.log" 'evil@'
}

test_sendmail_bare_cr_in_header_never_reaches_envelope() {
    setup_server
    # A bare CR inside To: whatever the result, evil@ never gets a copy and
    # never appears on the wire.
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\rBcc: evil@attacker.test\nSubject: x\n\nbody\n' >cr.eml
    local rc=0
    pm sendmail -t <cr.eml >out 2>err || rc=$?
    case $rc in
        0 | 65 | 67) ;;
        *) fail "unexpected exit $rc" ;;
    esac
    if grep -rqF 'evil@attacker.test' "$SMTP_SPOOL"; then
        fail "the injected address reached the server"
    fi
}

# --- audit log written by someone else -----------------------------------------

test_audit_verify_on_garbage_is_a_negative_verdict() {
    write_config c.toml signing_key="$ANA_FPR" audit_path="$PWD/a.jsonl"
    # One 20 MB line, then random bytes: tampering (1), not a crash.
    { head -c 20000000 /dev/zero | tr '\0' '{'; echo; random_bytes 100000; } >a.jsonl
    chmod 600 a.jsonl
    bounded 1 pm --config c.toml audit verify
    [ -s out ] || [ -s err ] || fail "audit verify said nothing"
    bounded 0 pm --config c.toml audit show
}

test_batch_injection_from_jsonl_and_csv_65_nothing_sent() {
    setup_server
    cat >notice.eml <<'EML'
From: Ana Ruiz <ana@clinic.test>
To: {{email}}
Subject: {{subject}}

Dear colleague, {{note}}
EML
    # CR alone, LF, CRLF and NUL in a value that reaches a header (JSON
    # escapes), and a CSV field with CR alone.
    cat >people.jsonl <<'JSONL'
{"email": "sam@hospital.test", "subject": "a\rBcc: evil@attacker.test", "note": "x"}
{"email": "sam@hospital.test", "subject": "b\nBcc: evil@attacker.test", "note": "x"}
{"email": "sam@hospital.test", "subject": "c\r\nBcc: evil@attacker.test", "note": "x"}
{"email": "sam@hospital.test", "subject": "d\u0000Bcc: evil@attacker.test", "note": "x"}
JSONL
    expect_exit 65 pm batch --recipients people.jsonl --template notice.eml
    expect_contains err 'nothing was sent'
    expect_not_contains err 'evil@attacker.test'
    printf 'email,subject,note\nsam@hospital.test,"a\rBcc: evil@attacker.test",x\n' >people.csv
    expect_exit 65 pm batch --recipients people.csv --template notice.eml
    expect_not_contains err 'evil@attacker.test'
    # An address with a line break in the email column itself.
    printf '{"email": "sam@hospital.test\\r\\nRCPT TO:<evil@attacker.test>", "subject": "s", "note": "x"}\n' >people2.jsonl
    expect_exit 65 pm batch --recipients people2.jsonl --template notice.eml
    expect_nothing_sent
    expect_not_contains "$SMTP_SPOOL/transcript.log" 'evil@'
}

test_verify_missing_directory_and_device_inputs() {
    bounded 66 pm verify no-such-file.eml
    mkdir adir
    bounded 66 pm verify adir
    bounded 65 pm verify /dev/null
    # Bigger than the 256 MiB input limit, from a pipe: refused without
    # reading it all into memory.
    local rc=0
    head -c $((300 * 1024 * 1024)) /dev/zero | /usr/bin/time -f '%M' -o rusage "$PEERMAIL_BIN" verify - >out 2>err || rc=$?
    expect_eq "$rc" 65 "exit for a 300 MiB stdin"
    expect_contains err 'larger than the limit'
}
