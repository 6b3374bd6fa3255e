# SPDX-License-Identifier: GPL-3.0-or-later
# Revocation of S/MIME certificates (issue 17, KEY-03), end to end with a
# real CRL in dirmngr: an OpenSSL CA revokes two certificates (a peer's and
# one of Ana's own) and publishes a CRL, which is loaded into dirmngr's
# cache (`gpgsm --call-dirmngr loadcrl`). A second root publishes nothing:
# its certificates' CRL distribution point is 127.0.0.1 on a closed port,
# so dirmngr has no answer for them and never leaves the machine (LDAP is
# disabled). `send`, `verify`, `check` and `keys check` are asserted with
# [smime] revocation = "check" and "offline" (docs/DESIGN.md §4: offline
# tolerates an unanswered revocation check with a warning; a revocation
# dirmngr knows is refused in both modes). Real SMTP over TLS, real gpgsm.

# shellcheck source=../smime.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/smime.bash"

# shellcheck disable=SC2034 # read by setup_server and send_to (smime.bash)
SUBJECT='Pathology 7731 for patient Rosalind'
# shellcheck disable=SC2034
BODY_MARK='Second opinion agrees with the first'
PASSWORD='pw-Rev0ke-never-shown'

suite_probe() { smime_probe; }

suite_setup() {
    clinic_suite_setup
    # dirmngr: no LDAP at all; HTTP only to the closed loopback port below.
    printf 'disable-ldap\nignore-ldap-dp\n' >"$GNUPGHOME/dirmngr.conf"
    local now later x=$SUITE_DIR/x509
    now=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
    later=$(date -u -d '+60 days' +%Y%m%d%H%M%SZ)
    mkdir -p "$x"
    (
        cd "$x" || exit 1
        x509_root ca "Lab Root"
        x509_root lone "Lone Root"
        local use=("keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=emailProtection")
        local dp="crlDistributionPoints=URI:http://127.0.0.1:1/"
        x509_cert ca ana ana@clinic.test "$now" "$later" "${use[@]}" "${dp}ca.crl"
        x509_cert ca anarev ana@clinic.test "$now" "$later" "${use[@]}" "${dp}ca.crl"
        x509_cert ca kim kim@lab.test "$now" "$later" "${use[@]}" "${dp}ca.crl"
        x509_cert ca rev rev@lab.test "$now" "$later" "${use[@]}" "${dp}ca.crl"
        x509_cert lone una una@lab.test "$now" "$later" "${use[@]}" "${dp}lone.crl"
        x509_revoke ca rev
        x509_revoke ca anarev
        x509_crl ca ca.crl
        cat ca.pem lone.pem >anchors.pem
        import_p12 ana
        import_p12 anarev
        gpgsm --batch --import ca.pem lone.pem kim.pem rev.pem una.pem 2>/dev/null
        # dirmngr checks the CRL's issuer against gpgsm's trust list.
        echo "$(sha1_of ca.pem) S" >"$GNUPGHOME/trustlist.txt"
        gpgsm --call-dirmngr loadcrl "$x/ca.crl" >loadcrl.out 2>&1 || { cat loadcrl.out; exit 1; }
    )
    # The CRL is in dirmngr's cache on disk, which every test's home copies;
    # no certificate has been validated yet (gpgsm remembers a revocation
    # it saw in the keybox).
    gpgconf --kill dirmngr
    compgen -G "$GNUPGHOME/crls.d/*.db" >/dev/null || fail "no CRL in dirmngr's cache"
    {
        echo "export X509=$x SMIME_ANCHORS=$x/anchors.pem"
        echo "export ANA_X509=$(sha1_of "$x/ana.pem") ANAREV_X509=$(sha1_of "$x/anarev.pem")"
        echo "export KIM_X509=$(sha1_of "$x/kim.pem") REV_X509=$(sha1_of "$x/rev.pem")"
        echo "export UNA_X509=$(sha1_of "$x/una.pem")"
        # Each test copies this home (gpg_home_copy copies $GNUPGHOME: a
        # loop resets it first, so no copy inherits a revocation gpgsm saw).
        echo "export SUITE_HOME=$GNUPGHOME"
    } >>"$SUITE_DIR/env.sh"
}

# The CRL is real and used: a good certificate of the CRL's CA passes the
# "check" mode and the message goes out, with no warning about revocation.
test_send_with_crl_checked_reaches_good_peer() {
    SMIME_REVOCATION=check setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    send_to kim@lab.test
    [ "$(cat rc)" = 0 ] || cat err >&2
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_not_contains err "revocation"
    expect_not_contains out "revocation"
}

# 1. The peer's pinned certificate is on the CRL: 67, nothing sent.
test_send_to_revoked_peer_is_refused() {
    SMIME_REVOCATION=check refused rev@lab.test "$(peer rev@lab.test "$REV_X509")" 67 \
        "no usable key for rev@lab.test: certificate $REV_X509 is revoked" KEY-03 \
        "ask rev@lab.test for their current certificate"
}

# 2. revocation = "offline" tolerates a revocation check nobody can answer,
# never a revocation dirmngr knows.
test_offline_mode_still_refuses_revoked_peer() {
    SMIME_REVOCATION=offline refused rev@lab.test "$(peer rev@lab.test "$REV_X509")" 67 \
        "no usable key for rev@lab.test: certificate $REV_X509 is revoked" KEY-03 \
        "ask rev@lab.test for their current certificate"
}

# 2. ... and the unanswered check is accepted, never silently.
test_offline_mode_sends_with_unknown_revocation_and_says_so() {
    SMIME_REVOCATION=offline setup_server "" "$(peer una@lab.test "$UNA_X509")"
    send_to una@lab.test
    [ "$(cat rc)" = 0 ] || cat err >&2
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    cat out err >all
    expect_contains all "certificate revocation was not checked for $UNA_X509"
    expect_contains all "accepted because [smime] revocation = \\\"offline\\\" [KEY-03]"
}

# 3. Ana's own certificate (identity.smime_cert) is revoked: 67 before
# anything is sent, in both modes.
test_revoked_smime_cert_refuses_before_sending() {
    local mode
    for mode in check offline; do
        mkdir "$mode"
        (
            cd "$mode" || exit 1
            SMIME_CERT=$ANAREV_X509 SMIME_REVOCATION=$mode refused kim@lab.test \
                "$(peer kim@lab.test "$KIM_X509")" 67 "identity.smime_cert" \
                "certificate $ANAREV_X509 is revoked" KEY-03 "get a new certificate"
        )
    done
}

# sign_as NAME FROM: ./NAME.eml, a text message from FROM signed (detached,
# SHA-256) by OpenSSL with NAME's key and certificate.
sign_as() {
    printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nResults attached to the chart.\r\n' >body.txt
    openssl cms -sign -in body.txt -signer "$X509/$1.pem" -inkey "$X509/$1.key" -md sha256 \
        -out "$1.p7" 2>/dev/null
    { printf 'From: %s\r\nTo: ana@clinic.test\r\nSubject: results\r\nDate: %s\r\n' \
        "$2" "$(date -u -R)"; cat "$1.p7"; } >"$1.eml"
}

# reader MODE: a fresh copy of the home and ./MODE.toml with the anchors
# and [smime] revocation = MODE.
reader() {
    gpg_home_copy
    write_config "$1.toml" signing_key="$ANA_FPR" audit_path="$PWD/audit.jsonl" \
        extra="[smime]\nanchors = \"$SMIME_ANCHORS\"\nrevocation = \"$1\""
}

# verdict CONFIG MSG: `verify --json` into ./out; print "VERDICT EXIT".
verdict() {
    local rc=0
    pm --config "$1" --json verify "$2" >out 2>err || rc=$?
    echo "$(/usr/bin/python3 -c 'import json; print(json.load(open("out"))["verdict"])') $rc"
}

json_field() { /usr/bin/python3 -c 'import json,sys; print(json.load(open("out")).get(sys.argv[1], ""))' "$1"; }

# 4. A message signed by the revoked certificate is never valid.
test_verify_signature_of_revoked_cert_is_untrusted() {
    sign_as kim kim@lab.test
    sign_as rev rev@lab.test
    local mode
    for mode in check offline; do
        GNUPGHOME=$SUITE_HOME
        reader "$mode"
        expect_eq "$(verdict "$mode.toml" kim.eml)" "valid 0" "kim ($mode)"
        expect_eq "$(verdict "$mode.toml" rev.eml)" "untrusted-key 1" "rev ($mode)"
        expect_eq "$(json_field reason)" "the signer's certificate $REV_X509 is revoked (KEY-03)" \
            "reason ($mode)"
        expect_contains out "do not rely on this signature"
        expect_not_contains out "revocation = \\\"offline\\\""
    done
}

# 5. No CRL to be had (revocation "check", the CRL DP unreachable): the
# revocation status is unknown, so nothing is sent and nothing is valid.
test_unknown_revocation_is_refused_when_checked() {
    SMIME_REVOCATION=check refused una@lab.test "$(peer una@lab.test "$UNA_X509")" 67 \
        "no usable key for una@lab.test: the revocation status of certificate $UNA_X509 is unknown" \
        KEY-03 "gpgsm --call-dirmngr loadcrl" "[smime] revocation = \"offline\""
    sign_as una una@lab.test
    GNUPGHOME=$SUITE_HOME
    reader check
    expect_eq "$(verdict check.toml una.eml)" "untrusted-key 1" "una (check)"
    expect_contains out "revocation"
    expect_contains out "KEY-03"
    GNUPGHOME=$SUITE_HOME
    reader offline
    expect_eq "$(verdict offline.toml una.eml)" "valid 0" "una (offline)"
    expect_contains out "certificate revocation was not checked for $UNA_X509"
}

# 6. check and keys check name the revocation.
test_check_and_keys_check_name_the_revocation() {
    local mode
    for mode in check offline; do
        GNUPGHOME=$SUITE_HOME
        SMIME_REVOCATION=$mode setup_server "" "$(peer rev@lab.test "$REV_X509")"
        local rc=0
        PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json check >out 2>err || rc=$?
        expect_eq "$rc" 1 "check exit code ($mode)"
        expect_eq "$(check_status KEY-03)" fail "KEY-03 ($mode)"
        expect_eq "$(check_status E2E-01)" fail "E2E-01 ($mode)"
        expect_contains out "S/MIME peer <rev@lab.test>: certificate $REV_X509 is revoked"
        expect_exit 67 pm --config c.toml keys check rev@lab.test
        expect_contains out "rev@lab.test: not ready: certificate $REV_X509 is revoked"
    done
    # An unanswered check accepted by "offline" is a KEY-03 warning, not a pass.
    GNUPGHOME=$SUITE_HOME
    SMIME_REVOCATION=offline setup_server "" "$(peer una@lab.test "$UNA_X509")"
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json check >out 2>err || rc=$?
    expect_eq "$(check_status KEY-03)" warn "KEY-03 (unknown revocation, offline)"
    expect_eq "$(check_status E2E-01)" pass "E2E-01 (unknown revocation, offline)"
    expect_contains out "certificate revocation was not checked for $UNA_X509"
}
