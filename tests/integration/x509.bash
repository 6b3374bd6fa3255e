# SPDX-License-Identifier: GPL-3.0-or-later
# X.509 test material for the S/MIME suites (smime_send, batch_smime): a
# throwaway CA with openssl, certificates for it, their import into gpgsm in
# $GNUPGHOME, their fingerprints, and [[peer]] entries.

# x509_cert CA NAME EMAIL START END EXT...: NAME.{key,pem} issued by CA
# (CA.pem, CA.key) for EMAIL, valid START..END (YYYYMMDDHHMMSSZ), with the
# extensions EXT (openssl ca -extfile lines).
x509_cert() {
    local ca=$1 name=$2 email=$3 start=$4 end=$5
    shift 5
    mkdir -p "db.$ca"
    [ -f "db.$ca/index.txt" ] || { : >"db.$ca/index.txt"; echo 1000 >"db.$ca/serial"; }
    cat >"$ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = db.$ca/index.txt
serial = db.$ca/serial
new_certs_dir = db.$ca
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
EOF
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=$name" 2>/dev/null
    printf '%s\n' "subjectAltName=email:$email" "$@" >"$name.ext"
    openssl ca -batch -config "$ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" -in "$name.csr" \
        -out "$name.pem" -startdate "$start" -enddate "$end" -extfile "$name.ext" -notext \
        2>/dev/null
    [ -s "$name.pem" ]
}

x509_root() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 60 \
        -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# sha1_of CERT: the certificate's SHA-1 fingerprint as gpgsm shows it.
sha1_of() { openssl x509 -in "$1" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :; }
sha256_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :; }

# import_p12 NAME: import NAME.key and NAME.pem (no passphrase) into gpgsm.
import_p12() {
    openssl pkcs12 -export -inkey "$1.key" -in "$1.pem" -passout pass: -keypbe PBE-SHA1-3DES \
        -certpbe PBE-SHA1-3DES -macalg sha1 -out "$GNUPGHOME/$1.p12"
    echo | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --import "$GNUPGHOME/$1.p12" \
        2>"$GNUPGHOME/import.err" || { cat "$GNUPGHOME/import.err" >&2; fail "gpgsm cannot import $1"; }
    gpgsm --list-secret-keys --with-colons "$(sha1_of "$1.pem")" | grep -q '^crs:' \
        || { cat "$GNUPGHOME/import.err" >&2; fail "no secret key for $1 after the import"; }
}

# peer ADDR FPR [PROTOCOL]: a [[peer]] entry.
peer() {
    printf '\n[[peer]]\naddress = "%s"\nfingerprint = "%s"\nprotocol = "%s"\n' "$1" "$2" "${3:-smime}"
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

# x509_server [SMIME_CERT] [PEERS]: a fresh copy of $GNUPGHOME, a smtps
# server (start_smtps_config) and ./c.toml for it with the lab root as
# [smime] anchors (revocation offline), identity.smime_cert SMIME_CERT
# (default Ana's; "-" = none) and the [[peer]] entries PEERS.
x509_server() {
    local cert=${1:-$ANA_X509} peers=${2:-}
    gpg_home_copy
    start_smtps_config -- extra="[smime]\nanchors = \"$X509/ca.pem\"\nrevocation = \"offline\"\n$peers"
    if [ "$cert" != - ]; then
        sed -i "s/^signing_key = .*/&\nsmime_cert = \"$cert\"/" c.toml
    fi
}
