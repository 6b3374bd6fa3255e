# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail batch` to S/MIME peers (issue 17): a row whose [[peer]] says
# protocol = "smime" is signed by [identity] smime_cert and enveloped with
# AES-256 to its pinned certificate (and the own one), the other rows are
# PGP/MIME as before; OpenSSL reads the S/MIME message with the recipient's
# key and verifies it against the lab CA. Every certificate is judged before
# anything is sent: an expired one or one not binding the row's address
# (67), or S/MIME rows without identity.smime_cert (78): nothing sent. Real
# SMTP over TLS, real gpg and gpgsm.

# shellcheck source=../smime.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/smime.bash"

PASSWORD='pw-Batch-Sm1me-never-shown'
CODE_MARK='C-77-Quentin'

suite_probe() { smime_probe; }

suite_setup() {
    x509_suite_setup
    cat >"$SUITE_DIR/notice.eml" <<'EML'
From: Ana Ruiz <ana@clinic.test>
To: {{name}} <{{email}}>
Subject: Results for {{name}}

Dear {{name}},

your result code is {{code}}.
EML
}

# people ADDR...: ./people.csv with one row per ADDR.
people() {
    local a
    echo "email,name,code" >people.csv
    for a in "$@"; do echo "$a,Name ${a%%@*},$CODE_MARK" >>people.csv; done
}

batch() {
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json batch --recipients people.csv \
        --template "$SUITE_DIR/notice.eml" "$@"
}

test_batch_to_openpgp_and_smime_rows() {
    x509_server "" "$(peer kim@lab.test "$KIM_X509")"
    people sam@hospital.test kim@lab.test
    expect_exit 0 batch
    expect_eq "$(spool_count)" 2 "messages delivered"
    by_protocol
    local pgp=$PGP_MSG smime=$SMIME_MSG
    expect_contains "${smime%.eml}.json" '"kim@lab.test"'
    expect_contains "${pgp%.eml}.json" '"sam@hospital.test"'
    expect_contains "$smime" 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data;'
    expect_contains "$pgp" 'multipart/encrypted'
    if grep -rqF -e "$CODE_MARK" -e 'Results for' "$SMTP_SPOOL"; then
        fail "the server saw message content"
    fi
    # AES-256, to Kim and to Ana (encrypt to self).
    aes256_to_two "$smime"
    # Kim reads it with OpenSSL: a multipart/signed entity the lab CA verifies.
    kim_reads "$smime" || { cat openssl.err >&2; fail "OpenSSL cannot decrypt"; }
    expect_contains kim.signed 'multipart/signed; protocol="application/pkcs7-signature"'
    kim_verifies
    expect_contains verify.err 'Verification successful'
    expect_contains content.txt "$CODE_MARK"
    expect_contains content.txt 'Subject: Results for Name kim'
    expect_contains content.txt 'protected-headers=v1'
    # Sam reads his with gpg.
    gpg --batch --decrypt "$pgp" >sam.eml 2>/dev/null || fail "the OpenPGP message does not decrypt"
    expect_contains sam.eml "$CODE_MARK"
    # --json lines and the audit name each row's protocol; the S/MIME
    # records name the certificate as signer.
    expect_eq "$(grep '"email":"kim@lab.test"' out | grep -c '"protocol":"S/MIME"')" 1 "kim line"
    expect_eq "$(grep '"email":"sam@hospital.test"' out | grep -c '"protocol":"OpenPGP"')" 1 \
        "sam line"
    expect_eq "$(grep '"protocol":"S/MIME"' audit.jsonl | grep -c "\"signer_fpr\":\"$ANA_X509\"")" \
        2 "S/MIME pending and sent records signed by the certificate"
    expect_eq "$(grep '"outcome":"sent"' audit.jsonl | grep -c '"protocol":"OpenPGP"')" 1 \
        "OpenPGP sent"
    expect_exit 0 pm --config c.toml audit verify
    # The rerun resumes: nobody gets it twice.
    expect_exit 0 batch
    expect_eq "$(spool_count)" 2 "messages after the rerun"
    expect_eq "$(grep -c '"status":"already-sent"' out)" 2 "already-sent lines"
}

# refused PEERS EXIT TEXT... (people.csv written): the batch exits EXIT,
# names TEXT, and nothing reaches the server.
refused() {
    local peers=$1 want=$2 cert=${SMIME_CERT:-}
    shift 2
    x509_server "$cert" "$peers"
    expect_exit "$want" batch
    expect_eq "$(spool_count)" 0 "messages delivered"
    local t
    for t in "$@"; do expect_contains err "$t"; done
    expect_contains err 'nothing was sent'
    expect_contains audit.jsonl '"outcome":"refused"'
}

test_expired_certificate_refuses_the_batch() {
    people sam@hospital.test old@lab.test
    refused "$(peer old@lab.test "$OLD_X509")" 67 "people.csv:3" "no usable key for old@lab.test" \
        "expired on 2021-01-01" KEY-02
}

test_certificate_of_another_address_refuses_the_batch() {
    people sam@hospital.test old@lab.test
    refused "$(peer old@lab.test "$KIM_X509")" 67 "no usable key for old@lab.test" \
        "does not bind old@lab.test" E2E-04
}

test_smime_rows_without_smime_cert_are_refused() {
    people sam@hospital.test kim@lab.test
    SMIME_CERT=- refused "$(peer kim@lab.test "$KIM_X509")" 78 "identity.smime_cert is not set" \
        "kim@lab.test"
}

# gpgsm 2.2 in server mode runs out of secure memory after a few
# encryptions ("gcrypt: Cannot allocate memory"), and every later operation
# of that gpgsm fails: a batch must not share one gpgsm for all its rows.
test_many_smime_rows_in_one_worker() {
    local n=16 i addrs=() peers="" sans=""
    for i in $(seq -f '%02g' 1 $n); do
        addrs+=("m$i@lab.test")
        sans+="${sans:+,email:}m$i@lab.test"
    done
    (cd "$X509" && x509_cert ca many "$sans" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" \
        "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)" "keyUsage=digitalSignature,keyEncipherment" \
        "extendedKeyUsage=emailProtection") || fail "cannot make the certificate"
    local fpr
    fpr=$(sha1_of "$X509/many.pem")
    for i in "${addrs[@]}"; do peers+=$(peer "$i" "$fpr"); done
    x509_server "" "$peers"
    gpgsm --batch --import "$X509/many.pem" 2>/dev/null
    people "${addrs[@]}"
    expect_exit 0 batch --workers 1
    expect_eq "$(spool_count)" "$n" "messages delivered"
    expect_eq "$(grep -l 'application/pkcs7-mime' "$SMTP_SPOOL"/msg-*.eml | wc -l)" "$n" \
        "S/MIME messages"
    expect_not_contains err 'failed'
}
