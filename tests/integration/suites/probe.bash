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
    for id in TLS-01 TLS-04 TLS-05 TLS-07 TLS-09 AUTH-01 AUTH-02; do
        expect_status "$id" pass
    done
    # Python's default server context also offers CBC suites (TLS 1.2).
    expect_status TLS-03 warn
    expect_contains out "Obsoleted CBC ciphers (AES, ARIA etc.) offered (warn): ECDHE-ECDSA-AES256-SHA384"
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
    # Diagnosed by cause: TLS is there (TLS-01), in old versions only (TLS-02).
    tls_can_offer_v1_1 >reason || { echo "SKIP: $(cat reason)"; return 0; }
    start_smtp smtps --tls-max 1.1
    cfg implicit
    expect_exit 1 probe
    expect_status TLS-01 pass
    expect_status TLS-02 fail
    expect_no_data
}

test_no_staple_warns_and_hygiene_is_probed() {
    start_smtp starttls --user ana --password "$PW"
    cfg starttls
    PM_TEST_PASSWORD=$PW expect_exit 0 pm --config c.toml --json check --probe --only TLS-06,TLS-08
    expect_status TLS-06 warn
    expect_contains out "localhost:$SMTP_PORT: Neither CRL nor OCSP URI provided (NOT ok)"
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

# --- issue 16: what the server offers, diagnosed by cause -------------------

# transcript_count WORD: how many client commands WORD the sink logged.
transcript_count() { grep -c "^C [a-z]* $1\b" "$SMTP_SPOOL/transcript.log" || true; }

test_anonymous_suite_offered_fails_tls03() {
    # A Debian-default Postfix accepts anonymous (certificate-less) suites.
    # The suite the probe negotiates is strong; what the server offers is not.
    openssl genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 -out dh.pem 2>/dev/null
    start_smtp starttls --user ana --password "$PW" --dh-params "$PWD/dh.pem" \
        --ciphers 'ECDHE-ECDSA-AES128-GCM-SHA256:ADH-AES256-GCM-SHA384:@SECLEVEL=0'
    cfg starttls
    # openssl s_client agrees that the anonymous suite is accepted.
    openssl s_client -starttls smtp -connect "127.0.0.1:$SMTP_PORT" -tls1_2 \
        -cipher 'ADH-AES256-GCM-SHA384:@SECLEVEL=0' </dev/null >s_client.out 2>&1 || true
    expect_contains s_client.out "Cipher is ADH-AES256-GCM-SHA384"
    : >"$SMTP_SPOOL/transcript.log"
    expect_exit 1 probe
    expect_status TLS-01 pass
    expect_status TLS-03 fail
    expect_contains out "Anonymous NULL Ciphers (no authentication) offered (NOT ok): ADH-AES256-GCM-SHA384"
    expect_contains out "negotiated TLS_AES_256_GCM_SHA384 (256 bits)"
    expect_contains out "5 suites offered (3 in TLS 1.3, 2 in TLS 1.2)"
    expect_not_contains out "ECDHE-ECDSA-AES128-GCM-SHA256 offered"
    expect_status TLS-02 pass
    expect_contains out "TLS 1 not offered (OK), TLS 1.1 not offered (OK), TLS 1.2 offered (OK), TLS 1.3 offered (OK)"
    # One login and one MAIL, in the probe's own session; the enumeration
    # handshakes (one STARTTLS each) neither authenticate nor send mail.
    expect_eq "$(transcript_count AUTH)" 1 "AUTH commands"
    expect_eq "$(transcript_count MAIL)" 1 "MAIL commands"
    expect_eq "$(transcript_count STARTTLS)" 10 "STARTTLS (1 session + 9 enumeration handshakes)"
    expect_no_data
}

test_strong_suites_only_pass_tls03() {
    start_smtp smtps --user ana --password "$PW" --tls-max 1.2 \
        --ciphers 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305'
    cfg implicit
    PM_TEST_PASSWORD=$PW expect_exit 0 pm --config c.toml --json check --probe --only TLS-02,TLS-03
    expect_status TLS-03 pass
    expect_contains out "2 suites offered (2 in TLS 1.2); only forward-secret AEAD suites offered (OK)"
    expect_status TLS-02 warn
}

test_cbc_and_static_rsa_are_named() {
    # An RSA certificate so that static RSA key exchange can be offered.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -days 30 \
        -subj /CN=localhost -addext "subjectAltName=DNS:localhost" 2>/dev/null
    start_smtp smtps --cert "$(realpath --relative-to="$TEST_CA" "$PWD/rsa")" --tls-max 1.2 \
        --ciphers 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256'
    cfg implicit
    expect_exit 1 pm --config c.toml --json check --probe --only TLS-03
    expect_status TLS-03 fail
    expect_contains out "Ciphers without forward secrecy (static RSA key exchange) offered (NOT ok): AES128-GCM-SHA256"
    expect_contains out "Obsoleted CBC ciphers (AES, ARIA etc.) offered (warn): ECDHE-RSA-AES128-SHA"
}

test_tls11_only_starttls_fails_tls02_and_judges_the_certificate() {
    # The issue's case: not "the server must offer STARTTLS", but TLS-02
    # with the versions offered; the certificate judged on itself.
    tls_can_offer_v1_1 >reason || { echo "SKIP: $(cat reason)"; return 0; }
    start_smtp starttls --tls-max 1.1 --user ana --password "$PW"
    cfg starttls
    expect_exit 1 probe
    expect_status TLS-01 pass
    expect_status TLS-02 fail
    expect_contains out "localhost:$SMTP_PORT: the server offers no TLS 1.2 or newer: "
    expect_contains out "TLS 1.1 offered (deprecated), TLS 1.2 not offered, TLS 1.3 not offered"
    expect_not_contains out "must offer STARTTLS"
    for id in TLS-04 TLS-05 TLS-07 TLS-09; do
        expect_status "$id" pass
    done
    expect_eq "$(transcript_count AUTH)" 0 "AUTH commands"
    expect_eq "$(transcript_count MAIL)" 0 "MAIL commands"
    expect_no_data
}

test_certificate_without_revocation_information_tls06() {
    start_smtp smtps
    cfg implicit
    # openssl agrees: the test certificate names no CRL and no OCSP URI.
    openssl x509 -in "$TEST_CA/server.pem" -noout -text >cert.txt
    expect_not_contains cert.txt "CRL Distribution Points"
    expect_not_contains cert.txt "OCSP - URI"
    expect_exit 0 pm --config c.toml --json check --probe --no-login --only TLS-06
    expect_status TLS-06 warn
    expect_contains out "Neither CRL nor OCSP URI provided (NOT ok)"
    # A certificate with an OCSP URI (AIA) is only missing its staple.
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout aia.key \
        -out aia.csr -subj /CN=localhost 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost" "extendedKeyUsage=serverAuth" \
        "authorityInfoAccess=OCSP;URI:http://ocsp.invalid/" >aia.ext
    openssl x509 -req -in aia.csr -CA "$TEST_CA/ca.pem" -CAkey "$TEST_CA/ca.key" \
        -CAserial aia.srl -CAcreateserial -days 30 -extfile aia.ext -out aia.pem 2>/dev/null
    start_smtp smtps --cert "$(realpath --relative-to="$TEST_CA" "$PWD/aia")"
    cfg implicit
    expect_exit 0 pm --config c.toml --json check --probe --no-login --only TLS-06
    expect_status TLS-06 warn
    expect_eq "$(evidence TLS-06)" \
        "localhost:$SMTP_PORT: no stapled OCSP response: revocation status unknown (the certificate names an OCSP URI; not fetched)" \
        TLS-06
}

test_refused_at_rcpt_passes_auth01_and_never_sends_data() {
    # Postfix answers 250 to MAIL and refuses at RCPT without AUTH: fine.
    start_smtp starttls --user ana --password "$PW" --auth-at-rcpt
    cfg starttls
    expect_exit 0 probe
    expect_status AUTH-01 pass
    expect_contains out "without AUTH: MAIL answered 250, RCPT answered 530; login ok"
    expect_contains "$SMTP_SPOOL/transcript.log" "C tls RCPT TO:<ana@clinic.test>"
    # RSET right after the RCPT; never DATA.
    expect_eq "$(grep -A1 ' RCPT ' "$SMTP_SPOOL/transcript.log" | tail -1)" "C tls RSET" "after RCPT"
    expect_not_contains "$SMTP_SPOOL/transcript.log" " DATA"
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_clear_ok
}

test_accepted_at_rcpt_warns_auth01() {
    start_smtp starttls
    cfg starttls
    expect_exit 0 pm --config c.toml --json check --probe --no-login --only AUTH-01
    expect_status AUTH-01 warn
    expect_contains out "without AUTH: MAIL answered 250, RCPT answered 250: the server accepts mail without authentication"
    expect_not_contains "$SMTP_SPOOL/transcript.log" " DATA"
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_no_login_reads_and_sends_no_password() {
    start_smtp starttls --user ana --password "$PW"
    cfg starttls
    # No PM_TEST_PASSWORD: --no-login must not even look for it.
    expect_exit 0 pm --config c.toml --json check --probe --no-login --only AUTH-01
    expect_status AUTH-01 warn
    expect_contains out "login not tested: not tried (--no-login)"
    expect_not_contains err "probe without login"
    expect_eq "$(transcript_count AUTH)" 0 "AUTH commands"
}

test_starttls_setting_on_implicit_port_is_named_fast() {
    # tls = "starttls" against implicit TLS (465): no greeting ever comes.
    start_smtp smtps --user ana --password "$PW"
    cfg starttls
    sed -i 's/^timeout_s = .*/timeout_s = 30/' c.toml
    local start=$SECONDS
    expect_exit 1 probe
    [ $((SECONDS - start)) -le 8 ] || fail "the probe took $((SECONDS - start)) s"
    expect_status TLS-01 fail
    expect_contains out 'expects TLS on connect (implicit TLS): it sent no SMTP greeting and answers a TLS handshake; account.default.tls = \"starttls\" does not match this port'
    expect_contains out 'set tls = \"implicit\" for this port (implicit TLS is usually port 465)'
    expect_not_contains out "must offer STARTTLS"
    expect_eq "$(transcript_count AUTH)" 0 "AUTH commands"
    expect_no_data
}

test_implicit_setting_on_plain_port_is_named() {
    # tls = "implicit" against a STARTTLS port: the first bytes are "220 ".
    start_smtp starttls --user ana --password "$PW"
    cfg implicit
    local start=$SECONDS
    expect_exit 1 probe
    [ $((SECONDS - start)) -le 5 ] || fail "the probe took $((SECONDS - start)) s"
    expect_status TLS-01 fail
    expect_contains out 'account.default.tls = \"implicit\" does not match this port'
    expect_contains out 'set tls = \"starttls\" and port = 587'
    expect_eq "$(grep -c '^C' "$SMTP_SPOOL/transcript.log")" 0 "SMTP commands"
}

test_send_with_starttls_on_implicit_port_exits_69_with_the_fix() {
    # The same rule for send: not 75 ("safe to retry"), which made a batch
    # retry every recipient, but 69 naming the setting and the fix.
    probe_gpg >reason || { echo "SKIP: $(cat reason)"; return 0; }
    gpg_clinic_keys
    printf 'Subject: lab\n\nbody\n' | gpg --batch --armor --encrypt -r "$SAM_FPR" >c.asc
    {
        printf '%s\n' "From: Ana Ruiz <ana@clinic.test>" "To: sam@hospital.test" \
            "Subject: [...]" "Message-ID: <t1@clinic.test>" "MIME-Version: 1.0" \
            'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";' \
            ' boundary="b1"' "" "--b1" "Content-Type: application/pgp-encrypted" "" \
            "Version: 1" "" "--b1" \
            'Content-Type: application/octet-stream; name="encrypted.asc"' ""
        cat c.asc
        printf '\n--b1--\n'
    } >m.eml
    start_smtp smtps --user ana --password "$PW"
    write_config c.toml signing_key="$ANA_FPR" host=localhost port="$SMTP_PORT" tls=starttls \
        ca_file="$TEST_CA/ca.pem"
    sed -i 's/^timeout_s = .*/timeout_s = 3/' c.toml
    PM_TEST_PASSWORD=$PW expect_exit 69 pm --config c.toml send --message m.eml
    expect_contains err 'account.default.tls = "starttls" does not match this port; nothing was sent [TLS-01]'
    expect_contains err 'set tls = "implicit" for this port (implicit TLS is usually port 465)'
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_eq "$(transcript_count AUTH)" 0 "AUTH commands"
}

test_silent_server_is_a_timeout_within_timeout_s() {
    # A server that accepts TCP and never answers: one timeout, named as
    # such (not a handshake failure), and the probe stops there instead of
    # trying every version and suite (issue 16: it took 93 s).
    start_hostile silent
    for mode in implicit starttls; do
        cfg "$mode"
        sed -i 's/^timeout_s = .*/timeout_s = 5/' c.toml
        local t0=$SECONDS
        probe_bounded 120
        expect_eq "$(cat rc)" 1 "exit code ($mode)"
        [ $((SECONDS - t0)) -le 20 ] || fail "the probe took $((SECONDS - t0)) s ($mode)"
        expect_status TLS-01 fail
        expect_contains out "accepted the connection but sent nothing within 5 s (timeout_s); the probe stopped there"
        expect_not_contains out "handshake"
        # Not a terminal: no progress line.
        expect_not_contains err "probing"
    done
}

test_progress_line_only_on_a_terminal() {
    command -v script >/dev/null || { echo "SKIP: script(1) missing"; return 0; }
    start_smtp starttls --user ana --password "$PW"
    cfg starttls
    # stderr a terminal (script(1)), stdout a file: the progress goes to the
    # terminal only, and stdout stays the JSON report.
    PM_TEST_PASSWORD=$PW script -qefc "$PEERMAIL_BIN --config c.toml --json check --probe --only TLS-01 >out" tty.log >/dev/null || true
    /usr/bin/python3 -c 'import json; json.load(open("out"))' || fail "stdout is not JSON"
    expect_not_contains out "probing"
    expect_contains tty.log "probing localhost:$SMTP_PORT"
}
