# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail check --probe` beside testssl.sh on the same servers (issue 16):
# the versions offered, every cipher suite offered, the certificate (key,
# signature, expiry, chain, host name) and its revocation information must
# agree, apart from the deliberate differences peermail-check(1) lists under
# COMPARED WITH TESTSSL (tests/integration/testssl_compare.py decides).
#
# testssl.sh runs only the checks compared (-p -e -S), in batch mode with
# stdin closed (an interactive question would wait for ever), without DNS,
# with its own sockets for -p and -e (--fast and --ssl-native use the local
# OpenSSL, which does not offer anonymous suites at its default security
# level: testssl.sh then misses them), and under a watchdog.

. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

# Opt-in: CI does not install testssl.sh (the suite needs about 5 minutes
# of CPU, mostly testssl.sh's own start-up and -S); install it to run this.
suite_probe() {
    command -v testssl >/dev/null 2>&1 ||
        { echo "opt-in: testssl not found (apt-get install testssl.sh to run this suite)"; return 1; }
    probe_smtp
}

suite_setup() {
    make_test_ca "$SUITE_DIR/ca"
    (
        cd "$SUITE_DIR/ca" || exit 1
        # A certificate that names a CRL distribution point and an OCSP
        # responder (AIA), and an RSA one (static RSA key exchange needs it).
        printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth" \
            "authorityInfoAccess=OCSP;URI:http://ocsp.invalid/" \
            "crlDistributionPoints=URI:http://crl.invalid/ca.crl" >revinfo.ext
        printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth" \
            >rsa.ext
        for spec in "revinfo|-newkey ec -pkeyopt ec_paramgen_curve:P-256" "rsa|-newkey rsa:2048"; do
            name=${spec%%|*}
            # shellcheck disable=SC2086
            openssl req ${spec#*|} -nodes -keyout "$name.key" -out "$name.csr" \
                -subj /CN=localhost 2>/dev/null
            openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAserial "$name.srl" \
                -CAcreateserial -days 200 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
            [ -s "$name.pem" ]
        done
        openssl genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 -out dh.pem 2>/dev/null
    )
    # testssl.sh first checks that the local openssl can connect at all; at
    # OpenSSL 3's default security level it cannot reach a TLS 1.0/1.1-only
    # server ("Your OpenSSL cannot connect"), and testssl.sh clears
    # OPENSSL_CONF. So it runs this openssl (--openssl), which allows TLS 1.0
    # and security level 0 for its s_client calls (-p and -e use its own
    # sockets either way).
    mkdir -p "$SUITE_DIR/bin"
    printf '%s\n' "openssl_conf = c" "[c]" "ssl_conf = s" "[s]" "system_default = d" "[d]" \
        "MinProtocol = TLSv1" "CipherString = DEFAULT:@SECLEVEL=0" >"$SUITE_DIR/bin/legacy.cnf"
    printf '#!/bin/sh\nOPENSSL_CONF=%s exec /usr/bin/openssl "$@"\n' "$SUITE_DIR/bin/legacy.cnf" \
        >"$SUITE_DIR/bin/openssl"
    chmod +x "$SUITE_DIR/bin/openssl"
    echo "export TEST_CA=$SUITE_DIR/ca" >"$SUITE_DIR/env.sh"
}

# compare_with_testssl MODE: run the probe (./probe.json) and testssl.sh
# (./testssl.json, log ./testssl.log) against the server on $SMTP_PORT
# (MODE: implicit or starttls) and compare them (./compare.out).
compare_with_testssl() {
    local mode=$1 t=()
    write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        host=localhost port="$SMTP_PORT" tls="$mode" ca_file="$TEST_CA/ca.pem"
    pm --config c.toml --json check --probe --no-login \
        --only TLS-02,TLS-03,TLS-04,TLS-05,TLS-06,TLS-07 >probe.json 2>probe.err || true
    /usr/bin/python3 -c 'import json; json.load(open("probe.json"))' ||
        { cat probe.err >&2; fail "the probe's output is not JSON"; }
    [ "$mode" = starttls ] && t=(-t smtp)
    local rc=0 t0=$SECONDS
    HEADER_MAXSLEEP=1 timeout -k 10 600 testssl --color 0 --warnings batch --nodns none \
        --openssl "$SUITE_DIR/bin/openssl" --add-ca "$TEST_CA/ca.pem" "${t[@]}" -p -e -S --jsonfile-pretty testssl.json \
        "127.0.0.1:$SMTP_PORT" </dev/null >testssl.log 2>&1 || rc=$?
    echo "testssl: exit $rc after $((SECONDS - t0)) s"
    if [ "$rc" -ge 124 ] || ! grep -q '"scanTime"' testssl.json 2>/dev/null; then
        tail -20 testssl.log >&2
        fail "testssl did not finish (exit $rc)"
    fi
    rc=0
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/testssl_compare.py" \
        probe.json testssl.json >compare.out || rc=$?
    cat compare.out
    [ "$rc" = 0 ] || fail "the probe and testssl.sh disagree (see DISAGREE above)"
}

test_strong_suites_and_revocation_information_agree() {
    start_smtp smtps --cert revinfo \
        --ciphers 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305'
    compare_with_testssl implicit
    expect_contains compare.out "agree suite ECDHE-ECDSA-CHACHA20-POLY1305 offered"
    expect_contains compare.out "agree revocation information: CRL yes, OCSP URI yes"
    cp probe.json testssl.json "$SUITE_DIR/"
}

test_anonymous_suite_over_starttls_and_expired_certificate_agree() {
    start_smtp starttls --cert expired --dh-params "$TEST_CA/dh.pem" \
        --ciphers 'ECDHE-ECDSA-AES128-GCM-SHA256:ADH-AES256-GCM-SHA384:@SECLEVEL=0'
    compare_with_testssl starttls
    expect_contains compare.out "agree suite ADH-AES256-GCM-SHA384 offered"
    expect_contains compare.out "agree TLS-07 fail"
    expect_contains compare.out "agree revocation information: CRL no, OCSP URI no"
}

test_cbc_and_static_rsa_agree() {
    start_smtp smtps --cert rsa --tls-max 1.2 \
        --ciphers 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES256-SHA'
    compare_with_testssl implicit
    expect_contains compare.out "agree suite AES256-SHA offered"
    expect_contains compare.out "agree key RSA 2048 bits"
    expect_contains compare.out "agree TLS 1.3: not offered"
}

test_legacy_only_over_starttls_agrees() {
    tls_can_offer_v1_1 >reason || { echo "SKIP: $(cat reason)"; return 0; }
    start_smtp starttls --tls-max 1.1
    compare_with_testssl starttls
    expect_contains compare.out "agree TLS 1.1: offered"
    expect_contains compare.out "agree TLS 1.2: not offered"
}

test_the_comparison_fails_on_a_disagreement() {
    # The first test's two reports, each changed in one fact: the comparison
    # must name each change and fail.
    [ -f "$SUITE_DIR/probe.json" ] || fail "no reports from test_strong_suites_and_revocation_information_agree"
    sed 's/ECDHE-ECDSA-CHACHA20-POLY1305//g; s/TLS 1.1 not offered/TLS 1.1 offered/; s/EC 256 bits/EC 384 bits/' \
        "$SUITE_DIR/probe.json" >probe.json
    sed 's/"cert_ocspURL",/"cert_ocspURL_gone",/' "$SUITE_DIR/testssl.json" >testssl.json
    expect_exit 1 /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/testssl_compare.py" \
        probe.json testssl.json
    expect_contains out "DISAGREE TLS 1.1: probe offered, testssl not offered"
    expect_contains out "DISAGREE suite ECDHE-ECDSA-CHACHA20-POLY1305: testssl only"
    expect_contains out "DISAGREE key: probe EC 384 bits, testssl EC 256 bits"
    expect_contains out "DISAGREE revocation information: probe "
    expect_contains out "4 disagreement(s)"
}
