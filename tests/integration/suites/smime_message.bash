# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail send --message` with an already encrypted S/MIME message (issue
# 17): sent as it is, byte for byte, when every envelope recipient is an
# S/MIME peer whose pinned certificate is judged usable and the
# EnvelopedData is proven (OpenSSL) to be encrypted to each of them with
# AES-256; otherwise refused with nothing sent. Messages made by
# `openssl cms -encrypt` and `gpgsm --encrypt`; real SMTP over TLS.

# shellcheck source=../smime.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/smime.bash"

# shellcheck disable=SC2034 # read by setup_server (smime.bash)
BODY_MARK='Margins are clear, no further surgery'
PASSWORD='pw-Sm1me-never-shown'

suite_probe() { smime_probe; }

# The lab CA with Ana's, Kim's and Old's certificates (x509_lab), and Lee's
# (not imported: a certificate nobody pinned).
suite_setup() {
    x509_suite_setup
    (cd "$X509" && x509_cert ca lee lee@lab.test "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}")
}

INNER_MARK='Potassium 6.1 mmol/L for patient Quentin'

# inner FILE: the MIME entity that gets encrypted.
inner() {
    printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\n' "$INNER_MARK" >"$1"
}

# wrap_smime DER TO [SMIME_TYPE]: an RFC 5322 message around the CMS object
# DER (RFC 8551 §3.3), addressed to TO.
wrap_smime() {
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: %s\nSubject: [...]\nMessage-ID: <sm1@clinic.test>\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=%s; name="smime.p7m"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7m"\n\n' \
        "$2" "${3:-enveloped-data}"
    base64 -w 76 "$1"
}

# openssl_message TO OPENSSL_ARGS...: m.eml, encrypted by openssl cms to
# the certificates and cipher in OPENSSL_ARGS.
openssl_message() {
    local to=$1
    shift
    inner inner.txt
    openssl cms -encrypt -binary -in inner.txt -outform DER -out p7.der "$@" \
        || fail "openssl cms -encrypt failed"
    wrap_smime p7.der "$to" >m.eml
}

# send_message [ARGS...]: send m.eml (exit code in ./rc).
send_message() {
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json send --message m.eml "$@" >out 2>err \
        || rc=$?
    echo "$rc" >rc
}

# expect_refused EXIT TEXT...: exit EXIT naming TEXT, nothing delivered,
# the server never contacted, the refusal audited.
expect_refused() {
    local want=$1 t
    shift
    expect_eq "$(cat rc)" "$want" "exit code"
    for t in "$@"; do expect_contains err "$t"; done
    expect_contains err 'nothing was sent'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -s "$SMTP_SPOOL/transcript.log" ] || fail "the server was contacted"
    expect_not_contains audit.jsonl '"outcome":"pending"'
}

# expect_sent_as_is: one message delivered to kim@lab.test, the bytes of
# m.eml (CRLF), Kim can decrypt it, audited as S/MIME to Kim's certificate.
expect_sent_as_is() {
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    sed 's/$/\r/' m.eml >want.eml
    cmp want.eml "$SMTP_SPOOL/msg-1.eml" || fail "the server did not receive the bytes given"
    expect_contains "$SMTP_SPOOL/msg-1.json" '"kim@lab.test"'
    kim_reads "$SMTP_SPOOL/msg-1.eml" || { cat openssl.err >&2; fail "Kim cannot decrypt"; }
    expect_contains kim.signed "$INNER_MARK"
    expect_eq "$(grep '"outcome":"sent"' audit.jsonl | grep -c '"protocol":"S/MIME"')" 1 \
        "S/MIME sent records"
    grep '"outcome":"sent"' audit.jsonl | grep -q "\"recipient_fprs\":\[\"$KIM_X509\"\]" \
        || fail "the audit record does not name Kim's certificate"
    expect_contains out '"protocol":"S/MIME"'
    expect_not_contains audit.jsonl "$INNER_MARK"
    expect_exit 0 pm --config c.toml audit verify
    expect_clear_ok
}

test_openssl_aes256_to_the_pinned_certificate_is_sent_as_is() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 "$X509/kim.pem"
    send_message
    expect_sent_as_is
}

test_gpgsm_encrypted_message_is_sent_as_is() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    inner inner.txt
    # The sender's gpgsm trusts the lab root (no CRL in this test PKI).
    local root
    root=$(openssl x509 -in "$X509/ca.pem" -noout -fingerprint -sha1 | cut -d= -f2)
    echo "$root S" >>"$GNUPGHOME/trustlist.txt"
    gpgsm --batch --disable-crl-checks --cipher-algo AES256 --encrypt -r "$KIM_X509" -o p7.der \
        inner.txt 2>gpgsm.err || { cat gpgsm.err >&2; fail "gpgsm --encrypt failed"; }
    wrap_smime p7.der kim@lab.test >m.eml
    send_message
    expect_sent_as_is
}

test_gpgsm_default_cipher_aes128_is_refused_with_the_fix() {
    # gpgsm's default content cipher is AES-128.
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    inner inner.txt
    local root
    root=$(openssl x509 -in "$X509/ca.pem" -noout -fingerprint -sha1 | cut -d= -f2)
    echo "$root S" >>"$GNUPGHOME/trustlist.txt"
    gpgsm --batch --disable-crl-checks --encrypt -r "$KIM_X509" -o p7.der inner.txt 2>gpgsm.err \
        || { cat gpgsm.err >&2; fail "gpgsm --encrypt failed"; }
    wrap_smime p7.der kim@lab.test >m.eml
    send_message
    expect_refused 67 'the message is encrypted with AES-128-CBC, not AES-256' E2E-02 \
        'gpgsm --cipher-algo AES256 --encrypt'
}

test_aes256_gcm_auth_enveloped_is_sent() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    inner inner.txt
    openssl cms -encrypt -binary -aes-256-gcm -in inner.txt -outform DER -out p7.der \
        "$X509/kim.pem" || fail "openssl cms -encrypt -aes-256-gcm failed"
    wrap_smime p7.der kim@lab.test authEnveloped-data >m.eml
    send_message
    expect_eq "$(cat rc)" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
}

test_smime_type_that_does_not_say_what_the_der_is_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    inner inner.txt
    openssl cms -encrypt -binary -aes-256-gcm -in inner.txt -outform DER -out p7.der \
        "$X509/kim.pem" || fail "openssl cms -encrypt -aes-256-gcm failed"
    wrap_smime p7.der kim@lab.test >m.eml
    send_message
    expect_refused 65 'its smime-type says enveloped-data, but the CMS object is AuthEnvelopedData' \
        E2E-01
}

test_an_extra_recipient_nobody_judged_is_allowed_as_for_pgp_mime() {
    # As extra key IDs in a PGP/MIME message (the sender's own copy): the
    # proof is that every recipient can read it, not that only they can.
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 "$X509/kim.pem" "$X509/lee.pem"
    send_message
    expect_sent_as_is
}

test_message_to_another_certificate_is_refused_67() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 "$X509/lee.pem"
    send_message
    expect_refused 67 'cannot prove that kim@lab.test can read the message' \
        "the message is not encrypted to its certificate $KIM_X509" "pinned certificate"
}

test_des3_is_refused_e2e_02() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -des3 "$X509/kim.pem"
    send_message
    expect_refused 67 'the message is encrypted with DES-EDE3-CBC, not AES-256' E2E-02 \
        'encrypt it again with AES-256'
}

test_aes128_is_refused_e2e_02() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes128 "$X509/kim.pem"
    send_message
    expect_refused 67 'the message is encrypted with AES-128-CBC, not AES-256' E2E-02
}

test_password_recipient_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 -pwri_password secret "$X509/kim.pem"
    send_message
    expect_refused 67 'cannot prove who can read the message' 'password (PasswordRecipientInfo)'
}

test_signed_only_smime_is_refused_e2e_01() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    inner inner.txt
    openssl cms -sign -binary -nodetach -in inner.txt -signer "$X509/kim.pem" \
        -inkey "$X509/kim.key" -outform DER -out p7.der || fail "openssl cms -sign failed"
    wrap_smime p7.der kim@lab.test signed-data >m.eml
    send_message
    expect_refused 65 'the message is not end-to-end encrypted' \
        'its smime-type is signed-data, not enveloped-data' E2E-01
    # Labelled enveloped-data, the DER decides.
    wrap_smime p7.der kim@lab.test >m.eml
    send_message
    expect_refused 65 'the S/MIME part holds signed-data, not enveloped-data' E2E-01
}

test_duplicate_content_type_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 "$X509/kim.pem"
    sed -i 's/^MIME-Version: 1.0$/&\nContent-Type: text\/plain/' m.eml
    send_message
    expect_refused 65 'more than one Content-Type header' E2E-01
}

test_text_beside_the_base64_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 "$X509/kim.pem"
    printf '%s\n' "$INNER_MARK" >>m.eml
    send_message
    expect_refused 65 'must be base64 and hold nothing else' E2E-01
}

test_smime_message_to_an_openpgp_recipient_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message "kim@lab.test, sam@hospital.test" -aes256 "$X509/kim.pem"
    send_message
    expect_refused 67 'the message is S/MIME, but sam@hospital.test reads OpenPGP' E2E-01 \
        'PGP/MIME message of their own'
}

test_to_overrides_the_headers_and_must_read_smime_too() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    openssl_message kim@lab.test -aes256 "$X509/kim.pem"
    send_message --to sam@hospital.test
    expect_refused 67 'the message is S/MIME, but sam@hospital.test reads OpenPGP'
}

test_pgp_mime_message_to_an_smime_peer_is_refused() {
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: kim@lab.test\nSubject: x\n\n%s\n' \
        "$INNER_MARK" >plain.eml
    # Encrypted to Sam's key (Kim has none): the protocol decides first.
    gpg --batch --trust-model always --armor --encrypt -r "$SAM_FPR" <plain.eml >c.asc
    {
        printf 'From: Ana Ruiz <ana@clinic.test>\nTo: kim@lab.test\nSubject: [...]\nMIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b1"\n\n--b1\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--b1\nContent-Type: application/octet-stream\n\n'
        cat c.asc
        printf '\n--b1--\n'
    } >m.eml
    send_message
    expect_refused 67 'the message is PGP/MIME, but kim@lab.test reads S/MIME' E2E-01 \
        'S/MIME message encrypted to their pinned certificate'
}

test_refused_certificate_is_refused_before_the_proof() {
    setup_server "" "$(peer old@lab.test "$OLD_X509")"
    openssl_message old@lab.test -aes256 "$X509/old.pem"
    send_message
    expect_refused 67 'old@lab.test' 'expired on 2021-01-01' KEY-02
}

test_peermail_encrypt_output_is_sent_as_is() {
    # `peermail encrypt | peermail send --message -` for an S/MIME peer:
    # AES-256 (gpgsm.conf), Kim's certificate and Ana's own, signed inside.
    setup_server "" "$(peer kim@lab.test "$KIM_X509")"
    printf 'From: Ana Ruiz <ana@clinic.test>\nTo: kim@lab.test\nSubject: Results\nDate: %s\n\n%s\n' \
        "$(date -R)" "$INNER_MARK" >draft.eml
    pm --config c.toml encrypt draft.eml >m.eml 2>enc.err || { cat enc.err >&2; fail "encrypt"; }
    local rc=0
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json send --message - <m.eml >out 2>err \
        || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_eq "$(spool_count)" 1 "messages delivered"
    sed 's/\r*$/\r/' m.eml >want.eml
    cmp want.eml "$SMTP_SPOOL/msg-1.eml" || fail "the server did not receive the bytes given"
    kim_reads "$SMTP_SPOOL/msg-1.eml" || { cat openssl.err >&2; fail "Kim cannot decrypt"; }
    kim_verifies
    expect_contains content.txt "$INNER_MARK"
}

test_bcc_beside_other_recipients_is_refused_e2e_05() {
    # The proof needs Lee's certificate in the RecipientInfos Kim reads.
    setup_server "" "$(peer kim@lab.test "$KIM_X509")$(peer lee@lab.test "$OLD_X509")"
    openssl_message kim@lab.test -aes256 "$X509/kim.pem" "$X509/lee.pem"
    sed -i 's/^To: kim@lab.test$/To: kim@lab.test\nBcc: lee@lab.test/' m.eml
    grep -q '^Bcc: lee@lab.test$' m.eml || fail "no Bcc header in the test message"
    send_message
    expect_refused 64 'the message has Bcc recipients (1)' E2E-05 'their own copy'
}
