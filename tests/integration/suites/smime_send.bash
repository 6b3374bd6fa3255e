# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail send` to S/MIME peers (issue 17): a [[peer]] with protocol =
# "smime" gets a message signed by [identity] smime_cert and enveloped with
# AES-256 to its pinned certificate; OpenSSL and `peermail verify` in the
# recipient's home read it. A message to OpenPGP and S/MIME recipients is
# one copy per protocol, each audited. A refused certificate (expired, not
# chaining to the anchor, not binding the address, not in the keybox) or a
# missing smime_cert: nothing sent. Real SMTP over TLS, real gpgsm.

# shellcheck source=../smime.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/smime.bash"

SUBJECT='Biopsy 5521 for patient Quentin'
BODY_MARK='Margins are clear, no further surgery'
PASSWORD='pw-Sm1me-never-shown'

suite_probe() { smime_probe; }

suite_setup() {
    x509_suite_setup
    (
        cd "$X509" || exit 1
        x509_root rogue "Rogue Root"
        x509_cert ca lee lee@lab.test "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}"
        x509_cert rogue eve eve@lab.test "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}"
        x509_cert ca sig sig@lab.test "$X509_NOW" "$X509_LATER" "keyUsage=digitalSignature" \
            "extendedKeyUsage=emailProtection"
        gpgsm --batch --import rogue.pem lee.pem eve.pem sig.pem 2>/dev/null
    )
    {
        echo "export LEE_X509=$(sha1_of "$X509/lee.pem") EVE_X509=$(sha1_of "$X509/eve.pem")"
        echo "export SIG_X509=$(sha1_of "$X509/sig.pem")"
    } >>"$SUITE_DIR/env.sh"
}

test_send_to_smime_peer_reads_with_openssl_aes256() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    local msg=$SMTP_SPOOL/msg-1.eml
    expect_contains "$msg" 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data;'
    expect_contains "$msg" 'name="smime.p7m"'
    if grep -rqF -e "$SUBJECT" -e "$BODY_MARK" -e 'Margins' "$SMTP_SPOOL"; then
        fail "the server saw message content"
    fi
    # AES-256 content encryption, to Kim and to Ana (encrypt to self).
    aes256_to_two "$msg"
    kim_reads "$msg" || { cat openssl.err >&2; fail "OpenSSL cannot decrypt"; }
    expect_contains kim.signed 'multipart/signed; protocol="application/pkcs7-signature"'
    expect_contains kim.signed 'micalg=sha-256'
    kim_verifies
    expect_contains verify.err 'Verification successful'
    expect_contains content.txt "$BODY_MARK"
    # RFC 9788: the real subject is inside, protected.
    expect_contains content.txt "Subject: $SUBJECT"
    expect_contains content.txt 'protected-headers=v1'
    # The report and the audit name the protocol of the copy.
    expect_contains out '"protocol":"S/MIME"'
    expect_eq "$(grep -c '"protocol":"S/MIME"' audit.jsonl)" 2 "pending and sent records"
    expect_exit 0 pm --config c.toml audit verify
}

test_smime_peer_verifies_valid_in_peermail() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 0 "exit code"
    cp "$SMTP_SPOOL/msg-1.eml" got.eml
    # Kim's home: Kim's key and the lab root as anchor; Ana is an S/MIME
    # signer there (her certificate comes with the signature).
    gpg_home_new
    (cd "$X509" && import_p12 kim)
    write_config kim.toml from="Kim <kim@lab.test>" signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$PWD/kim-audit.jsonl" \
        extra="[smime]\nanchors = \"$X509/ca.pem\"\nrevocation = \"offline\""
    local rc=0
    pm --config kim.toml --json verify --decrypt -o plain.eml got.eml >vout 2>verr || rc=$?
    expect_eq "$rc" 0 "verify exit code"
    expect_contains vout '"verdict":"valid"'
    expect_contains vout '"protocol":"S/MIME"'
    expect_contains plain.eml "$BODY_MARK"
}

test_mixed_recipients_one_copy_per_protocol() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    send_to kim@lab.test sam@hospital.test
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 2 "messages delivered"
    by_protocol
    local pgp=$PGP_MSG smime=$SMIME_MSG
    expect_contains "$pgp" 'multipart/encrypted'
    expect_contains "${smime%.eml}.json" '"kim@lab.test"'
    expect_not_contains "${smime%.eml}.json" 'sam@hospital.test'
    expect_contains "${pgp%.eml}.json" '"sam@hospital.test"'
    expect_not_contains "${pgp%.eml}.json" 'kim@lab.test'
    # Each copy is readable only by its own recipient.
    kim_reads "$smime" || fail "Kim cannot read the S/MIME copy"
    if kim_reads "$pgp"; then fail "Kim read the OpenPGP copy"; fi
    gpg --batch --decrypt "$pgp" >sam.eml 2>/dev/null || fail "the OpenPGP copy does not decrypt"
    expect_contains sam.eml "$BODY_MARK"
    # Two copies, each with its own pending record and outcome.
    expect_eq "$(grep -c '"outcome":"pending"' audit.jsonl)" 2 "pending records"
    expect_eq "$(grep '"outcome":"sent"' audit.jsonl | grep -c '"protocol":"S/MIME"')" 1 "S/MIME sent"
    expect_eq "$(grep '"outcome":"sent"' audit.jsonl | grep -c '"protocol":"OpenPGP"')" 1 "OpenPGP sent"
    expect_contains out '"protocol":"OpenPGP"'
    expect_contains out '"protocol":"S/MIME"'
}

test_sha256_pin_is_accepted() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509_256")"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
}

test_expired_certificate_is_refused() {
    refused old@lab.test "$(peer old@lab.test "$OLD_X509")" 67 "old@lab.test" "expired on 2021-01-01" \
        KEY-02
}

test_certificate_of_another_root_is_refused() {
    refused eve@lab.test "$(peer eve@lab.test "$EVE_X509")" 67 "eve@lab.test" \
        "does not chain to a configured trust anchor" "[smime] anchors"
}

test_certificate_without_the_address_is_refused() {
    refused lee@lab.test "$(peer lee@lab.test "$KIM_X509")" 67 "does not bind lee@lab.test" \
        "kim@lab.test" E2E-04 "[[peer]] entry for lee@lab.test"
}

test_pinned_certificate_not_in_keybox_is_refused() {
    refused kim@lab.test "$(peer kim@lab.test 0123456789ABCDEF0123456789ABCDEF01234567)" 67 \
        "is not in the gpgsm keybox" "peermail keys import FILE"
}

test_certificate_that_cannot_encrypt_is_refused() {
    refused sig@lab.test "$(peer sig@lab.test "$SIG_X509")" 67 "keyEncipherment" E2E-01
}

test_no_smime_cert_is_refused() {
    SMIME_CERT=- refused kim@lab.test "$(peer kim@lab.test "$KIM_X509")" 78 \
        "identity.smime_cert is not set" "kim@lab.test" "peermail keys import FILE.p12"
}

test_another_cipher_in_gpgsm_conf_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    echo "cipher-algo 3DES" >"$GNUPGHOME/gpgsm.conf"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 78 "exit code"
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains err "gpgsm.conf sets cipher-algo 3DES"
    expect_contains err "E2E-02"
    expect_contains err "cipher-algo AES256"
}

# Done when (issue 17): the S/MIME colleague and the OpenPGP colleague both
# reach Ana by reply, and both replies verify `valid` in Ana's home.
test_replies_from_both_protocols_verify_valid() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    send_to kim@lab.test sam@hospital.test
    expect_eq "$(cat rc)" 0 "exit code"
    # Kim answers with OpenSSL: signed (SHA-256), then enveloped to Ana.
    printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nReceived, thanks.\r\n' >reply.txt
    openssl cms -sign -in reply.txt -signer "$X509/kim.pem" -inkey "$X509/kim.key" -md sha256 \
        -out kim.p7 2>/dev/null
    openssl cms -encrypt -aes256 -in kim.p7 -out kim.env "$X509/ana.pem" 2>/dev/null
    { printf 'From: kim@lab.test\r\nTo: ana@clinic.test\r\nSubject: Re\r\nDate: %s\r\n' \
        "$(date -u -R)"; cat kim.env; } >kim-reply.eml
    local rc=0
    pm --config c.toml --json verify --decrypt -o kim-plain.eml kim-reply.eml >v1 2>&1 || rc=$?
    expect_eq "$rc" 0 "S/MIME reply verify exit"
    expect_contains v1 '"verdict":"valid"'
    expect_contains kim-plain.eml 'Received, thanks.'
    # Sam answers with PGP/MIME through peermail's own encrypt.
    printf 'From: Sam Lee <sam@hospital.test>\r\nTo: ana@clinic.test\r\nSubject: Re\r\nDate: %s\r\n\r\nSeen.\r\n' \
        "$(date -u -R)" >sam-reply.txt
    write_config sam.toml from="Sam Lee <sam@hospital.test>" signing_key="$SAM_FPR"
    pm --config sam.toml encrypt -r ana@clinic.test sam-reply.txt >sam-reply.eml 2>sam.err \
        || { cat sam.err >&2; fail "Sam cannot encrypt"; }
    rc=0
    pm --config c.toml --json verify --decrypt -o sam-plain.eml sam-reply.eml >v2 2>&1 || rc=$?
    expect_eq "$rc" 0 "OpenPGP reply verify exit"
    expect_contains v2 '"verdict":"valid"'
}

# The shipped example (examples/config/smime-peer.toml), with the test's
# keys, certificates and server: one send reaches the OpenPGP colleague and
# the S/MIME laboratory.
test_example_config_reaches_both_peers() {
    setup_server ""
    local today
    today=$(date -u +%Y-%m-%d)
    sed -e "s/^signing_key = \"[0-9A-F]*\"/signing_key = \"$ANA_FPR\"/" \
        -e "s/^smime_cert = \"[0-9A-F]*\"/smime_cert = \"$ANA_X509\"/" \
        -e 's/Dr. Ana Ruiz <ana.ruiz@clinic.example>/Ana Ruiz <ana@clinic.test>/' \
        -e 's/sam.lee@hospital.example/sam@hospital.test/' -e 's/results@lab.example/kim@lab.test/' \
        -e "s/^fingerprint = \"89AB[0-9A-F]*\"/fingerprint = \"$SAM_FPR\"/" \
        -e "s/^fingerprint = \"0011[0-9A-F]*\"/fingerprint = \"$KIM_X509\"/" \
        -e "s|^anchors = .*|anchors = \"$X509/ca.pem\"|" -e 's/^revocation = .*/revocation = "offline"/' \
        -e 's/^password_command = .*/password_env = "PM_TEST_PASSWORD"/' -e 's/^username = .*/username = "ana"/' \
        -e 's/expires = [0-9-]*/expires = 2099-12-31/' -e "s/date = [0-9-]*/date = $today/" \
        "$PEERMAIL_SOURCE_DIR/examples/config/smime-peer.toml" >ex.toml
    chmod 600 ex.toml
    grep -q "smime_cert = \"$ANA_X509\"" ex.toml || fail "could not set smime_cert"
    local rc=0
    PEERMAIL_HOST=localhost PEERMAIL_PORT=$SMTP_PORT PEERMAIL_CA_FILE=$TEST_CA/ca.pem \
        PEERMAIL_AUDIT_PATH=$PWD/ex-audit.jsonl PM_TEST_PASSWORD=$PASSWORD \
        pm --config ex.toml send --to sam@hospital.test --to kim@lab.test --subject "$SUBJECT" \
        --body-file body.txt >out 2>err || rc=$?
    [ "$rc" = 0 ] || cat err >&2
    expect_eq "$rc" 0 "exit code"
    expect_eq "$(spool_count)" 2 "messages delivered"
    expect_contains out "kim@lab.test  certificate $KIM_X509"
    expect_contains out "sam@hospital.test  key $SAM_FPR"
    # --dry-run names each copy's protocol.
    PEERMAIL_HOST=localhost PEERMAIL_PORT=$SMTP_PORT PEERMAIL_CA_FILE=$TEST_CA/ca.pem \
        PEERMAIL_AUDIT_PATH=$PWD/ex-audit.jsonl PM_TEST_PASSWORD=$PASSWORD \
        pm --config ex.toml send --dry-run --to sam@hospital.test --to kim@lab.test \
        --subject "$SUBJECT" --body-file body.txt >dry 2>&1
    expect_contains dry "OpenPGP; rcpt to sam@hospital.test;"
    expect_contains dry "S/MIME; rcpt to kim@lab.test;"
}

# sendmail shares the pipeline: a script's message to the S/MIME lab goes
# out as S/MIME that Kim's key opens.
test_sendmail_to_smime_peer() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    printf 'To: kim@lab.test\nSubject: %s\n\n%s\n' "$SUBJECT" "$BODY_MARK" >m.eml
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml sendmail -t <m.eml >out 2>err || rc=$?
    [ "$rc" = 0 ] || cat err >&2
    expect_eq "$rc" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_contains "$SMTP_SPOOL/msg-1.eml" 'smime-type=enveloped-data'
    kim_reads "$SMTP_SPOOL/msg-1.eml" || fail "Kim cannot read it"
    kim_verifies
    expect_contains content.txt "$BODY_MARK"
    expect_eq "$(grep '"action":"sendmail"' audit.jsonl | grep -c '"protocol":"S/MIME"')" 2 \
        "sendmail pending and sent records"
}

# `check` judges the S/MIME identity and peers as send does (issue 17): a
# good roster passes SIG-01/E2E-01/E2E-04 with the certificates; an expired
# peer certificate fails, and so does an S/MIME peer without smime_cert.
test_check_judges_smime_identity_and_peers() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json check >out 2>err || rc=$?
    expect_eq "$(check_status SIG-01)" pass "SIG-01"
    expect_eq "$(check_status E2E-04)" pass "E2E-04"
    expect_contains out "S/MIME certificate $ANA_X509 for <ana@clinic.test>, secret present"
    expect_contains out "<kim@lab.test>: S/MIME certificate $KIM_X509 pinned by [[peer]]"

    setup_server "" "$(peer old@lab.test "$OLD_X509")"
    rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json check >out 2>err || rc=$?
    expect_eq "$rc" 1 "exit code (expired peer certificate)"
    expect_eq "$(check_status KEY-02)" fail "KEY-02"
    expect_eq "$(check_status E2E-01)" fail "E2E-01"
    expect_contains out "expired on 2021-01-01"

    setup_server - "$(peer kim@lab.test "$KIM_X509")"
    rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json check >out 2>err || rc=$?
    expect_eq "$rc" 1 "exit code (no smime_cert)"
    expect_eq "$(check_status SIG-01)" fail "SIG-01"
    expect_contains out "identity.smime_cert is not set"
    expect_contains out "peermail keys import FILE.p12"
}

# gpgsm takes the LAST cipher-algo line: a weaker one after AES256 is
# refused too (attack review), nothing sent.
test_a_later_weaker_cipher_in_gpgsm_conf_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    printf 'cipher-algo AES256\ncipher-algo 3DES\n' >"$GNUPGHOME/gpgsm.conf"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 78 "exit code"
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains err "gpgsm.conf sets cipher-algo 3DES"
}

# An encrypt-to in gpgsm.conf must not add a recipient nobody judged and
# the audit would not name: the copy is for Kim and Ana only.
test_encrypt_to_in_gpgsm_conf_adds_no_recipient() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    printf 'encrypt-to %s\n' "$EVE_X509" >"$GNUPGHOME/gpgsm.conf"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 0 "exit code"
    openssl cms -cmsout -print -in "$SMTP_SPOOL/msg-1.eml" >print.txt
    expect_eq "$(grep -c 'issuerAndSerialNumber\|subjectKeyIdentifier' print.txt)" 2 "recipients"
    expect_not_contains print.txt "Rogue Root"
}

# A CA certificate pinned as a peer (here the anchor itself, which would
# chain to itself) is refused: mail goes to a person's certificate.
test_ca_certificate_pinned_as_peer_is_refused() {
    # The root names no address: give it the peer's as emailAddress.
    (cd "$X509" && openssl req -x509 -newkey rsa:2048 -nodes -keyout caml.key -out caml.pem \
        -days 30 -subj "/CN=Lab CA/emailAddress=kim@lab.test" \
        -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null)
    setup_server "" "$(peer kim@lab.test "$(sha1_of "$X509/caml.pem")")"
    gpgsm --batch --import "$X509/caml.pem" 2>/dev/null
    cat "$X509/caml.pem" >>"$X509/anchors-caml.pem"
    cat "$X509/ca.pem" >>"$X509/anchors-caml.pem"
    sed -i "s|^anchors = .*|anchors = \"$X509/anchors-caml.pem\"|" c.toml
    send_to kim@lab.test
    expect_eq "$(cat rc)" 67 "exit code"
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains err "is a CA certificate, not kim@lab.test's"
}

# gpgsm.conf options that make gpgsm accept what the judgement relies on it
# to refuse (expired or revoked chains) are refused for sending (attack
# review), nothing sent.
test_weakening_option_in_gpgsm_conf_is_refused() {
    local opt
    for opt in "faked-system-time 20200601T000000" "disable-crl-checks" "ignore-cert-extension 2.5.29.15"; do
        setup_server "" "$(peer kim@lab.test "$KIM_X509")"
        printf '%s\n' "$opt" >"$GNUPGHOME/gpgsm.conf"
        send_to kim@lab.test
        expect_eq "$(cat rc)" 78 "exit code ($opt)"
        expect_eq "$(spool_count)" 0 "messages delivered ($opt)"
        expect_contains err "gpgsm.conf sets ${opt%% *}"
        expect_contains err "KEY-03"
    done
}

# A commented-out line for the anchor in trustlist.txt is not the anchor:
# peermail adds it and the send goes out. (A "!" line is the user's explicit
# distrust: gpg-agent keeps it, and the send fails closed.)
test_commented_anchor_in_trustlist_is_not_taken_for_it() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    local ca
    ca=$(sha1_of "$X509/ca.pem")
    rm -f "$GNUPGHOME/trustlist.txt"
    printf '# %s S\n' "$ca" >"$GNUPGHOME/trustlist.txt"
    send_to kim@lab.test
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    grep -qx "$ca S" "$GNUPGHOME/trustlist.txt" || fail "the anchor was not added"
}

# --- encrypt and sign write S/MIME (issue 17) --------------------------------

# write_msg FILE TO [EXTRA-HEADER]: a message from Ana to TO.
write_msg() {
    {
        printf 'From: Ana Ruiz <ana@clinic.test>\nTo: %s\n' "$2"
        [ -z "${3:-}" ] || printf '%s\n' "$3"
        printf 'Subject: %s\nDate: %s\n' "$SUBJECT" "$(date -R)"
        printf 'Message-ID: <smime-cli-1@clinic.test>\n\n%s\nSecond line.\n' "$BODY_MARK"
    } >"$1"
}

test_encrypt_to_smime_peer_reads_with_openssl() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    write_msg msg.eml kim@lab.test
    local rc=0
    pm --config c.toml encrypt msg.eml >enc.eml 2>err || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_contains enc.eml 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data;'
    expect_contains enc.eml 'Subject: [...]'
    expect_contains enc.eml 'Message-ID: <smime-cli-1@clinic.test>'
    if grep -qF -e "$BODY_MARK" -e "$SUBJECT" enc.eml; then fail "content outside the envelope"; fi
    aes256_to_two enc.eml
    kim_reads enc.eml || { cat openssl.err >&2; fail "OpenSSL cannot decrypt"; }
    expect_contains kim.signed 'multipart/signed; protocol="application/pkcs7-signature"'
    kim_verifies
    expect_contains content.txt "Subject: $SUBJECT"
    expect_contains content.txt "$BODY_MARK"
    # Ana's own copy (encrypt to self) decrypts in her home and verifies.
    pm --config c.toml --json verify --decrypt -o plain.eml enc.eml >vout 2>verr \
        || { cat verr >&2; fail "peermail verify of its own S/MIME output"; }
    expect_contains vout '"verdict":"valid"'
    expect_contains vout '"protocol":"S/MIME"'
    expect_contains plain.eml "$BODY_MARK"
}

test_encrypt_no_sign_to_smime_peer() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    write_msg msg.eml kim@lab.test
    expect_exit 0 pm --config c.toml encrypt --no-sign msg.eml
    kim_reads out || { cat openssl.err >&2; fail "OpenSSL cannot decrypt"; }
    expect_not_contains kim.signed 'multipart/signed'
    expect_not_contains kim.signed 'pkcs7-signature'
    expect_contains kim.signed "Subject: $SUBJECT"
    expect_contains kim.signed "$BODY_MARK"
}

test_sign_smime_verifies_in_openssl_and_peermail() {
    setup_server "" ""
    write_msg msg.eml kim@lab.test
    local rc=0
    pm --config c.toml sign --smime msg.eml >signed.eml 2>err || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_contains signed.eml 'multipart/signed; protocol="application/pkcs7-signature"'
    expect_contains signed.eml 'micalg=sha-256'
    expect_contains signed.eml "Subject: $SUBJECT"
    openssl smime -verify -in signed.eml -CAfile "$X509/ca.pem" -out content.txt 2>verify.err \
        || { cat verify.err >&2; fail "OpenSSL does not verify the signature"; }
    expect_contains content.txt "$BODY_MARK"
    pm --config c.toml --json verify signed.eml >vout 2>verr || rc=$?
    expect_eq "$rc" 0 "verify exit code"
    expect_contains vout '"verdict":"valid"'
    expect_contains vout '"protocol":"S/MIME"'
}

test_sign_smime_without_smime_cert_is_refused() {
    setup_server - ""
    write_msg msg.eml kim@lab.test
    local rc=0
    pm --config c.toml sign --smime msg.eml >signed.eml 2>err || rc=$?
    expect_eq "$rc" 78 "exit code"
    expect_contains err 'identity.smime_cert'
    expect_eq "$(wc -c <signed.eml)" 0 "bytes on stdout"
}

test_encrypt_to_both_protocols_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    write_msg msg.eml 'kim@lab.test, sam@hospital.test'
    local rc=0
    pm --config c.toml encrypt msg.eml >enc.eml 2>err || rc=$?
    expect_eq "$rc" 64 "exit code"
    expect_contains err 'kim@lab.test'
    expect_contains err 'sam@hospital.test'
    expect_contains err 'peermail send'
    expect_eq "$(wc -c <enc.eml)" 0 "bytes on stdout"
}

test_encrypt_smime_with_bcc_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")$(peer lee@lab.test "$LEE_X509")"
    write_msg msg.eml kim@lab.test 'Bcc: lee@lab.test'
    local rc=0
    pm --config c.toml encrypt msg.eml >enc.eml 2>err || rc=$?
    expect_eq "$rc" 64 "exit code"
    expect_contains err 'Bcc'
    expect_contains err 'peermail send'
    expect_eq "$(wc -c <enc.eml)" 0 "bytes on stdout"
}

test_encrypt_to_refused_smime_certificate() {
    setup_server "" "$(peer old@lab.test "$OLD_X509")$(peer eve@lab.test "$EVE_X509")"
    write_msg msg.eml old@lab.test
    local rc=0
    pm --config c.toml encrypt msg.eml >enc.eml 2>err || rc=$?
    expect_eq "$rc" 67 "exit code"
    expect_contains err 'old@lab.test'
    expect_contains err KEY-02
    expect_eq "$(wc -c <enc.eml)" 0 "bytes on stdout"
    rc=0
    pm --config c.toml encrypt -r eve@lab.test msg.eml >enc.eml 2>err || rc=$?
    expect_eq "$rc" 67 "exit code (another root)"
    expect_contains err 'does not chain to a configured trust anchor'
    expect_eq "$(wc -c <enc.eml)" 0 "bytes on stdout"
}

test_encrypt_smime_own_certificate_must_encrypt() {
    # Encrypt to self needs an own certificate that can encrypt: Sig's can
    # only sign (and binds another address), so nothing is written.
    setup_server "$SIG_X509" "$(peer kim@lab.test "$KIM_X509")"
    write_msg msg.eml kim@lab.test
    local rc=0
    pm --config c.toml encrypt --no-sign msg.eml >enc.eml 2>err || rc=$?
    expect_eq "$rc" 67 "exit code"
    expect_contains err 'identity.smime_cert'
    expect_eq "$(wc -c <enc.eml)" 0 "bytes on stdout"
}
