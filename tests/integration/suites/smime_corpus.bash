# SPDX-License-Identifier: GPL-3.0-or-later
# Thunderbird's S/MIME test messages (../shared/corpora/thunderbird-smime):
# `verify --decrypt` gives each of the 66 messages the exact verdict of the
# table below, and never calls valid what should fail (issue 17). Skipped
# when the corpus is absent.
#
# The reader holds Alice's, Bob's and Dave's keys (from the corpus .p12
# files, password "nss") in a throwaway GnuPG home; TestCA.pem is the one
# trust anchor ([smime] anchors). The test CA publishes no CRL, so dirmngr
# cannot answer: [smime] revocation = "offline" accepts that, and every
# verdict that did must say so in a warning.

corpus_dir() { echo "$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-smime"; }

suite_probe() {
    probe_gpg || return 1
    need_cmd gpgsm || return 1
    need_cmd openssl || return 1
    [ -f "$(corpus_dir)/TestCA.pem" ] || { echo "absent data: S/MIME corpus not present at $(corpus_dir)"; return 1; }
}

# smime_import_p12 FILE: import the key and certificate of FILE (password
# "nss") into gpgsm, without a passphrase (no pinentry in tests). gpgsm 2.2
# cannot read NSS's PBES2/AES PKCS#12, so gpgsm_import_p12 re-packs it.
smime_import_p12() {
    local tmp
    tmp=$(mktemp -d /tmp/pmp.XXXXXX)
    openssl pkcs12 -in "$1" -passin pass:nss -nodes -nocerts -out "$tmp/k.pem" 2>/dev/null
    openssl pkcs12 -in "$1" -passin pass:nss -clcerts -nokeys -out "$tmp/c.pem" 2>/dev/null
    gpgsm_import_p12 "$tmp/k.pem" "$tmp/c.pem" || { rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
}

suite_setup() {
    gpg_home_new
    local p
    for p in Alice Bob Dave; do
        smime_import_p12 "$(corpus_dir)/$p.p12"
    done
    gpgsm --list-secret-keys --with-colons | grep -c '^crs:' | grep -qx 3
    write_config "$SUITE_DIR/smime.toml" signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$SUITE_DIR/audit.jsonl" \
        extra="[smime]\nanchors = \"$(corpus_dir)/TestCA.pem\"\nrevocation = \"offline\""
    write_config "$SUITE_DIR/noanchor.toml" signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$SUITE_DIR/audit.jsonl"
    write_config "$SUITE_DIR/online.toml" signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$SUITE_DIR/audit.jsonl" \
        extra="[smime]\nanchors = \"$(corpus_dir)/TestCA.pem\""
    echo "export GNUPGHOME=$GNUPGHOME SMIME=$(corpus_dir) CFG=$SUITE_DIR/smime.toml" >"$SUITE_DIR/env.sh"
}

# The expected outcome of every message: verdict, exit code, and whether
# `verify --decrypt -o` writes the decrypted message.
# bad / mismatch-econtent: the signature does not cover what is shown;
# future: the Date is 6 hours after the signed signing time; two signers
# (Alice inside, Dave outside) are never valid; a signature outside the
# encryption (alice.env.*) covers only ciphertext, and enveloped data that
# nothing inside signs has no integrity protection; SHA-1 is weak-hash.
SMIME_TABLE='
alice.dsig.SHA1.multipart.bad.eml                              bad-signature      1 no
alice.dsig.SHA1.multipart.eml                                  weak-hash          1 no
alice.dsig.SHA1.multipart.env.eml                              weak-hash          1 yes
alice.dsig.SHA1.multipart.mismatch-econtent.eml                bad-signature      1 no
alice.dsig.SHA256.multipart.bad.eml                            bad-signature      1 no
alice.dsig.SHA256.multipart.eml                                valid              0 no
alice.dsig.SHA256.multipart.env.eml                            valid              0 yes
alice.dsig.SHA256.multipart.mismatch-econtent.eml              bad-signature      1 no
alice.dsig.SHA384.multipart.bad.eml                            bad-signature      1 no
alice.dsig.SHA384.multipart.eml                                valid              0 no
alice.dsig.SHA384.multipart.env.eml                            valid              0 yes
alice.dsig.SHA384.multipart.mismatch-econtent.eml              bad-signature      1 no
alice.dsig.SHA512.multipart.bad.eml                            bad-signature      1 no
alice.dsig.SHA512.multipart.eml                                valid              0 no
alice.dsig.SHA512.multipart.env.eml                            valid              0 yes
alice.dsig.SHA512.multipart.mismatch-econtent.eml              bad-signature      1 no
alice.env.dsig.SHA1.multipart.dave.sig.SHA1.opaque.eml         integrity-failure  1 no
alice.env.dsig.SHA1.multipart.eml                              integrity-failure  1 no
alice.env.dsig.SHA256.multipart.dave.sig.SHA256.opaque.eml     integrity-failure  1 no
alice.env.dsig.SHA256.multipart.eml                            integrity-failure  1 no
alice.env.dsig.SHA384.multipart.dave.sig.SHA384.opaque.eml     integrity-failure  1 no
alice.env.dsig.SHA384.multipart.eml                            integrity-failure  1 no
alice.env.dsig.SHA512.multipart.dave.sig.SHA512.opaque.eml     integrity-failure  1 no
alice.env.dsig.SHA512.multipart.eml                            integrity-failure  1 no
alice.env.eml                                                  integrity-failure  1 no
alice.env.sig.SHA1.opaque.dave.sig.SHA1.opaque.eml             integrity-failure  1 no
alice.env.sig.SHA1.opaque.eml                                  integrity-failure  1 no
alice.env.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml         integrity-failure  1 no
alice.env.sig.SHA256.opaque.eml                                integrity-failure  1 no
alice.env.sig.SHA384.opaque.dave.sig.SHA384.opaque.eml         integrity-failure  1 no
alice.env.sig.SHA384.opaque.eml                                integrity-failure  1 no
alice.env.sig.SHA512.opaque.dave.sig.SHA512.opaque.eml         integrity-failure  1 no
alice.env.sig.SHA512.opaque.eml                                integrity-failure  1 no
alice.future.dsig.SHA256.multipart.eml                         partially-signed   1 no
alice.html.sig.SHA1.opaque.eml                                 weak-hash          1 no
alice.html.sig.SHA1.opaque.env.eml                             weak-hash          1 yes
alice.html.sig.SHA256.opaque.eml                               valid              0 no
alice.html.sig.SHA256.opaque.env.eml                           valid              0 yes
alice.html.sig.SHA384.opaque.eml                               valid              0 no
alice.html.sig.SHA384.opaque.env.eml                           valid              0 yes
alice.html.sig.SHA512.opaque.eml                               valid              0 no
alice.html.sig.SHA512.opaque.env.eml                           valid              0 yes
alice.plain.dsig.SHA1.multipart.dave.dsig.SHA1.multipart.eml   signer-mismatch    1 no
alice.plain.dsig.SHA1.multipart.dave.sig.SHA1.opaque.eml       signer-mismatch    1 no
alice.plain.dsig.SHA256.multipart.dave.dsig.SHA256.multipart.eml signer-mismatch    1 no
alice.plain.dsig.SHA256.multipart.dave.sig.SHA256.opaque.eml   signer-mismatch    1 no
alice.plain.dsig.SHA384.multipart.dave.dsig.SHA384.multipart.eml signer-mismatch    1 no
alice.plain.dsig.SHA384.multipart.dave.sig.SHA384.opaque.eml   signer-mismatch    1 no
alice.plain.dsig.SHA512.multipart.dave.dsig.SHA512.multipart.eml signer-mismatch    1 no
alice.plain.dsig.SHA512.multipart.dave.sig.SHA512.opaque.eml   signer-mismatch    1 no
alice.plain.sig.SHA1.opaque.dave.dsig.SHA1.multipart.eml       signer-mismatch    1 no
alice.plain.sig.SHA1.opaque.dave.sig.SHA1.opaque.eml           signer-mismatch    1 no
alice.plain.sig.SHA256.opaque.dave.dsig.SHA256.multipart.eml   signer-mismatch    1 no
alice.plain.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml       signer-mismatch    1 no
alice.plain.sig.SHA384.opaque.dave.dsig.SHA384.multipart.eml   signer-mismatch    1 no
alice.plain.sig.SHA384.opaque.dave.sig.SHA384.opaque.eml       signer-mismatch    1 no
alice.plain.sig.SHA512.opaque.dave.dsig.SHA512.multipart.eml   signer-mismatch    1 no
alice.plain.sig.SHA512.opaque.dave.sig.SHA512.opaque.eml       signer-mismatch    1 no
alice.sig.SHA1.opaque.eml                                      weak-hash          1 no
alice.sig.SHA1.opaque.env.eml                                  weak-hash          1 yes
alice.sig.SHA256.opaque.eml                                    valid              0 no
alice.sig.SHA256.opaque.env.eml                                valid              0 yes
alice.sig.SHA384.opaque.eml                                    valid              0 no
alice.sig.SHA384.opaque.env.eml                                valid              0 yes
alice.sig.SHA512.opaque.eml                                    valid              0 no
alice.sig.SHA512.opaque.env.eml                                valid              0 yes
'

# run_verify CONFIG FILE: `verify --decrypt -o plain.eml FILE` into ./out
# (JSON) and ./err; print the exit code.
run_verify() {
    local rc=0
    rm -f plain.eml
    pm --config "$1" --json verify --decrypt -o plain.eml "$2" >out 2>err || rc=$?
    echo "$rc"
}

json_field() { /usr/bin/python3 -c 'import json,sys; print(json.load(open("out"))[sys.argv[1]])' "$1"; }

test_table_covers_every_message() {
    local f n=0
    for f in "$SMIME"/*.eml; do
        n=$((n + 1))
        echo "$SMIME_TABLE" | grep -q "^$(basename "$f") " || fail "no table row for $(basename "$f")"
    done
    expect_eq "$n" 66 "messages in the corpus"
}

test_every_message_gets_its_verdict() {
    local name verdict code plain rc v bad=0
    while read -r name verdict code plain; do
        [ -n "$name" ] || continue
        rc=$(run_verify "$CFG" "$SMIME/$name")
        v=$(json_field verdict 2>/dev/null || echo "(no JSON: $(head -c 300 err))")
        if [ "$v" != "$verdict" ] || [ "$rc" != "$code" ]; then
            echo "$name: expected $verdict (exit $code), got $v (exit $rc): $(json_field reason 2>/dev/null)" >&2
            bad=1
        fi
        if [ "$(json_field protocol 2>/dev/null)" != "S/MIME" ]; then
            echo "$name: protocol is not S/MIME" >&2
            bad=1
        fi
        local written=no
        [ -e plain.eml ] && written=yes
        if [ "$written" != "$plain" ]; then
            echo "$name: plaintext written: $written, expected $plain" >&2
            bad=1
        fi
    done <<<"$SMIME_TABLE"
    [ $bad -eq 0 ]
}

# Offline revocation is never silent: a certificate accepted without an
# answer about its revocation says so in the verdict.
test_offline_revocation_is_reported() {
    expect_eq "$(run_verify "$CFG" "$SMIME/alice.dsig.SHA256.multipart.eml")" 0
    expect_contains out 'revocation was not checked'
    expect_contains out 'KEY-03'
}

test_valid_names_the_signer_and_the_hash() {
    expect_eq "$(run_verify "$CFG" "$SMIME/alice.sig.SHA384.opaque.env.eml")" 0
    expect_eq "$(json_field protocol)" S/MIME
    expect_contains out '"hash_algo":"SHA384"'
    expect_contains out '"email":"alice@example.com"'
    expect_contains plain.eml "This is a test message from Alice to Bob."
}

# Without a configured anchor nothing S/MIME is valid, and the fix names
# the setting.
test_no_anchor_no_valid() {
    expect_eq "$(run_verify "$SUITE_DIR/noanchor.toml" "$SMIME/alice.dsig.SHA256.multipart.eml")" 1
    expect_eq "$(json_field verdict)" untrusted-key
    expect_contains out 'smime'
    expect_contains out 'anchors'
}

# Revocation checked (the default) but no CRL to be had: not valid, and
# the reason says why.
test_revocation_unknown_is_not_valid() {
    expect_eq "$(run_verify "$SUITE_DIR/online.toml" "$SMIME/alice.dsig.SHA256.multipart.eml")" 1
    expect_eq "$(json_field verdict)" untrusted-key
    expect_contains out 'revocation'
    expect_contains out 'dirmngr'
}

# --- interop with OpenSSL ----------------------------------------------------

# interop_cert NAME EMAIL EXT...: a key and certificate NAME.{key,pem}
# signed by ./ca.pem, with the extensions EXT (openssl x509 -extfile lines).
interop_cert() {
    local name=$1 email=$2
    shift 2
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=$name" 2>/dev/null
    printf '%s\n' "subjectAltName=email:$email" "$@" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -extfile "$name.ext" -out "$name.pem" 2>/dev/null
}

# interop_setup: a fresh home that trusts a new OpenSSL root (ca.pem), with
# certificates for Ana (the signer) and Sam (the reader, key in gpgsm), and
# the config interop.toml naming ca.pem as the only anchor.
interop_setup() {
    gpg_home_copy
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
        -subj "/CN=Interop Root" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    interop_cert ana ana@clinic.test "keyUsage=digitalSignature" "extendedKeyUsage=emailProtection"
    interop_cert sam sam@clinic.test "keyUsage=keyEncipherment" "extendedKeyUsage=emailProtection"
    interop_cert srv ana@clinic.test "extendedKeyUsage=serverAuth"
    gpgsm_import_p12 sam.key sam.pem || fail "gpgsm cannot import sam's key"
    write_config interop.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$PWD/audit.jsonl" \
        extra="[smime]\nanchors = \"$PWD/ca.pem\"\nrevocation = \"offline\""
    printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nLab results are ready.\r\n' >body.txt
}

# interop_message FROM FILE: print headers for FROM and the MIME entity FILE
# (which starts with its own MIME-Version and Content-Type).
interop_message() {
    printf 'From: %s\r\nTo: sam@clinic.test\r\nSubject: interop\r\nDate: %s\r\n' \
        "$1" "$(date -u -R)"
    cat "$2"
}

interop_verdict() {
    local rc
    rc=$(run_verify interop.toml "$1")
    echo "$(json_field verdict) $rc"
}

test_openssl_signed_detached_opaque_and_tampered() {
    interop_setup
    openssl cms -sign -in body.txt -signer ana.pem -inkey ana.key -md sha256 -out d.p7 2>/dev/null
    interop_message ana@clinic.test d.p7 >detached.eml
    expect_eq "$(interop_verdict detached.eml)" "valid 0" "detached"
    openssl cms -sign -nodetach -in body.txt -signer ana.pem -inkey ana.key -md sha256 \
        -out o.p7 2>/dev/null
    interop_message ana@clinic.test o.p7 >opaque.eml
    expect_eq "$(interop_verdict opaque.eml)" "valid 0" "opaque"
    sed 's/Lab results are ready/Lab results are READY/' detached.eml >tampered.eml
    if cmp -s detached.eml tampered.eml; then fail "the tampering changed nothing"; fi
    expect_eq "$(interop_verdict tampered.eml)" "bad-signature 1" "tampered"
    openssl cms -sign -in body.txt -signer ana.pem -inkey ana.key -md sha1 -out s1.p7 2>/dev/null
    interop_message ana@clinic.test s1.p7 >sha1.eml
    expect_eq "$(interop_verdict sha1.eml)" "weak-hash 1" "SHA-1"
    interop_message mallory@clinic.test d.p7 >other-from.eml
    expect_eq "$(interop_verdict other-from.eml)" "signer-mismatch 1" "From not in the SAN"
    openssl cms -sign -in body.txt -signer srv.pem -inkey srv.key -md sha256 -out srv.p7 2>/dev/null
    interop_message ana@clinic.test srv.p7 >server-cert.eml
    expect_eq "$(interop_verdict server-cert.eml)" "untrusted-key 1" "serverAuth-only certificate"
    expect_contains out "emailProtection"
}

test_openssl_enveloped_signed_and_unsigned() {
    interop_setup
    openssl cms -sign -in body.txt -signer ana.pem -inkey ana.key -md sha256 -out d.p7 2>/dev/null
    openssl cms -encrypt -aes256 -in d.p7 -out e.p7 sam.pem 2>/dev/null
    interop_message ana@clinic.test e.p7 >signed-enveloped.eml
    expect_eq "$(interop_verdict signed-enveloped.eml)" "valid 0" "signed, then enveloped"
    expect_contains plain.eml "Lab results are ready."
    expect_contains plain.eml "From: ana@clinic.test"
    openssl cms -encrypt -aes256 -in body.txt -out u.p7 sam.pem 2>/dev/null
    interop_message ana@clinic.test u.p7 >enveloped.eml
    expect_eq "$(interop_verdict enveloped.eml)" "integrity-failure 1" "enveloped, unsigned"
    [ ! -e plain.eml ] || fail "plaintext written for unprotected enveloped data"
    # Enveloped for someone else: no key, nothing written.
    openssl cms -encrypt -aes256 -in d.p7 -out x.p7 ana.pem 2>/dev/null
    interop_message ana@clinic.test x.p7 >not-for-us.eml
    expect_eq "$(interop_verdict not-for-us.eml)" "decrypt-failed 1" "not for us"
    [ ! -e plain.eml ] || fail "plaintext written after a decryption failure"
}
