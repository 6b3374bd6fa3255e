# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail check --probe` against tests/servers/smtp_sink.py: a good server
# passes, each bad one fails its item, and no message is ever delivered.

. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

suite_probe() { probe_smtp; }

suite_setup() {
    make_test_ca "$SUITE_DIR/ca"
    echo "export TEST_CA=$SUITE_DIR/ca" >"$SUITE_DIR/env.sh"
}

PW=probe-pw-0815
IDS=TLS-01,TLS-02,TLS-03,TLS-04,TLS-05,TLS-07,TLS-09,AUTH-01,AUTH-02

cfg() {
    local tls=$1
    shift
    write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        host=localhost port="$SMTP_PORT" tls="$tls" ca_file="$TEST_CA/ca.pem" "$@"
    sed -i 's/^timeout_s = .*/timeout_s = 3/' c.toml
}

# status ID: the status of ID in ./out (check --json).
status() {
    /usr/bin/python3 -c 'import json,sys
d=json.load(open("out"))
print([f["status"] for f in d["findings"] if f["id"]==sys.argv[1]][0])' "$1"
}

expect_status() { expect_eq "$(status "$1")" "$2" "$1"; }

expect_no_data() {
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_not_contains "$SMTP_SPOOL/transcript.log" " DATA"
    expect_not_contains "$SMTP_SPOOL/transcript.log" " RCPT"
    expect_clear_ok
    expect_not_contains out "$PW"
    expect_not_contains err "$PW"
}

probe() { PM_TEST_PASSWORD=$PW pm --config c.toml --json check --probe --only "$IDS"; }

test_good_starttls_server_passes() {
    start_smtp starttls --user ana --password "$PW"
    cfg starttls
    expect_exit 0 probe
    for id in TLS-01 TLS-03 TLS-04 TLS-05 TLS-07 TLS-09 AUTH-01 AUTH-02; do
        expect_status "$id" pass
    done
    expect_contains out "login ok"
    expect_contains out "TLSv1.3"
    expect_contains "$SMTP_SPOOL/transcript.log" "A PLAIN ok"
    expect_no_data
}

test_good_implicit_server_passes() {
    start_smtp smtps --user ana --password "$PW"
    cfg implicit
    expect_exit 0 probe
    expect_status TLS-01 pass
    expect_status TLS-04 pass
    expect_no_data
}

test_no_starttls_fails() {
    start_smtp plain --user ana --password "$PW" --auth-before-tls
    cfg starttls
    expect_exit 1 probe
    expect_status TLS-01 fail
    expect_status TLS-09 fail
    expect_no_data
}

test_starttls_454_fails() {
    start_smtp starttls --starttls-reply "454 4.7.0 TLS not available"
    cfg starttls
    expect_exit 1 probe
    expect_status TLS-09 fail
    expect_contains out "STARTTLS answered with 454 4.7.0 TLS not available"
    expect_no_data
}

test_injection_fails() {
    start_smtp starttls --inject-after-starttls --user ana --password "$PW"
    cfg starttls
    expect_exit 1 probe
    expect_status TLS-09 fail
    expect_no_data
}

test_auth_before_tls_warns() {
    start_smtp starttls --auth-before-tls --user ana --password "$PW"
    cfg starttls
    expect_exit 0 probe
    expect_status AUTH-02 warn
    expect_no_data
}

test_self_signed_fails_no_login() {
    start_smtp smtps --cert selfsigned --user ana --password "$PW"
    cfg implicit
    expect_exit 1 probe
    expect_status TLS-04 fail
    expect_not_contains "$SMTP_SPOOL/transcript.log" "AUTH"
    expect_no_data
}

test_wrong_host_fails() {
    start_smtp smtps --cert wronghost --user ana --password "$PW"
    cfg implicit
    expect_exit 1 probe
    expect_status TLS-05 fail
    expect_no_data
}

test_expired_fails() {
    start_smtp smtps --cert expired --user ana --password "$PW"
    cfg implicit
    expect_exit 1 probe
    expect_status TLS-07 fail
    expect_status TLS-04 fail
    expect_no_data
}

test_wrong_password_fails() {
    start_smtp smtps --user ana --password other
    cfg implicit
    expect_exit 1 probe
    expect_status AUTH-01 fail
    expect_no_data
}

test_legacy_tls_only_fails() {
    tls_can_offer_v1_1 >reason || { echo "SKIP: $(cat reason)"; return 0; }
    start_smtp smtps --tls-max 1.1
    cfg implicit
    expect_exit 1 probe
    expect_status TLS-01 fail
    expect_no_data
}
