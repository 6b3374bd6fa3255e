# SPDX-License-Identifier: GPL-3.0-or-later
# X.509 fixtures for S/MIME suites (smime_send, smime_revoke, smime_message,
# batch_smime): an OpenSSL CA
# with an index file (so it can revoke and publish a CRL), end-entity
# certificates, and their import into the gpgsm keybox of $GNUPGHOME.
#
# Usage in a suite (after lib.bash; brings tls.bash along):
#   . "$PEERMAIL_SOURCE_DIR/tests/integration/smime.bash"
#   suite_probe() { smime_probe; }
#   suite_setup() { x509_suite_setup; ...; }
#
# smime_probe              the tools of every S/MIME suite (gpg, the SMTP
#                          server, gpgsm, openssl), for suite_probe
# x509_suite_setup         clinic_suite_setup and x509_lab, for suite_setup
# x509_root CA NAME        CA.{key,pem}: a self-signed root "CN=NAME", 60 days
# x509_cert CA NAME EMAIL START END EXT...
#                          NAME.{key,pem} issued by CA for EMAIL (SAN),
#                          valid START..END (YYYYMMDDHHMMSSZ), with the
#                          extensions EXT (openssl ca -extfile lines)
# x509_revoke CA NAME      revoke NAME.pem in CA's index (keyCompromise)
# x509_crl CA OUT          CA's CRL (DER) from its index into OUT, 30 days
# sha1_of CERT / sha256_of CERT
#                          the certificate's fingerprint as gpgsm shows it
# import_p12 NAME          import NAME.key and NAME.pem (no passphrase) into gpgsm
# All but import_p12 work in the current directory.
#
# Sending (with tls.bash; the suite defines SUBJECT, BODY_MARK, PASSWORD and
# exports X509, the directory of its certificates, and ANA_X509, Ana's):
# peer ADDR FPR [PROTOCOL]  print a [[peer]] entry (protocol smime by default)
# x509_server [SMIME_CERT] [PEERS]
#                          a copy of the suite's GnuPG home, a smtps server and
#                          ./c.toml with [smime] anchors ($SMIME_ANCHORS, default
#                          $X509/ca.pem), revocation ($SMIME_REVOCATION, default
#                          "offline"), identity.smime_cert (default Ana's; "-" =
#                          none) and PEERS
# setup_server [SMIME_CERT] [PEERS]
#                          x509_server, and ./body.txt (BODY_MARK)
# send_to ADDR...          `send --json` the test message (exit code in ./rc)
# refused ADDR PEERS EXIT TEXT...
#                          sending to ADDR and Sam (OpenPGP) with PEERS exits
#                          EXIT naming each TEXT, nothing reaches the server,
#                          the audit has the refusal and no sent record
#                          (identity.smime_cert from $SMIME_CERT)
# check_status ID          the status of finding ID in ./out (`check --json`)
# kim_reads MSG            decrypt MSG with Kim's key (OpenSSL) into ./kim.signed
# aes256_to_two MSG        MSG's EnvelopedData is AES-256-CBC to two
#                          recipients (OpenSSL's print in ./print.txt)
# kim_verifies             verify ./kim.signed against the lab CA (OpenSSL)
#                          into ./content.txt, or fail showing OpenSSL's errors
# by_protocol              PGP_MSG and SMIME_MSG: the spool's PGP/MIME and
#                          S/MIME message (fails unless there is one of each)
# x509_lab                 the lab CA and Ana's, Kim's and Old's certificates
#                          in $SUITE_DIR/x509, imported (see below)

if ! declare -F start_smtps_config >/dev/null; then
    # shellcheck source=tests/integration/tls.bash
    . "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"
fi

smime_probe() {
    probe_gpg && probe_smtp && need_cmd gpgsm && need_cmd openssl || return 1
}

x509_ca_config() {
    local ca=$1
    mkdir -p "db.$ca"
    [ -f "db.$ca/index.txt" ] || { : >"db.$ca/index.txt"; echo 1000 >"db.$ca/serial"; }
    [ -f "db.$ca/crlnumber" ] || echo 1000 >"db.$ca/crlnumber"
    cat >"$ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = db.$ca/index.txt
serial = db.$ca/serial
crlnumber = db.$ca/crlnumber
new_certs_dir = db.$ca
certificate = $ca.pem
private_key = $ca.key
default_md = sha256
default_crl_days = 30
policy = p
unique_subject = no
[p]
commonName = supplied
CNF
}

x509_cert() {
    local ca=$1 name=$2 email=$3 start=$4 end=$5
    shift 5
    x509_ca_config "$ca"
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=$name" 2>/dev/null
    printf '%s\n' "subjectAltName=email:$email" "$@" >"$name.ext"
    openssl ca -batch -config "$ca.cnf" -in "$name.csr" \
        -out "$name.pem" -startdate "$start" -enddate "$end" -extfile "$name.ext" -notext \
        2>/dev/null
    [ -s "$name.pem" ]
}

x509_root() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 60 \
        -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

x509_revoke() {
    x509_ca_config "$1"
    openssl ca -batch -config "$1.cnf" -revoke "$2.pem" -crl_reason keyCompromise 2>/dev/null
}

x509_crl() {
    x509_ca_config "$1"
    openssl ca -batch -config "$1.cnf" -gencrl -out "$2.pem" 2>/dev/null
    openssl crl -in "$2.pem" -outform DER -out "$2"
    [ -s "$2" ]
}

sha1_of() { openssl x509 -in "$1" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :; }
sha256_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :; }

import_p12() {
    gpgsm_import_p12 "$1.key" "$1.pem" "$(sha1_of "$1.pem")" || fail "gpgsm cannot import $1"
}

peer() {
    printf '\n[[peer]]\naddress = "%s"\nfingerprint = "%s"\nprotocol = "%s"\n' "$1" "$2" "${3:-smime}"
}

x509_server() {
    local cert=${1:-$ANA_X509} peers=${2:-}
    gpg_home_copy
    start_smtps_config -- extra="[smime]\nanchors = \"${SMIME_ANCHORS:-$X509/ca.pem}\"\nrevocation = \"${SMIME_REVOCATION:-offline}\"\n$peers"
    if [ "$cert" != - ]; then
        sed -i "s/^signing_key = .*/&\nsmime_cert = \"$cert\"/" c.toml
    fi
}

setup_server() {
    x509_server "$@"
    printf '%s\nSecond line.\n' "$BODY_MARK" >body.txt
}

# x509_lab: in $SUITE_DIR/x509 (exported as X509) the "Lab Root" CA
# (ca.{pem,key}) and mail certificates issued by it: Ana's (ana@clinic.test,
# imported into gpgsm with her secret key) and Kim's (kim@lab.test), valid
# from yesterday for 60 days, and Old's (old@lab.test), expired on
# 2021-01-01; all imported into gpgsm in $GNUPGHOME. Appends X509, ANA_X509,
# KIM_X509, KIM_X509_256 and OLD_X509 to $SUITE_DIR/env.sh. For suite_setup,
# after clinic_suite_setup; a suite adds certificates of its own in $X509
# with x509_cert ca NAME EMAIL "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}".
x509_lab() {
    X509=$SUITE_DIR/x509
    X509_NOW=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
    X509_LATER=$(date -u -d '+60 days' +%Y%m%d%H%M%SZ)
    X509_MAIL=("keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=emailProtection")
    mkdir -p "$X509"
    (
        cd "$X509" || exit 1
        x509_root ca "Lab Root"
        x509_cert ca ana ana@clinic.test "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}"
        x509_cert ca kim kim@lab.test "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}"
        x509_cert ca old old@lab.test 20200101000000Z 20210101000000Z "${X509_MAIL[@]}"
        import_p12 ana
        gpgsm --batch --import ca.pem kim.pem old.pem 2>/dev/null
    ) || return 1
    gpgsm --list-secret-keys --with-colons | grep -c '^crs:' | grep -qx 1 || return 1
    {
        echo "export X509=$X509"
        echo "export ANA_X509=$(sha1_of "$X509/ana.pem") KIM_X509=$(sha1_of "$X509/kim.pem")"
        echo "export KIM_X509_256=$(sha256_of "$X509/kim.pem") OLD_X509=$(sha1_of "$X509/old.pem")"
    } >>"$SUITE_DIR/env.sh"
}

# x509_suite_setup: the S/MIME suites' common start of suite_setup. Call it
# as a plain command (not after `if`, `||` or `&&`) so that `set -e` holds
# inside clinic_suite_setup.
x509_suite_setup() {
    clinic_suite_setup
    x509_lab || return 1
}


send_to() {
    local args=() a rc=0
    for a in "$@"; do args+=(--to "$a"); done
    PM_TEST_PASSWORD=$PASSWORD pm --config c.toml --json send "${args[@]}" --subject "$SUBJECT" \
        --body-file body.txt >out 2>err || rc=$?
    echo "$rc" >rc
}

refused() {
    local addr=$1 peers=$2 want=$3 cert=${SMIME_CERT:-}
    shift 3
    setup_server "$cert" "$peers"
    send_to sam@hospital.test "$addr"
    expect_eq "$(cat rc)" "$want" "exit code"
    expect_eq "$(spool_count)" 0 "messages delivered"
    local t
    for t in "$@"; do expect_contains err "$t"; done
    expect_contains err 'nothing was sent'
    expect_contains audit.jsonl '"outcome":"refused"'
    expect_not_contains audit.jsonl '"outcome":"sent"'
}

check_status() {
    /usr/bin/python3 -c 'import json,sys; d=json.load(open("out")); print(next(f["status"] for f in d["findings"] if f["id"]==sys.argv[1]))' "$1"
}

# kim_reads MSG: decrypt MSG with Kim's key (OpenSSL) into kim.signed.
kim_reads() {
    openssl cms -decrypt -in "$1" -inkey "$X509/kim.key" -recip "$X509/kim.pem" \
        -out kim.signed 2>openssl.err
}

# aes256_to_two MSG: MSG's EnvelopedData (OpenSSL's print in print.txt)
# is AES-256-CBC and has two recipients: the peer and Ana (encrypt to self).
aes256_to_two() {
    openssl cms -cmsout -print -in "$1" >print.txt
    expect_contains print.txt 'aes-256-cbc'
    expect_eq "$(grep -c 'issuerAndSerialNumber\|subjectKeyIdentifier' print.txt)" 2 "recipients"
}

# kim_verifies: verify kim.signed against the lab CA into content.txt
# (OpenSSL's messages in verify.err); fails showing them.
kim_verifies() {
    openssl cms -verify -in kim.signed -CAfile "$X509/ca.pem" -out content.txt 2>verify.err \
        || { cat verify.err >&2; fail "OpenSSL does not verify the signature"; }
}

# by_protocol: sort the two messages in $SMTP_SPOOL into PGP_MSG and
# SMIME_MSG by their content type; fails unless there is one of each.
by_protocol() {
    local f
    PGP_MSG="" SMIME_MSG=""
    for f in "$SMTP_SPOOL"/msg-*.eml; do
        if grep -q 'application/pkcs7-mime' "$f"; then SMIME_MSG=$f; else PGP_MSG=$f; fi
    done
    if [ -z "$PGP_MSG" ] || [ -z "$SMIME_MSG" ]; then fail "not one PGP/MIME and one S/MIME message"; fi
}
