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

# --- drop-in (issue 15) ------------------------------------------------------

# cron_run CMD...: run CMD the way cron runs its mailer: no terminal (a new
# session), a minimal environment (only what a crontab sets), stdin a pipe.
cron_run() {
    env -i PATH=/usr/bin:/bin SHELL=/bin/sh HOME="$HOME" LOGNAME=ana \
        PEERMAIL_CONFIG="$PEERMAIL_CONFIG" GNUPGHOME="$GNUPGHOME" \
        PM_TEST_PASSWORD="$PM_TEST_PASSWORD" setsid -w "$@"
}

# cron_mail: the message Debian's cron pipes to its mailer for a job's output.
cron_mail() {
    printf 'From: root (Cron Daemon)\nTo: sam@hospital.test\n'
    printf 'Subject: Cron <ana@ward7> /usr/local/bin/census\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n'
    printf 'Content-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\n'
    printf 'X-Cron-Env: <HOME=/home/ana>\nX-Cron-Env: <LOGNAME=ana>\n\n'
    printf 'disk full on /var\n'
}

test_body_only_input_gets_from_to_date() {
    setup_server
    echo "disk full" | expect_exit 0 pm sendmail sam@hospital.test
    expect_eq "$(spool_count)" 1 "messages delivered"
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    expect_contains plain.eml 'From: Ana Ruiz <ana@clinic.test>'
    expect_contains plain.eml 'To: sam@hospital.test'
    expect_contains plain.eml 'Date: '
    expect_contains plain.eml 'disk full'
    expect_contains "$SMTP_SPOOL/msg-1.eml" 'To: sam@hospital.test'
    # A header block without From and To (mailx writes only Subject).
    printf 'Subject: nightly\n\nall good\n' | expect_exit 0 pm sendmail -i -- sam@hospital.test
    gpg --batch --decrypt "$SMTP_SPOOL/msg-2.eml" >plain2.eml 2>/dev/null
    expect_contains plain2.eml 'To: sam@hospital.test'
    expect_contains plain2.eml 'all good'
}

test_cron_from_refused_64_with_rewrite_from_fix() {
    setup_server
    cron_mail >cron.eml
    expect_exit 64 cron_run "$PEERMAIL_BIN" sendmail -FCronDaemon -i -B8BITMIME -oem \
        sam@hospital.test <cron.eml
    expect_contains err 'From <root> is not the configured identity <ana@clinic.test>'
    expect_contains err 'set rewrite_from = true in [identity]'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_cron_invocation_with_rewrite_from_sends() {
    setup_server
    sed -i 's/^signing_key = .*/&\nrewrite_from = true/' c.toml
    cron_mail >cron.eml
    ln -s "$PEERMAIL_BIN" sendmail
    expect_exit 0 cron_run ./sendmail -FCronDaemon -i -B8BITMIME -oem sam@hospital.test <cron.eml
    [ ! -s out ] && [ ! -s err ] || fail "sendmail printed on success"
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_contains "$SMTP_SPOOL/msg-1.json" '"ana@clinic.test"'
    gpg --batch --status-fd 3 --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null 3>status
    expect_contains status "[GNUPG:] VALIDSIG $ANA_FPR"
    expect_contains plain.eml 'From: Ana Ruiz <ana@clinic.test>'
    expect_contains plain.eml 'X-Original-From: root (Cron Daemon)'
    expect_contains plain.eml 'disk full on /var'
    expect_not_contains "$SMTP_SPOOL/msg-1.eml" 'X-Original-From'
    expect_not_contains "$SMTP_SPOOL/msg-1.eml" 'Cron Daemon'
}

# A foreign From cannot smuggle headers in through the X-Original-From copy
# (encoded CR LF, folded lines, control characters).
test_rewrite_from_header_injection_stays_one_line() {
    setup_server
    sed -i 's/^signing_key = .*/&\nrewrite_from = true/' c.toml
    printf 'From: =?UTF-8?Q?root=0D=0ABcc:_evil@attacker.test?= <root@x.test>\n (\033[31mred\r\n Bcc: evil2@attacker.test)\nTo: sam@hospital.test\nSubject: x\n\nbody\n' >inj.eml
    expect_exit 0 pm sendmail -t <inj.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_not_contains "$SMTP_SPOOL/msg-1.json" 'attacker'
    gpg --batch --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null
    if grep -qi '^Bcc:' plain.eml; then fail "a Bcc header was injected"; fi
    expect_eq "$(grep -c '^X-Original-From:' plain.eml)" 1 "X-Original-From headers"
    if LC_ALL=C grep -q $'\033' plain.eml; then fail "an escape byte travelled"; fi
}

test_bad_header_address_named_65() {
    setup_server
    printf 'From: ana@clinic.test\nTo: bob@\nSubject: x\n\nx\n' >b.eml
    expect_exit 65 pm sendmail -t <b.eml
    expect_contains err 'To: "bob@" is not a valid email address'
    printf 'From: ana@clinic.test\nTo: sam@hospital.test\nCc: "Evil \033[2J" <bob@>\nSubject: x\n\nx\n' >h.eml
    expect_exit 65 pm sendmail -t <h.eml
    expect_contains err 'Cc: '
    expect_contains err 'is not a valid email address'
    if LC_ALL=C grep -q $'\033' err; then fail "an escape byte reached the terminal"; fi
    expect_exit 65 pm sendmail sam@hospital.test <b.eml
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# --- unattended signing (issue 15) ------------------------------------------

LOCKED_PASS='s3cret-Kx9-never-shown'

# locked_key_config: a copy of the keyring with a passphrase-protected
# signing key for ana@clinic.test (the agent stopped, so nothing is cached),
# and c.toml signing with it.
locked_key_config() {
    setup_server
    gpg_home_copy
    gpg --batch --quiet --pinentry-mode loopback --passphrase "$LOCKED_PASS" \
        --quick-gen-key "Ana Locked <ana@clinic.test>" ed25519 sign,cert 2y 2>/dev/null
    LOCKED_FPR=$(gpg --with-colons --list-keys "=Ana Locked <ana@clinic.test>" | awk -F: '/^fpr:/ {print $10; exit}')
    gpg --batch --quiet --pinentry-mode loopback --passphrase "$LOCKED_PASS" \
        --quick-add-key "$LOCKED_FPR" cv25519 encr 2y 2>/dev/null
    gpg_trust_ultimate "$LOCKED_FPR"
    gpgconf --kill gpg-agent
    sed -i "s/^signing_key = .*/signing_key = \"$LOCKED_FPR\"/" c.toml
}

no_secret_leaked() {
    local f
    for f in out err audit.jsonl; do
        [ -f "$f" ] || continue
        expect_not_contains "$f" "$LOCKED_PASS"
    done
}

test_locked_key_without_terminal_77_up_front() {
    locked_key_config
    message ana@clinic.test sam@hospital.test >m.eml
    expect_exit 77 cron_run "$PEERMAIL_BIN" sendmail -i sam@hospital.test <m.eml
    expect_contains err "the signing key $LOCKED_FPR needs a passphrase and there is no terminal to ask for it"
    expect_contains err 'identity.passphrase_command'
    expect_contains err 'gpg-preset-passphrase --preset'
    expect_contains err '[KEY-05]'
    expect_not_contains err 'Inappropriate ioctl'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_locked_key_passphrase_command_signs_from_cron() {
    locked_key_config
    printf '%s\n' "$LOCKED_PASS" >pass.txt
    chmod 600 pass.txt
    sed -i "s|^signing_key = .*|&\npassphrase_command = \"cat $PWD/pass.txt\"\nrewrite_from = true|" c.toml
    cron_mail >cron.eml
    expect_exit 0 cron_run "$PEERMAIL_BIN" sendmail -FCronDaemon -i -B8BITMIME -oem sam@hospital.test <cron.eml
    expect_eq "$(spool_count)" 1 "messages delivered"
    gpg --batch --status-fd 3 --decrypt "$SMTP_SPOOL/msg-1.eml" >plain.eml 2>/dev/null 3>status
    expect_contains status "[GNUPG:] VALIDSIG"
    expect_contains plain.eml 'disk full on /var'
    no_secret_leaked
}

test_passphrase_command_fails_wrong_empty_or_hangs_77() {
    locked_key_config
    sed -i 's/^timeout_s = .*/timeout_s = 2/' c.toml
    local cmd
    for cmd in 'false' 'true' 'sleep 30' "printf wrong-pass"; do
        sed -i '/^passphrase_command = /d' c.toml
        sed -i "s|^signing_key = .*|&\npassphrase_command = \"$cmd\"|" c.toml
        message ana@clinic.test sam@hospital.test | expect_exit 77 cron_run "$PEERMAIL_BIN" sendmail -t
        expect_contains err 'identity.passphrase_command'
        no_secret_leaked
    done
    expect_contains err 'GnuPG did not accept the passphrase identity.passphrase_command printed'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# The other way the fix names: the passphrase preset in gpg-agent.
test_locked_key_preset_in_agent_sends_from_cron() {
    locked_key_config
    echo allow-preset-passphrase >>"$GNUPGHOME/gpg-agent.conf"
    local grip
    for grip in $(gpg --with-colons --with-keygrip --list-secret-keys "$LOCKED_FPR" | awk -F: '/^grp:/ {print $10}'); do
        printf '%s' "$LOCKED_PASS" | /usr/lib/gnupg/gpg-preset-passphrase --preset "$grip"
    done
    message ana@clinic.test sam@hospital.test | expect_exit 0 cron_run "$PEERMAIL_BIN" sendmail -t
    expect_eq "$(spool_count)" 1 "messages delivered"
}
