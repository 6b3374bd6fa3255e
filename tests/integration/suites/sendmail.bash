# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail sendmail` (and the binary invoked as `sendmail`): scripts and MUAs
# pipe a plain RFC 5322 message in; it leaves signed and encrypted, Bcc
# stripped, or not at all.

# shellcheck source=../tls.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

PASSWORD='pw-Sm9-never-shown'
SUBJECT='Nightly census for ward 7'

suite_probe() {
    probe_gpg && probe_smtp && need_cmd openssl || return 1
    if ! "$PEERMAIL_BIN" sendmail --help 2>&1 | grep -q -- '-t'; then
        echo "peermail sendmail is not available"
        return 1
    fi
}

suite_setup() {
    make_test_ca "$SUITE_DIR/ca"
    gpg_home_new
    local ana sam bea
    ana=$(gpg_gen_key "Ana Ruiz" ana@clinic.test)
    sam=$(gpg_gen_key "Sam Lee" sam@hospital.test)
    bea=$(gpg_gen_key "Bea Hidden" bea@hospital.test)
    gpg_trust_ultimate "$ana"
    gpg_certify "$ana" "$sam"
    gpg_certify "$ana" "$bea"
    {
        echo "export GNUPGHOME=$GNUPGHOME"
        echo "export TEST_CA=$SUITE_DIR/ca"
        echo "export ANA_FPR=$ana"
    } >"$SUITE_DIR/env.sh"
}

setup_server() {
    start_smtp starttls --user ana --password "$PASSWORD"
    write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=starttls \
        ca_file="$TEST_CA/ca.pem"
    export PEERMAIL_CONFIG=$PWD/c.toml PM_TEST_PASSWORD=$PASSWORD
}

# message FROM TO [BCC]: a plain message as a cron script would write it.
message() {
    printf 'From: %s\nTo: %s\n' "$1" "$2"
    [ -n "${3:-}" ] && printf 'Bcc: %s\n' "$3"
    printf 'Subject: %s\n\nCensus: 14 beds occupied.\n.\nnot the end\n' "$SUBJECT"
}

test_script_with_t_sends_encrypted_and_strips_bcc() {
    setup_server
    cat >job.sh <<SH
#!/bin/sh
printf 'From: ana@clinic.test\nTo: Sam <sam@hospital.test>\nBcc: bea@hospital.test\nSubject: $SUBJECT\n\nCensus: 14 beds occupied.\n' \
  | "$PEERMAIL_BIN" sendmail -t -oi
SH
    chmod +x job.sh
    expect_exit 0 ./job.sh
    [ ! -s out ] || fail "sendmail printed on success"
    expect_eq "$(spool_count)" 2 "messages delivered"
    local f
    for f in "$SMTP_SPOOL"/msg-*.eml; do
        if grep -qi '^Bcc:' "$f"; then fail "a Bcc header travelled in $f"; fi
        expect_contains "$f" 'multipart/encrypted'
    done
    expect_not_contains "$SMTP_SPOOL/msg-1.json" 'bea@'
    expect_contains "$SMTP_SPOOL/msg-2.json" '"bea@hospital.test"'
    if grep -rqF -e "$SUBJECT" -e 'Census' "$SMTP_SPOOL"; then fail "the server saw content"; fi
    gpg --batch --status-fd 3 --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null 3>status
    expect_contains status "[GNUPG:] VALIDSIG $ANA_FPR"
    expect_contains plain.eml "$SUBJECT"
    expect_contains plain.eml 'Census: 14 beds occupied.'
    expect_not_contains plain.eml 'bea@'
    expect_contains audit.jsonl '"action":"sendmail"'
    expect_not_contains audit.jsonl "$SUBJECT"
    expect_clear_ok
}

test_invoked_as_sendmail_mutt_style() {
    setup_server
    ln -s "$PEERMAIL_BIN" sendmail
    message ana@clinic.test sam@hospital.test >m.eml
    # mutt: sendmail -oem -oi -- ADDR...
    expect_exit 0 ./sendmail -oem -oi -- sam@hospital.test <m.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    # A lone "." line does not end the input.
    expect_contains plain.eml 'not the end'
}

test_argument_not_in_headers_gets_its_own_copy() {
    setup_server
    message ana@clinic.test sam@hospital.test >m.eml
    expect_exit 0 pm sendmail -i sam@hospital.test bea@hospital.test <m.eml
    expect_eq "$(spool_count)" 2 "messages delivered"
    expect_not_contains "$SMTP_SPOOL/msg-1.json" 'bea@'
}

test_unready_recipient_67_nothing_sent() {
    setup_server
    message ana@clinic.test nokey@hospital.test >m.eml
    expect_exit 67 pm sendmail -t <m.eml
    expect_contains err 'no usable key for nokey@hospital.test'
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains audit.jsonl '"outcome":"refused"'
}

test_from_or_f_not_identity_64() {
    setup_server
    message mallory@evil.test sam@hospital.test >m.eml
    expect_exit 64 pm sendmail -t <m.eml
    expect_contains err 'From <mallory@evil.test> is not the configured identity <ana@clinic.test>: the signer must match From [SIG-01]'
    message ana@clinic.test sam@hospital.test >m.eml
    expect_exit 64 pm sendmail -t -f other@clinic.test <m.eml
    expect_contains err '-f other@clinic.test is not the configured identity ana@clinic.test'
    expect_exit 0 pm sendmail -t -f ana@clinic.test -F 'Ana Ruiz' <m.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
}

test_no_recipients_64_injection_65() {
    setup_server
    message ana@clinic.test sam@hospital.test >m.eml
    expect_exit 64 pm sendmail <m.eml
    expect_contains err 'no recipients: give ADDR arguments or -t'
    expect_exit 65 pm sendmail -t -F $'Ana\r\nBcc: evil@attacker.test' <m.eml
    expect_contains err '-F: the name contains a line break or NUL byte (header injection)'
    expect_exit 65 pm sendmail 'bogus address' <m.eml
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# A Message-ID can name a patient and can be huge (1.1 MB): over the RFC 5322
# line limit it is refused before anything is sent or audited as sent; the
# audit log never holds it, and later sends work.
test_huge_message_id_refused_65_never_audited() {
    setup_server
    local id
    id="mrn-4711-$(head -c 1100000 /dev/zero | tr '\0' 'x')@clinic.test"
    { printf 'From: ana@clinic.test\nTo: sam@hospital.test\nMessage-ID: <%s>\n' "$id"
      printf 'Subject: %s\n\nCensus.\n' "$SUBJECT"; } >big.eml
    expect_exit 65 pm sendmail -t <big.eml
    expect_contains err "the Message-ID is longer than 980 characters"
    expect_not_contains err "mrn-4711"
    [ ! -f audit.jsonl ] || expect_not_contains audit.jsonl "mrn-4711"
    message ana@clinic.test sam@hospital.test | expect_exit 0 pm sendmail -t
    # An ordinary Message-ID is kept as its SHA-256 only.
    { printf 'From: ana@clinic.test\nTo: sam@hospital.test\nMessage-ID: <mrn-4711@clinic.test>\n'
      printf 'Subject: %s\n\nCensus.\n' "$SUBJECT"; } >small.eml
    expect_exit 0 pm sendmail -t <small.eml
    expect_not_contains audit.jsonl "mrn-4711"
    expect_contains audit.jsonl "sha256:$(printf %s mrn-4711@clinic.test | sha256sum | cut -d' ' -f1)"
}

# sendmail composes like send: a UTF-8 body gets charset=utf-8 and a 7-bit
# transfer encoding, raw 8-bit display names and subjects become RFC 2047
# encoded-words (in the outer headers too).
test_utf8_message_labelled_and_headers_encoded_like_send() {
    setup_server
    printf 'From: Jos\xc3\xa9 P\xc3\xa9rez <ana@clinic.test>\nTo: M\xc3\xbcller Sam <sam@hospital.test>\nSubject: Caf\xc3\xa9 %s\n\nGr\xc3\xbc\xc3\x9fe, 14 beds.\n' \
        "$SUBJECT" >m.eml
    expect_exit 0 pm sendmail -t <m.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
    if LC_ALL=C grep -q $'[\x80-\xff]' "$SMTP_SPOOL/msg-1.eml"; then
        fail "raw 8-bit bytes travelled in the message"
    fi
    expect_contains "$SMTP_SPOOL/msg-1.eml" 'From: =?UTF-8?'
    expect_contains "$SMTP_SPOOL/msg-1.eml" 'To: =?UTF-8?'
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    expect_contains plain.eml 'charset=utf-8'
    expect_contains plain.eml 'Content-Transfer-Encoding: quoted-printable'
    expect_contains plain.eml 'Gr=C3=BC=C3=9Fe, 14 beds.'
    expect_contains plain.eml 'Subject: =?UTF-8?'
    if LC_ALL=C grep -q $'[\x80-\xff]' plain.eml; then fail "raw 8-bit bytes in the inner message"; fi
}

test_latin1_body_or_header_refused_65_nothing_sent() {
    setup_server
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nSubject: census\n\nGr\xfc\xdfe\n' >m.eml
    expect_exit 65 pm sendmail -t <m.eml
    expect_contains err 'peermail: error: the message body is not UTF-8 text'
    expect_contains err 'iconv -f LATIN1 -t UTF-8'
    printf 'From: Jos\xe9 <ana@clinic.test>\nTo: sam@hospital.test\nSubject: census\n\nhi\n' >h.eml
    expect_exit 65 pm sendmail -t <h.eml
    expect_contains err 'the From header holds 8-bit text that is not UTF-8'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# The recipients sendmail takes follow the one address rule of send.
test_recipient_rule_is_sends_65() {
    setup_server
    message ana@clinic.test sam@hospital.test >m.eml
    expect_exit 65 pm sendmail sam@localhost <m.eml
    expect_contains err 'recipient argument: "sam@localhost" is not a valid email address: the domain has no dot'
    message ana@clinic.test 'sam@localhost' >l.eml
    expect_exit 65 pm sendmail -t <l.eml
    expect_contains err 'To: "sam@localhost" is not a valid email address'
    printf 'From: ana@clinic.test\nTo: "sam lee"@hospital.test\nSubject: x\n\nx\n' >q.eml
    expect_exit 65 pm sendmail -t <q.eml
    expect_contains err 'is not a valid email address: the part before @'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# issue 19: the To copy is accepted, the Bcc copy gets a 451. Something WAS
# delivered, so this is never "safe to retry" (75): a retry would send the
# To recipient a second copy. The error names who got it and who did not;
# the audit log holds one "sent" and one "tempfail" record.
test_partial_delivery_bcc_451_is_not_75() {
    start_smtp starttls --user ana --password "$PASSWORD" \
        --rcpt-reply "451 4.3.0 mailbox busy" --rcpt-fail bea@hospital.test
    write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=starttls \
        ca_file="$TEST_CA/ca.pem"
    export PEERMAIL_CONFIG=$PWD/c.toml PM_TEST_PASSWORD=$PASSWORD
    message ana@clinic.test sam@hospital.test bea@hospital.test >m.eml
    expect_exit 69 pm sendmail -t <m.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_contains "$SMTP_SPOOL/msg-1.json" '"sam@hospital.test"'
    expect_contains err '451 4.3.0 mailbox busy'
    expect_contains err 'it WAS delivered to sam@hospital.test; it was not delivered to bea@hospital.test'
    expect_contains err 'send it again only to bea@hospital.test'
    expect_not_contains err 'nothing was delivered'
    expect_not_contains err "$SUBJECT"
    expect_eq "$(grep -c '"outcome":"sent"' audit.jsonl)" 1 "sent records"
    expect_eq "$(grep -c '"outcome":"tempfail"' audit.jsonl)" 1 "tempfail records"
    expect_exit 0 pm --json audit verify --file audit.jsonl
}
