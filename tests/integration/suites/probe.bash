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

# evidence ID: the evidence of ID in ./out (check --json).
evidence() {
    /usr/bin/python3 -c 'import json,sys
d=json.load(open("out"))
print([f["evidence"] for f in d["findings"] if f["id"]==sys.argv[1]][0])' "$1"
}

# start_stapling_server OCSP_DER [s_server options...]: an implicit-TLS
# server (openssl s_server, certificate $TEST_CA/server.pem) that staples
# OCSP_DER, greets with 220 and closes after one connection. Python's ssl
# cannot staple. Exports SMTP_PORT.
start_stapling_server() {
    local resp=$1
    shift
    printf '220 stapling test server\r\n' >greeting
    openssl s_server -accept 0 -naccept 1 -cert "$TEST_CA/server.pem" \
        -key "$TEST_CA/server.key" -status_file "$resp" "$@" <greeting >s_server.log 2>&1 &
    register_pid $!
    local _
    for _ in $(seq 1 100); do
        grep -q '^ACCEPT' s_server.log && break
        sleep 0.05
    done
    SMTP_PORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' s_server.log)
    [ -n "$SMTP_PORT" ] || { cat s_server.log >&2; fail "s_server did not start"; }
    export SMTP_PORT
}

# ocsp_response STATUS OUT [NAME]: an OCSP response signed by the test CA
# saying STATUS (good | revoked) for $TEST_CA/NAME.pem (default: server).
ocsp_response() {
    local cert=$TEST_CA/${3:-server}.pem serial
    serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
    if [ "$1" = revoked ]; then
        printf 'R\t301231000000Z\t240101000000Z,keyCompromise\t%s\tunknown\t/CN=localhost\n' \
            "$serial" >index.txt
    else
        printf 'V\t301231000000Z\t\t%s\tunknown\t/CN=localhost\n' "$serial" >index.txt
    fi
    openssl ocsp -issuer "$TEST_CA/ca.pem" -cert "$cert" -no_nonce -reqout req.der \
        >/dev/null 2>&1
    openssl ocsp -index index.txt -rsigner "$TEST_CA/ca.pem" -rkey "$TEST_CA/ca.key" \
        -CA "$TEST_CA/ca.pem" -reqin req.der -respout "$2" -ndays 1 >/dev/null 2>&1
    [ -s "$2" ] || fail "openssl ocsp made no response"
}

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

test_no_staple_warns_and_hygiene_is_probed() {
    start_smtp starttls --user ana --password "$PW"
    cfg starttls
    PM_TEST_PASSWORD=$PW expect_exit 0 pm --config c.toml --json check --probe --only TLS-06,TLS-08
    expect_status TLS-06 warn
    expect_eq "$(evidence TLS-06)" \
        "localhost:$SMTP_PORT: no stapled OCSP response: revocation status unknown" TLS-06
    expect_contains out "ask the provider to enable OCSP stapling"
    expect_status TLS-08 pass
    expect_eq "$(evidence TLS-08 | sed 's/; OpenSSL 3.*: 0-RTT off$/; OpenSSL 3: 0-RTT off/')" \
        "localhost:$SMTP_PORT: TLSv1.3 (renegotiation and EMS not applicable), no compression, SNI sent; OpenSSL 3: 0-RTT off" \
        TLS-08
    expect_no_data
}

test_no_probe_skips_revocation() {
    SMTP_PORT=587
    cfg starttls
    expect_exit 0 pm --config c.toml --json check --only TLS-06
    expect_status TLS-06 skip
}

test_stapled_good_passes() {
    ocsp_response good resp.der
    start_stapling_server resp.der -tls1_2
    cfg implicit
    expect_exit 0 pm --config c.toml --json check --probe --only TLS-04,TLS-06,TLS-08
    expect_status TLS-04 pass
    expect_status TLS-06 pass
    expect_contains out "localhost:$SMTP_PORT: stapled OCSP: good (valid until "
    expect_status TLS-08 pass
    expect_contains out "localhost:$SMTP_PORT: TLSv1.2, secure renegotiation, Extended Master Secret, no compression, SNI sent; "
}

test_stapled_revoked_fails() {
    ocsp_response revoked resp.der
    start_stapling_server resp.der
    cfg implicit
    expect_exit 1 pm --config c.toml --json check --probe --only TLS-06
    expect_status TLS-06 fail
    expect_contains out "localhost:$SMTP_PORT: stapled OCSP: the server certificate is revoked at 2024-01-01 00:00:00 UTC (keyCompromise)"
}

test_stapled_for_other_certificate_fails() {
    # A valid response of the test CA, but about another of its certificates.
    ocsp_response good resp.der wronghost
    start_stapling_server resp.der
    cfg implicit
    expect_exit 1 pm --config c.toml --json check --probe --only TLS-06
    expect_status TLS-06 fail
    expect_contains out "stapled OCSP response rejected: the response is not for the server certificate"
}

# spki_pin CERT: the base64 SHA-256 of CERT's public key (what pin_sha256 holds).
spki_pin() {
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der 2>/dev/null |
        openssl dgst -sha256 -binary | base64
}

# set_pin PIN: add pin_sha256 to the account of ./c.toml.
set_pin() { sed -i "/^\[account.default\]/a pin_sha256 = \"$1\"" c.toml; }

test_wrong_pin_fails_tls04_and_never_sends_auth() {
    # A valid chain for the right host, but not the pinned key: send refuses
    # this server, so the probe must neither pass TLS-04 nor log in to it.
    start_smtp smtps --user ana --password "$PW"
    cfg implicit
    set_pin AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
    expect_exit 1 probe
    expect_status TLS-04 fail
    expect_contains out "does not match pin_sha256"
    expect_contains out "$(spki_pin "$TEST_CA/server.pem")"
    expect_status TLS-05 pass
    expect_status AUTH-01 warn
    expect_contains out "login not tested: not tried"
    expect_not_contains "$SMTP_SPOOL/transcript.log" "AUTH"
    expect_not_contains "$SMTP_SPOOL/transcript.log" "A PLAIN"
    expect_no_data
}

test_right_pin_passes_and_logs_in() {
    start_smtp smtps --user ana --password "$PW"
    cfg implicit
    set_pin "$(spki_pin "$TEST_CA/server.pem")"
    expect_exit 0 probe
    expect_status TLS-04 pass
    expect_contains out "public key matches pin_sha256"
    expect_contains out "login ok"
    expect_no_data
}

test_below_min_tls_fails_tls02_and_never_sends_auth() {
    # min_tls = "1.3" against a TLS 1.2 server: send refuses it (TLS-02).
    ocsp_response good resp.der
    start_stapling_server resp.der -tls1_2
    cfg implicit
    sed -i 's/^min_tls = .*/min_tls = "1.3"/' c.toml
    expect_exit 1 pm --config c.toml --json check --probe --only TLS-02,TLS-04
    expect_status TLS-02 fail
    expect_contains out 'negotiated TLSv1.2, below min_tls = \"1.3\"'
    expect_status TLS-04 pass
}

# start_hostile MODE: tests/servers/hostile_smtp.py (endless | drip EHLO
# reply) on a free port; exports SMTP_PORT. It stops by itself after 90 s.
start_hostile() {
    rm -f port
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/servers/hostile_smtp.py" --mode "$1" \
        --port-file port --log hostile.log --lifetime 90 >hostile.out 2>&1 &
    register_pid $!
    local _
    for _ in $(seq 1 100); do
        [ -s port ] && break
        sleep 0.05
    done
    [ -s port ] || { cat hostile.out >&2; fail "hostile_smtp.py did not start"; }
    SMTP_PORT=$(cat port)
    export SMTP_PORT
}

# probe_bounded SECONDS: run the probe under a watchdog of SECONDS and a
# 1 GiB address-space limit; stdout ./out, stderr ./err, exit code ./rc.
probe_bounded() {
    local rc=0
    (ulimit -v 1048576 && PM_TEST_PASSWORD=$PW timeout -k 2 "$1" "$PEERMAIL_BIN" \
        --config c.toml --json check --probe --only TLS-01) >out 2>err || rc=$?
    echo "$rc" >rc
}

test_endless_ehlo_reply_is_cut_off() {
    # A server whose EHLO reply never ends: the probe stops reading after its
    # reply bound (LIMITS.md) and judges TLS-01, instead of growing without
    # end.
    start_hostile endless
    cfg starttls
    probe_bounded 60
    expect_eq "$(cat rc)" 1 "exit code"
    expect_status TLS-01 fail
    expect_contains out "reply is longer than 256 lines or 64 KiB"
}

test_drip_fed_ehlo_reply_hits_the_deadline() {
    # One byte every 0.2 s never trips the per-read timeout_s; the
    # connection deadline (4 × timeout_s) ends it.
    start_hostile drip
    cfg starttls
    sed -i 's/^timeout_s = .*/timeout_s = 1/' c.toml
    local t0=$SECONDS
    probe_bounded 60
    expect_eq "$(cat rc)" 1 "exit code"
    expect_status TLS-01 fail
    expect_contains out "did not finish the exchange within 4 s"
    # Three connections (the probe and two legacy-version checks), 4 s each.
    [ $((SECONDS - t0)) -le 20 ] || fail "the probe took $((SECONDS - t0)) s"
}
