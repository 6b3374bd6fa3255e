# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail send` compose mode end to end: a real SMTP/TLS server (smtp_sink.py
# behind a test CA) and a real GnuPG keyring. What the server receives must be
# encrypted and signed; stock gpg must give back the body, the attachment byte
# for byte and the real subject; the server never sees subject or body.

# shellcheck source=../tls.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

SUBJECT='Lab result 4711 for patient Zebulon'
BODY_MARK='Potassium is 6.1 mmol/L, please call back'
PASSWORD='pw-Xq7-never-shown'

suite_probe() {
    probe_gpg && probe_smtp && need_cmd openssl || return 1
}

suite_setup() {
    clinic_suite_setup "Bea Hidden" bea@hospital.test BEA_FPR
}

# setup_server: a smtps server requiring AUTH, and a config pointing at it.
setup_server() {
    start_smtps_config
    printf '%s\nSecond line.\n' "$BODY_MARK" >body.txt
}

# keyids_of FILE: the public-key encryption key IDs of the PGP message in FILE.
keyids_of() {
    gpg --batch --list-packets --pinentry-mode loopback --passphrase '' "$1" 2>&1 \
        | awk '/^:pubkey enc packet:/ {for (i = 1; i <= NF; i++) if ($i == "keyid") print $(i + 1)}'
}

# enc_subkey FPR: the key ID of FPR's encryption subkey.
enc_subkey() {
    gpg --with-colons --list-keys "$1" | awk -F: '/^sub:/ && $12 ~ /e/ {print $5; exit}'
}

test_attachment_arrives_encrypted_signed_and_decrypts() {
    setup_server
    head -c 300000 /dev/urandom >scan.bin
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send \
        --to "Sam Lee <sam@hospital.test>" --subject "$SUBJECT" --body-file body.txt \
        --attach scan.bin
    expect_contains out 'sent       to  sam@hospital.test'
    expect_eq "$(spool_count)" 1 "messages delivered"
    local msg=$SMTP_SPOOL/msg-1.eml
    expect_contains "$msg" 'Content-Type: multipart/encrypted'
    expect_contains "$msg" 'application/pgp-encrypted'
    expect_contains "$msg" '-----BEGIN PGP MESSAGE-----'
    # The server never saw the subject, the body or the file name.
    if grep -rqF -e "$SUBJECT" -e "$BODY_MARK" -e 'Potassium' -e 'scan.bin' "$SMTP_SPOOL"; then
        fail "the server saw message content"
    fi
    expect_contains "$SMTP_SPOOL/msg-1.json" '"sam@hospital.test"'
    # Stock gpg decrypts it and reports a good signature from Ana.
    gpg --batch --status-fd 3 --decrypt "$msg" >plain.eml 2>gpg.err 3>status
    expect_contains status "[GNUPG:] GOODSIG"
    expect_contains status "[GNUPG:] VALIDSIG $ANA_FPR"
    expect_contains status "[GNUPG:] DECRYPTION_OKAY"
    expect_contains plain.eml "$SUBJECT"
    expect_contains plain.eml "$BODY_MARK"
    # The attachment, byte for byte.
    /usr/bin/python3 - plain.eml scan.out <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
for part in m.walk():
    if part.get_filename() == "scan.bin":
        open(sys.argv[2], "wb").write(part.get_payload(decode=True))
        break
else:
    sys.exit("no attachment named scan.bin")
PY
    cmp scan.bin scan.out
    # Audit: one "sent" record, no content.
    expect_contains audit.jsonl '"outcome":"sent"'
    expect_not_contains audit.jsonl "$SUBJECT"
    expect_not_contains audit.jsonl 'Potassium'
    expect_not_contains audit.jsonl 'scan.bin'
    expect_clear_ok
}

test_recipient_without_key_67_nothing_sent_refusal_audited() {
    setup_server
    PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml send \
        --to sam@hospital.test --to nokey@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_contains err 'peermail: error: no usable key for nokey@hospital.test: no key for <nokey@hospital.test> in the keyring; nothing was sent [E2E-01]'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
    expect_contains audit.jsonl '"action":"refusal"'
    expect_contains audit.jsonl '"outcome":"refused"'
    expect_contains audit.jsonl '"nokey@hospital.test"'
    expect_not_contains audit.jsonl "$SUBJECT"
}

test_bcc_gets_a_separate_copy_and_is_never_revealed() {
    setup_server
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send \
        --to sam@hospital.test --bcc bea@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_eq "$(spool_count)" 2 "messages delivered"
    expect_contains "$SMTP_SPOOL/msg-1.json" '"sam@hospital.test"'
    expect_not_contains "$SMTP_SPOOL/msg-1.json" 'bea@'
    expect_contains "$SMTP_SPOOL/msg-2.json" '"bea@hospital.test"'
    expect_not_contains "$SMTP_SPOOL/msg-2.json" 'sam@'
    if grep -qi -e '^Bcc:' -e 'bea@' "$SMTP_SPOOL/msg-1.eml" "$SMTP_SPOOL/msg-2.eml"; then
        fail "a Bcc header or address travelled"
    fi
    # The To copy is not encrypted to Bea's key; Bea's copy is.
    local bea_sub sam_sub
    bea_sub=$(enc_subkey "$BEA_FPR")
    sam_sub=$(enc_subkey "$SAM_FPR")
    keyids_of "$SMTP_SPOOL/msg-1.eml" >k1
    keyids_of "$SMTP_SPOOL/msg-2.eml" >k2
    expect_contains k1 "$sam_sub"
    expect_not_contains k1 "$bea_sub"
    expect_contains k2 "$bea_sub"
    expect_not_contains k2 "$sam_sub"
    # The decrypted To copy has no Bcc either.
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    expect_not_contains plain.eml 'bea@'
}

test_header_injection_and_bad_addresses_65_before_anything() {
    setup_server
    expect_exit 65 pm --config c.toml send --to sam@hospital.test \
        --subject $'Hi\r\nBcc: evil@attacker.test' --body-file body.txt
    expect_contains err 'peermail: error: --subject contains a line break or NUL byte (header injection)'
    expect_not_contains err 'evil@'
    expect_exit 65 pm --config c.toml send --to $'sam@hospital.test\nBcc: evil@attacker.test' \
        --subject x --body-file body.txt
    expect_contains err '--to: an address contains a line break or NUL byte (header injection)'
    expect_exit 65 pm --config c.toml send --to 'not-an-address' --subject x --body-file body.txt
    expect_contains err '--to: "not-an-address" is not a valid email address'
    # Even with a broken config, injection is reported first (65, not 78).
    expect_exit 65 pm --config nope.toml send --to sam@hospital.test --subject $'a\nb' \
        --body-file body.txt
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -e audit.jsonl ] || fail "an audit record was written for invalid input"
}

test_oversized_body_65_missing_attachment_66() {
    setup_server
    head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >big.txt
    expect_exit 65 pm --config c.toml send --to sam@hospital.test --subject x --body-file big.txt
    expect_contains err 'the body is larger than 32 MiB'
    expect_exit 66 pm --config c.toml send --to sam@hospital.test --subject x \
        --body-file body.txt --attach secret-name.pdf
    expect_contains err '--attach #1: cannot read: No such file or directory'
    expect_not_contains err 'secret-name'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_dry_run_submits_nothing_and_shows_no_plaintext() {
    setup_server
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send --dry-run \
        --to sam@hospital.test --bcc bea@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_contains out 'dry run: nothing was submitted'
    expect_contains out 'mail from:   ana@clinic.test'
    expect_contains out "rcpt to sam@hospital.test;"
    expect_contains out "$SAM_FPR"
    expect_contains out "would-send bcc bea@hospital.test"
    expect_not_contains out "$SUBJECT"
    expect_not_contains out 'Potassium'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
}

# Issue 15: the report names the Message-ID the server stored (text and JSON),
# so the sent message can be found again.
test_report_names_the_message_id() {
    setup_server
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send \
        --to sam@hospital.test --subject "$SUBJECT" <body.txt
    local id
    id=$(sed -n 's/^Message-ID: *<\(.*\)>\r\{0,1\}$/\1/Ip' "$SMTP_SPOOL/msg-1.eml" | head -n 1)
    [ -n "$id" ] || fail "no Message-ID in the delivered message"
    expect_contains out "message-id: <$id>"
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml --json send \
        --to sam@hospital.test --subject "$SUBJECT" <body.txt
    id=$(sed -n 's/^Message-ID: *<\(.*\)>\r\{0,1\}$/\1/Ip' "$SMTP_SPOOL/msg-2.eml" | head -n 1)
    expect_eq "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open("out"))["message_id"])')" "$id" "JSON message_id"
}

test_json_reports_each_recipient() {
    setup_server
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml --json send \
        --to sam@hospital.test --cc bea@hospital.test --subject "$SUBJECT" <body.txt
    /usr/bin/python3 - out "$SAM_FPR" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True, r
rs = {x["address"]: x for x in r["recipients"]}
assert rs["sam@hospital.test"]["status"] == "sent", rs
assert rs["sam@hospital.test"]["field"] == "to", rs
assert rs["sam@hospital.test"]["key_fpr"] == sys.argv[2], rs
assert rs["bea@hospital.test"]["field"] == "cc", rs
assert rs["bea@hospital.test"]["smtp_code"] == 250, rs
assert len(r["copies"]) == 1 and r["copies"][0]["status"] == "sent", r
assert r["tls"]["version"].startswith("TLSv1."), r
PY
    expect_not_contains out "$SUBJECT"
}

test_no_secret_or_content_in_any_output_or_log() {
    setup_server
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml -v send \
        --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
    local f
    for f in out err audit.jsonl "$SMTP_SPOOL/transcript.log" "$SMTP_SPOOL/server.log"; do
        [ -f "$f" ] || continue
        expect_not_contains "$f" "$PASSWORD"
        expect_not_contains "$f" "$SUBJECT"
        expect_not_contains "$f" 'Potassium'
    done
}

# --- send --message: an already protected message goes through the same
# pipeline (issue 12): strict PGP/MIME, the same address rules, size limit and
# audit as compose mode, and proof from the ciphertext that every envelope
# recipient's judged key can decrypt it.

# wrap_pgp_mime ARMOR TO: a PGP/MIME message (RFC 3156) around the armored
# file ARMOR, addressed to TO.
wrap_pgp_mime() {
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: %s\nSubject: [...]\nMessage-ID: <m1@clinic.test>\nMIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted";\n boundary="b1"\n\n--b1\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--b1\nContent-Type: application/octet-stream; name="encrypted.asc"\n\n' "$2"
    cat "$1"
    printf '\n--b1--\n'
}

# expect_untouched: nothing delivered, the server never contacted.
expect_untouched() {
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
}

# legit_message FILE: a message made by `peermail encrypt` for Sam.
legit_message() {
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: Sam Lee <sam@hospital.test>\nSubject: %s\n\n%s\n' \
        "$SUBJECT" "$BODY_MARK" >plain.eml
    expect_exit 0 pm --config c.toml encrypt plain.eml
    mv out "$1"
}

test_message_plaintext_refused_65_nothing_sent() {
    setup_server
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: x\n\n%s\n' "$BODY_MARK" >m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml
    expect_contains err 'the message is not end-to-end encrypted'
    expect_contains err '[E2E-01]'
    expect_not_contains err 'Potassium'
    # multipart/mixed holding an armored block is not PGP/MIME either.
    { printf 'From: ana@clinic.test\nTo: sam@hospital.test\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\n%s\n--b1--\n' "$BODY_MARK"; } >m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml
    expect_contains err 'the message is not end-to-end encrypted'
    expect_untouched
}

test_message_plaintext_beside_the_armor_refused_65() {
    setup_server
    legit_message good.eml
    # PHI after the armor, inside the encrypted part.
    /usr/bin/python3 - good.eml m.eml <<'PY'
import sys
m = open(sys.argv[1], "rb").read()
end = b"-----END PGP MESSAGE-----\r\n"
assert end in m
open(sys.argv[2], "wb").write(m.replace(end, end + b"Potassium 6.1 for Zebulon\r\n"))
PY
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml
    expect_contains err 'outside the armor'
    expect_not_contains err 'Potassium'
    # A third part in clear.
    /usr/bin/python3 - good.eml m.eml <<'PY'
import re, sys
m = open(sys.argv[1], "rb").read()
b = re.search(rb'boundary="([^"]+)"', m).group(1)
last = b"--" + b + b"--"
part = b"--" + b + b"\r\nContent-Type: text/plain\r\n\r\nPotassium 6.1\r\n"
open(sys.argv[2], "wb").write(m.replace(last, part + last))
PY
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml
    expect_contains err 'exactly two parts'
    expect_not_contains err 'Potassium'
    expect_untouched
    if [ -f audit.jsonl ]; then expect_not_contains audit.jsonl '"outcome":"sent"'; fi
}

test_message_encrypted_to_another_key_67_names_sam() {
    setup_server
    local mal
    mal=$(gpg_gen_key "Mal Other" mal@elsewhere.test)
    printf 'Subject: x\n\n%s\n' "$BODY_MARK" |
        gpg --batch --trust-model always --armor --encrypt -r "$mal" >c.asc
    wrap_pgp_mime c.asc sam@hospital.test >m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml send --message m.eml --to sam@hospital.test
    expect_contains err 'sam@hospital.test'
    expect_contains err 'the message is not encrypted to its key'
    expect_contains err 'nothing was sent'
    expect_untouched
    expect_not_contains audit.jsonl '"outcome":"sent"'
    expect_not_contains audit.jsonl '"outcome":"pending"'
}

test_message_to_recipient_without_key_67() {
    setup_server
    legit_message m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml send --message m.eml \
        --to nokey@hospital.test
    expect_contains err 'no usable key for nokey@hospital.test'
    expect_untouched
    expect_not_contains audit.jsonl '"outcome":"sent"'
}

test_message_hidden_recipients_67_with_fix() {
    setup_server
    printf 'Subject: x\n\n%s\n' "$BODY_MARK" |
        gpg --batch --trust-model always --armor --throw-keyids --encrypt -r "$SAM_FPR" >c.asc
    wrap_pgp_mime c.asc sam@hospital.test >m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml send --message m.eml
    expect_contains err 'sam@hospital.test'
    expect_contains err 'hidden recipients'
    expect_contains err 'without --hide-recipients'
    expect_untouched
}

test_message_made_by_peermail_encrypt_is_sent_and_audited() {
    setup_server
    legit_message m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml --json send --message m.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_contains "$SMTP_SPOOL/msg-1.json" '"sam@hospital.test"'
    # The same JSON report as compose mode.
    /usr/bin/python3 - out "$SAM_FPR" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True, r
rs = {x["address"]: x for x in r["recipients"]}
assert rs["sam@hospital.test"]["status"] == "sent", rs
assert rs["sam@hospital.test"]["key_fpr"] == sys.argv[2], rs
assert len(r["copies"]) == 1 and r["copies"][0]["status"] == "sent", r
assert r["tls"]["version"].startswith("TLSv1."), r
PY
    expect_eq "$(grep -c '"outcome":"pending"' audit.jsonl)" 1 "pending records"
    expect_eq "$(grep -c '"outcome":"sent"' audit.jsonl)" 1 "sent records"
    expect_contains audit.jsonl '"pending_seq":'
    expect_not_contains audit.jsonl "$SUBJECT"
    expect_not_contains audit.jsonl 'Potassium'
    expect_clear_ok
}

test_message_to_localhost_refused_like_compose_mode() {
    setup_server
    legit_message m.eml
    expect_exit 65 pm --config c.toml send --to sam@localhost --subject x --body-file body.txt
    expect_contains err '--to: "sam@localhost" is not a valid email address'
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml \
        --to sam@localhost
    expect_contains err '--to: "sam@localhost" is not a valid email address'
    expect_untouched
}

test_message_over_64_mib_refused_65_before_connecting() {
    setup_server
    legit_message good.eml
    # A valid PGP/MIME shell padded to 70 MiB with header lines.
    {
        head -c $((70 * 1024 * 1024)) /dev/zero | tr '\0' 'a' | fold -w 76 | sed 's/^/X-Pad: /'
        cat good.eml
    } >m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml
    expect_contains err 'the message is larger than 64 MiB'
    expect_untouched
    [ ! -s audit.jsonl ] || fail "an audit record for input refused before the config"
}

test_message_and_compose_refused_78_without_audit_path() {
    setup_server
    legit_message m.eml
    # The audit log cannot be turned off: an empty path is refused (78)
    # before anything is judged or sent, in both modes.
    write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=implicit \
        ca_file="$TEST_CA/ca.pem" audit_path=
    PM_TEST_PASSWORD=$PASSWORD expect_exit 78 pm --config c.toml send --message m.eml
    expect_contains err 'audit.path'
    PM_TEST_PASSWORD=$PASSWORD expect_exit 78 pm --config c.toml \
        send --to sam@hospital.test --subject x --body-file body.txt
    expect_contains err 'audit.path'
    expect_untouched
}

# json_documents FILE: how many JSON documents FILE holds, one per line (fails
# on anything that is not JSON).
json_documents() {
    /usr/bin/python3 -c 'import json,sys
n=0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line); n+=1
print(n)' "$1"
}

test_non_utf8_server_reply_json_69_one_document() {
    # A server that answers in Latin-1: the reply reaches --json, which must
    # still be one valid JSON document, and the exit code must stay 69.
    start_smtps_config --raw-replies --rcpt-reply '550 5.1.1 Empf\xe4nger unbekannt'
    printf '%s\n' "$BODY_MARK" >body.txt
    PM_TEST_PASSWORD=$PASSWORD expect_exit 69 pm --config c.toml --json send \
        --to "Sam Lee <sam@hospital.test>" --subject "$SUBJECT" --body-file body.txt
    expect_eq "$(json_documents out)" 1 "JSON documents on stdout"
    # The reply is made terminal-safe where it enters (the byte becomes ?).
    expect_contains out '550 5.1.1 Empf?nger unbekannt'
    expect_contains out '"smtp_code":550'
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_not_contains out "$BODY_MARK"
    expect_not_contains out "$PASSWORD"
}

test_stdout_write_error_74() {
    setup_server
    rc=0
    pm --config c.toml --json keys list >/dev/full 2>err || rc=$?
    expect_eq "$rc" 74 "keys list > /dev/full"
    expect_contains err "cannot write to standard output"
    rc=0
    pm --config c.toml keys list >/dev/full 2>err || rc=$?
    expect_eq "$rc" 74 "keys list (text) > /dev/full"
}

test_latin1_user_id_keys_list_json() {
    setup_server
    # A user ID in Latin-1, as old keys have: "J\xfcrgen".
    gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
        --quick-gen-key "$(printf 'J\xfcrgen M <juergen@hospital.test>')" ed25519 sign,cert 1y 2>/dev/null
    expect_exit 0 pm --config c.toml --json keys list
    expect_eq "$(json_documents out)" 1 "JSON documents on stdout"
    expect_contains out $'J\xef\xbf\xbdrgen'
}

# issue 12: the archive key is judged by the one key plan (protect/keys.hpp),
# in send as in encrypt and check.
test_weak_archive_key_67_nothing_sent_encrypt_and_check_agree() {
    gpg_home_copy
    local weak
    weak=$(gpg_weak_key "Clinic Archive" archive@clinic.test)
    gpg_certify "$ANA_FPR" "$weak" # full validity: GnuPG itself would encrypt to it
    setup_server
    printf '\n[policy]\narchive_key = "%s"\n' "$weak" >>c.toml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml send \
        --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_contains err "archive key $weak (policy.archive_key)"
    expect_contains err 'rsa1024 gives less than 112-bit security'
    expect_contains err '[KEY-01]'
    expect_contains err 'fix: set policy.archive_key'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
    expect_contains audit.jsonl '"action":"refusal"'
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: sam@hospital.test\nSubject: x\n\nbody\n' >m.eml
    expect_exit 67 pm --config c.toml encrypt -r sam@hospital.test m.eml
    expect_contains err "archive key $weak (policy.archive_key)"
    expect_exit 1 pm --config c.toml check --only KEY-01
    expect_contains out 'fail  KEY-01'
    expect_contains out 'policy.archive_key'
}

# issue 12: every item `check` fails without a server blocks send (78)
# before any connection, named; check still reports it.
test_offline_checklist_fail_78_nothing_sent() {
    setup_server
    sed -i '/^baa = /d' c.toml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 78 pm --config c.toml send \
        --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_contains err 'checklist item CFG-01 (Business Associate Agreement with the mail provider) fails'
    expect_contains err 'compliance.baa'
    expect_contains err '[CFG-01]'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
    expect_contains audit.jsonl '"check_id":"CFG-01"'
    expect_exit 1 pm --config c.toml check --only CFG-01
    expect_contains out 'fail  CFG-01'
}

# issue 12: a GnuPG home that does not exist is refused, not "0 key files
# owner-only".
test_missing_gnupg_home_refused_nothing_sent() {
    setup_server
    # The key plan runs first: no keyring, no signing key (67, SIG-01); check
    # names the home itself (KEY-05, check.bash).
    GNUPGHOME=$PWD/no-such-gnupg-home PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml \
        send --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_contains err "signing key $ANA_FPR is not in the keyring [SIG-01]"
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
    [ ! -e no-such-gnupg-home ] || fail "send created the GnuPG home"
}

# use_password_command CMD: replace password_env in ./c.toml by
# password_command = CMD (a JSON string is a TOML basic string).
use_password_command() {
    /usr/bin/python3 - "$1" <<'PY'
import json, re, sys
s = open("c.toml").read()
s = re.sub(r'^password_env = .*$', "password_command = " + json.dumps(sys.argv[1]), s, flags=re.M)
open("c.toml", "w").write(s)
PY
}

test_subject_file_keeps_the_subject_off_the_command_line() {
    # PHI is never required on the command line, where other local users
    # read it (/proc/PID/cmdline): --subject-file reads it from a file.
    setup_server
    printf '%s\n' "$SUBJECT" >subject.txt
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send \
        --to "Sam Lee <sam@hospital.test>" --subject-file subject.txt --body-file body.txt
    expect_eq "$(spool_count)" 1 "messages delivered"
    local msg=$SMTP_SPOOL/msg-1.eml
    expect_not_contains "$msg" "$SUBJECT"
    gpg --batch --decrypt "$msg" >plain.eml 2>gpg.err
    expect_contains plain.eml "Subject: $SUBJECT"
    expect_not_contains audit.jsonl "$SUBJECT"
    # Not both; a second line is header injection (65); a missing file 66
    # without its name.
    expect_exit 64 pm --config c.toml send --to sam@hospital.test --subject x \
        --subject-file subject.txt --body-file body.txt
    printf 'Line one\nBcc: eve@evil.test\n' >two-lines.txt
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send \
        --to sam@hospital.test --subject-file two-lines.txt --body-file body.txt
    PM_TEST_PASSWORD=$PASSWORD expect_exit 66 pm --config c.toml send \
        --to sam@hospital.test --subject-file Zebulon-subject.txt --body-file body.txt
    expect_contains err "--subject-file:"
    expect_not_contains err "Zebulon"
    expect_eq "$(spool_count)" 1 "messages delivered"
}

test_no_core_dump_while_secrets_are_held() {
    # A core of `send` would hold the password, the body and the subject.
    setup_server
    use_password_command "touch $PWD/asked; sleep 3; echo $PASSWORD"
    ulimit -c unlimited
    "$PEERMAIL_BIN" --config c.toml send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt >out 2>err &
    local pid=$! _
    register_pid "$pid"
    for _ in $(seq 1 200); do
        [ -e asked ] && break
        sleep 0.05
    done
    [ -e asked ] || fail "password_command never ran"
    grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" ||
        fail "core dumps enabled: $(grep core "/proc/$pid/limits")"
    kill -SEGV "$pid"
    wait "$pid" 2>/dev/null || true
    sleep 0.5
    if compgen -G 'core*' >/dev/null; then
        fail "a core file was written: $(compgen -G 'core*')"
    fi
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_password_env_not_inherited_by_gpg_agent() {
    # GnuPG starts gpg-agent from peermail's process: the password must have
    # left the environment before that.
    setup_server
    gpgconf --kill gpg-agent
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send \
        --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
    local p agent=""
    for p in /proc/[0-9]*; do
        if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "gpg-agent.*$GNUPGHOME"; then
            agent=$p
        fi
    done
    [ -n "$agent" ] || fail "no gpg-agent for $GNUPGHOME is running"
    tr '\0' '\n' <"$agent/environ" >agent.env
    expect_contains agent.env "GNUPGHOME="
    expect_not_contains agent.env "$PASSWORD"
    expect_not_contains agent.env "PM_TEST_PASSWORD"
}

test_empty_password_from_password_command_refused_77_no_auth() {
    setup_server
    use_password_command "printf '\\nsecond line\\n'"
    expect_exit 77 pm --config c.toml send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt
    expect_contains err "account.default.password_command printed an empty first line"
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_not_contains "$SMTP_SPOOL/transcript.log" "AUTH"
}

test_password_command_timeout_ends_its_whole_process_group() {
    setup_server
    sed -i 's/^timeout_s = .*/timeout_s = 2/' c.toml
    use_password_command "sleep 60 & echo \$! > $PWD/child.pid; wait"
    expect_exit 77 pm --config c.toml send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt
    expect_contains err "account.default.password_command did not finish within 2000 ms"
    [ -s child.pid ] || fail "the helper did not start its child"
    # Gone, or a zombie waiting for its new parent to reap it.
    local child _ state=""
    child=$(cat child.pid)
    for _ in $(seq 1 50); do
        state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null || true)
        [ -z "$state" ] || [ "$state" = Z ] && break
        sleep 0.05
    done
    if [ -n "$state" ] && [ "$state" != Z ]; then
        kill "$child"
        fail "the helper's child outlived the timeout (state $state)"
    fi
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_password_command_runs_with_default_signals() {
    # peermail ignores SIGPIPE; the helpers it runs must not inherit that
    # (a pipeline in them would never see EPIPE end its writer).
    setup_server
    use_password_command "grep '^SigIgn' /proc/self/status > $PWD/sigign; echo $PASSWORD"
    expect_exit 0 pm --config c.toml send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt
    local mask
    mask=$(awk '{print $2}' sigign)
    expect_eq "$(( 0x$mask & 0x1000 ))" 0 "SIGPIPE ignored in the helper (SigIgn $mask)"
}

# The one address rule on the command line: the reason is named, quoted
# local parts are refused in both modes, and an internationalised domain is
# accepted and used as its A-label (the key looked up is for that form).
test_address_rule_reason_quoted_local_and_u_label() {
    setup_server
    expect_exit 65 pm --config c.toml send --to sam@localhost --subject x --body-file body.txt
    expect_contains err '--to: "sam@localhost" is not a valid email address: the domain has no dot'
    expect_contains err 'peermail: fix: write one address like user@example.org or "Name <user@example.org>"'
    expect_exit 65 pm --config c.toml send --cc '"sam lee"@hospital.test' --to sam@hospital.test \
        --subject x --body-file body.txt
    expect_contains err '--cc: ""sam lee"@hospital.test" is not a valid email address: the part before @'
    legit_message m.eml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 65 pm --config c.toml send --message m.eml \
        --to '"sam lee"@hospital.test'
    expect_contains err 'is not a valid email address: the part before @'
    PM_TEST_PASSWORD=$PASSWORD expect_exit 67 pm --config c.toml send \
        --to 'Kim <kim@bücher.example>' --subject x --body-file body.txt
    expect_contains err 'no usable key for kim@xn--bcher-kva.example'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# issue 14: SIGINT while the copy is being submitted, before its final ".":
# the submission is aborted (nothing delivered), its outcome is audited as
# "interrupted" with the pending_seq of its write-ahead record, --json says
# so per recipient, and the exit code is 130.
test_sigint_before_the_dot_interrupted_130_audited() {
    start_smtps_config --stall-at mail
    printf '%s\n' "$BODY_MARK" >body.txt
    PM_TEST_PASSWORD=$PASSWORD env --default-signal=INT "$PEERMAIL_BIN" --config c.toml --json \
        send --to "Sam Lee <sam@hospital.test>" --subject "$SUBJECT" --body-file body.txt \
        >bg.out 2>bg.err &
    local pid=$! _
    register_pid "$pid"
    for _ in $(seq 1 400); do
        grep -q ' MAIL' "$SMTP_SPOOL/transcript.log" 2>/dev/null && break
        sleep 0.05
    done
    expect_contains "$SMTP_SPOOL/transcript.log" " MAIL"
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    expect_eq "$rc" 130 "exit code after SIGINT"
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains bg.out '"status":"interrupted"'
    expect_contains bg.out '"interrupted":true'
    expect_contains bg.out '"signal":"SIGINT"'
    expect_contains bg.out '"exit_code":130'
    expect_contains bg.err 'interrupted before the end of the message; it was not delivered'
    expect_eq "$(grep -c '"outcome":"interrupted"' audit.jsonl)" 1 "interrupted records"
    expect_contains audit.jsonl '"pending_seq":1'
    expect_not_contains audit.jsonl "$SUBJECT"
    expect_exit 0 pm --json audit verify --file audit.jsonl
    expect_contains out '"unresolved":[]'
}

# --- issue 15: writing on a terminal ----------------------------------------

PTY="/usr/bin/python3 $PEERMAIL_SOURCE_DIR/tests/integration/pty_run.py"

# fake_editor EXIT: ./ed.sh writes the body into its file and logs the file's
# path and modes (and leaves an editor's swap file beside it), then exits EXIT.
fake_editor() {
    cat >ed.sh <<ED
#!/bin/sh
printf '%s\n' "\$1" >"$PWD/ed.path"
stat -c '%a' "\$1" "\$(dirname "\$1")" >"$PWD/ed.modes"
printf '%s\nfrom the editor\n' "$BODY_MARK" >"\$1"
: >"\$1.swp"
exit $1
ED
    chmod +x ed.sh
}

test_terminal_send_opens_editor_private_file_removed() {
    setup_server
    fake_editor 0
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD EDITOR="$PWD/ed.sh" TMPDIR=$PWD $PTY -- "$PEERMAIL_BIN" \
        --config c.toml send --to "Sam Lee <sam@hospital.test>" --subject "$SUBJECT" >out || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_eq "$(tr '\n' ' ' <ed.modes)" "600 700 " "file and directory modes"
    [ ! -e "$(dirname "$(cat ed.path)")" ] || fail "the editor's directory (PHI) was left behind"
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    expect_contains plain.eml "from the editor"
}

test_terminal_editor_failure_64_nothing_sent_nothing_left() {
    setup_server
    fake_editor 1
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD VISUAL="$PWD/ed.sh" EDITOR=false TMPDIR=$PWD $PTY -- \
        "$PEERMAIL_BIN" --config c.toml send --to sam@hospital.test --subject "$SUBJECT" >out || rc=$?
    expect_eq "$rc" 64 "exit code"
    expect_contains out '$VISUAL exited with status 1; nothing was sent'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -e "$(dirname "$(cat ed.path)")" ] || fail "the editor's directory (PHI) was left behind"
}

test_terminal_without_editor_says_how_to_end_input() {
    setup_server
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD $PTY -t "$BODY_MARK"$'\n' -- env -u EDITOR -u VISUAL \
        "$PEERMAIL_BIN" --config c.toml send --to sam@hospital.test --subject "$SUBJECT" >out || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_contains out 'type the message, then Ctrl-D on a line of its own'
    expect_eq "$(spool_count)" 1 "messages delivered"
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    expect_contains plain.eml "$BODY_MARK"
}

# check, send --dry-run and send meet the same preflight (issue 15): the TLS
# files loaded as the session loads them, the audit log opened for append.
test_unloadable_ca_file_fails_check_dry_run_and_send_alike() {
    setup_server
    printf 'not a certificate\n' >bad.pem
    chmod 600 bad.pem
    sed -i "s|^ca_file = .*|ca_file = \"$PWD/bad.pem\"|" c.toml
    expect_exit 1 pm --config c.toml check --only TLS-04
    expect_contains out "account.default.ca_file = \"$PWD/bad.pem\" cannot be loaded as CA certificates"
    PM_TEST_PASSWORD=$PASSWORD expect_exit 78 pm --config c.toml send --dry-run \
        --to sam@hospital.test --subject x --body-file body.txt
    expect_contains err "c.toml:"
    expect_contains err "account.default.ca_file = \"$PWD/bad.pem\" cannot be loaded as CA certificates"
    expect_contains err "[TLS-04]"
    PM_TEST_PASSWORD=$PASSWORD expect_exit 78 pm --config c.toml send \
        --to sam@hospital.test --subject x --body-file body.txt
    expect_contains err "account.default.ca_file = \"$PWD/bad.pem\" cannot be loaded as CA certificates"
    expect_eq "$(cat "$SMTP_SPOOL/transcript.log" 2>/dev/null | wc -l)" 0 "connections"
    # A missing one: the same, named.
    sed -i "s|^ca_file = .*|ca_file = \"$PWD/missing.pem\"|" c.toml
    expect_exit 1 pm --config c.toml check --only TLS-04
    expect_contains out "missing.pem does not exist"
    PM_TEST_PASSWORD=$PASSWORD expect_exit 78 pm --config c.toml send --dry-run \
        --to sam@hospital.test --subject x --body-file body.txt
    expect_contains err "account.default.ca_file = \"$PWD/missing.pem\""
    expect_eq "$(cat "$SMTP_SPOOL/transcript.log" 2>/dev/null | wc -l)" 0 "connections"
}

test_audit_log_send_cannot_open_fails_check_too() {
    setup_server
    # A log in a directory that takes no new file (/proc: owned by root, not
    # writable even by root): send cannot open it for appending (74); check
    # must fail AUD-01 the same way, not pass it and leave send to find out.
    sed -i 's|^path = .*|path = "/proc/peermail-audit.jsonl"|' c.toml
    PM_TEST_PASSWORD=$PASSWORD expect_exit 74 pm --config c.toml send --dry-run \
        --to sam@hospital.test --subject x --body-file body.txt
    expect_contains err "audit log /proc/peermail-audit.jsonl: cannot open for appending"
    expect_exit 1 pm --config c.toml --json check --only AUD-01
    /usr/bin/python3 - out <<'PY' || fail "check passed AUD-01"
import json, sys
d = json.load(open(sys.argv[1]))
f = [f for f in d["findings"] if f["id"] == "AUD-01"][0]
assert f["status"] == "fail", f
assert "audit log /proc/peermail-audit.jsonl: cannot open for appending" in f["evidence"], f
PY
    expect_eq "$(cat "$SMTP_SPOOL/transcript.log" 2>/dev/null | wc -l)" 0 "connections"
}

test_attachment_above_ehlo_size_refused_69_before_encrypting() {
    # RFC 1870: the server's SIZE is asked before a large message is
    # encrypted; the refusal states the estimate and the limit.
    start_smtp smtps --size-limit 1500000 --user ana --password "$PASSWORD"
    write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=implicit \
        ca_file="$TEST_CA/ca.pem"
    printf '%s\n' "$BODY_MARK" >body.txt
    head -c 2000000 /dev/urandom >scan.bin
    PM_TEST_PASSWORD=$PASSWORD expect_exit 69 pm --config c.toml send \
        --to sam@hospital.test --subject x --body-file body.txt --attach scan.bin
    grep -qE "the message is an estimated [0-9]{7} bytes as encoded for sending, above the server's limit of 1500000 bytes \(EHLO SIZE, RFC 1870\); nothing was sent" err ||
        fail "no size statement: $(cat err)"
    expect_contains err "send large files another way"
    expect_eq "$(spool_count)" 0 "messages delivered"
    # One EHLO, no MAIL, no AUTH: nothing of the message was sent.
    expect_not_contains "$SMTP_SPOOL/transcript.log" "MAIL"
    expect_not_contains "$SMTP_SPOOL/transcript.log" "AUTH"
    expect_contains audit.jsonl '"outcome":"refused"'
}

# A progress line for work longer than about two seconds, on a terminal only
# (issue 15): here the server takes 4 s to answer the final ".".
test_progress_line_on_a_terminal_for_slow_work() {
    start_smtps_config --data-delay 4
    printf '%s\n' "$BODY_MARK" >body.txt
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/on_tty.py" \
        out tty.log "$PEERMAIL_BIN" --config c.toml send --to sam@hospital.test \
        --subject "$SUBJECT" --body-file body.txt || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_contains tty.log "waiting for the server's reply to message 1 of 1"
    # The line is cleared before the report; stdout never carries it.
    expect_not_contains out "waiting"
    expect_contains out "sent"
}

test_no_progress_line_when_quick_or_not_a_terminal() {
    start_smtps_config --data-delay 4
    printf '%s\n' "$BODY_MARK" >body.txt
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send --to sam@hospital.test \
        --subject "$SUBJECT" --body-file body.txt
    expect_not_contains err "waiting"
    # A terminal, but quick: nothing drawn.
    start_smtps_config
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/on_tty.py" \
        out tty.log "$PEERMAIL_BIN" --config c.toml send --to sam@hospital.test \
        --subject "$SUBJECT" --body-file body.txt || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_not_contains tty.log "waiting"
    expect_not_contains tty.log "encrypting"
}

# An encrypt-to in gpg.conf must not add a recipient nobody judged and the
# audit would not name (attack review): the message is for Sam and Ana only.
test_encrypt_to_in_gpg_conf_adds_no_recipient() {
    gpg_home_copy
    setup_server
    local mal
    mal=$(gpg_gen_key "Mal Other" mal@elsewhere.test)
    printf 'encrypt-to %s\n' "$mal" >>"$GNUPGHOME/gpg.conf"
    PM_TEST_PASSWORD=$PASSWORD expect_exit 0 pm --config c.toml send --to sam@hospital.test \
        --subject "$SUBJECT" --body-file body.txt
    keyids_of "$SMTP_SPOOL/msg-1.eml" | sort -u >ids
    expect_eq "$(wc -l <ids)" 2 "recipients (Sam and Ana)"
    if grep -qx "$(enc_subkey "$mal")" ids; then
        fail "encrypted to the encrypt-to key of gpg.conf"
    fi
}
