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
