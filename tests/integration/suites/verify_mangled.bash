# SPDX-License-Identifier: GPL-3.0-or-later
# `verify` on genuine signed mail after providers, relays, mailing lists and
# mail programs handled it (tests/integration/attacks/make_mangled.py): every
# (message, transformation) gets its exact verdict. What leaves the signed
# bytes intact (line endings, relay headers, the framing of multipart/signed,
# the S/MIME signature's base64) stays valid; a change of the signed bytes is
# bad-signature; text beside the signed part is never presented as signed.
# Duplicated outer headers are verify_attacks' duplicate-* cases.
#
# The reader is Bob (ultimate trust), who certified Alice. S/MIME: a fresh
# OpenSSL root is the one anchor, Ana's certificate signs; no CRL exists, so
# [smime] revocation = "offline".

suite_probe() { probe_gpg && need_cmd /usr/bin/python3 && need_cmd openssl && need_cmd gpgsm; }

suite_setup() {
    gpg_home_new
    local bob alice
    bob=$(gpg_gen_key Bob bob@clinic.test)
    alice=$(gpg_gen_key Alice alice@clinic.test)
    gpg_trust_ultimate "$bob"
    gpg_certify "$bob" "$alice"
    mkdir -p "$SUITE_DIR/eml"
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/attacks/make_mangled.py" \
        "$SUITE_DIR/eml" "$alice" "$bob" || return 1
    write_config "$SUITE_DIR/mangle.toml" signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$SUITE_DIR/audit.jsonl" \
        extra="[smime]\nanchors = \"$SUITE_DIR/eml/smime/ca.pem\"\nrevocation = \"offline\""
    echo "export GNUPGHOME=$GNUPGHOME EML=$SUITE_DIR/eml CFG=$SUITE_DIR/mangle.toml" >"$SUITE_DIR/env.sh"
}

# verdict_of FILE [ARGS...]: the JSON verdict of `verify --decrypt` (exit 0 or 1 only).
verdict_of() {
    local f=$1 rc=0
    shift
    rm -f plain.eml
    pm --config "$CFG" --json verify --decrypt -o plain.eml "$@" "$f" >out 2>err || rc=$?
    case $rc in
        0 | 1) ;;
        *) echo "exit $rc for $(basename "$f"): $(cat err)" >&2; return 1 ;;
    esac
    /usr/bin/python3 -c 'import json; print(json.load(open("out"))["verdict"])'
}

why() {
    /usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d.get("reason") or "", d.get("warnings"))'
}

test_every_transformation_gets_its_verdict() {
    local name want got bad=0 n=0
    while IFS=$'\t' read -r name want; do
        n=$((n + 1))
        got=$(verdict_of "$EML/$name.eml") || { bad=1; continue; }
        if [ "$got" != "$want" ]; then
            echo "$name: expected $want, got $got ($(why))" >&2
            bad=1
        fi
    done <"$EML/expected.tsv"
    [ "$n" -gt 100 ] || fail "only $n messages"
    [ $bad -eq 0 ]
}

# A footer or banner beside the signed part is never in the signed text a
# reader is given, and the report says that text is not signed.
test_list_footer_is_not_presented_as_signed() {
    local f
    for f in "$EML"/*~list-footer-*.eml "$EML"/*~banner-part.eml; do
        expect_eq "$(verdict_of "$f")" partially-signed "$(basename "$f")"
        if [ -e plain.eml ]; then
            expect_not_contains plain.eml "clinic-list mailing list"
            expect_not_contains plain.eml "originated from outside"
        fi
        rm -f plain.eml
    done
}

# corpus_neutral DIR CONFIG MIN: every message of DIR, handed on by a relay
# (line endings, relay headers, a renamed boundary, a boilerplate preamble,
# an outer Content-Transfer-Encoding), gets the verdict the original gets;
# at least MIN variants.
corpus_neutral() {
    local dir=$1 cfg=$2 min=$3 variant orig want got bad=0 n=0
    mkdir -p neutral
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/attacks/make_mangled.py" \
        neutral "$dir" neutral || fail "make_mangled.py neutral"
    declare -A base
    while IFS=$'\t' read -r variant orig; do
        n=$((n + 1))
        if [ -z "${base[$orig]:-}" ]; then
            base[$orig]=$(CFG=$cfg verdict_of "$dir/$orig") || { bad=1; continue; }
        fi
        want=${base[$orig]}
        got=$(CFG=$cfg verdict_of "neutral/$variant") || { bad=1; continue; }
        if [ "$got" != "$want" ]; then
            echo "$variant: $orig is $want, the variant $got ($(why))" >&2
            bad=1
        fi
    done <neutral/neutral.tsv
    [ "$n" -ge "$min" ] || fail "only $n variants"
    [ $bad -eq 0 ]
}

test_thunderbird_openpgp_corpus_survives_relays() {
    local dir="$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-openpgp"
    [ -d "$dir/eml" ] || { echo "OpenPGP corpus absent: skipped"; return 0; }
    gpg_home_new
    gpg_corpus_keys "$dir"
    corpus_neutral "$dir/eml" "$CFG" 150
}

test_thunderbird_smime_corpus_survives_relays() {
    local dir="$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-smime"
    [ -f "$dir/TestCA.pem" ] || { echo "S/MIME corpus absent: skipped"; return 0; }
    gpg_home_new
    local p tmp
    for p in Alice Bob; do
        tmp=$(mktemp -d /tmp/pmp.XXXXXX)
        openssl pkcs12 -in "$dir/$p.p12" -passin pass:nss -nodes -nocerts -out "$tmp/k.pem" 2>/dev/null
        openssl pkcs12 -in "$dir/$p.p12" -passin pass:nss -clcerts -nokeys -out "$tmp/c.pem" 2>/dev/null
        gpgsm_import_p12 "$tmp/k.pem" "$tmp/c.pem" || { rm -rf "$tmp"; fail "cannot import $p"; }
        rm -rf "$tmp"
    done
    write_config tb.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
        audit_path="$PWD/audit.jsonl" \
        extra="[smime]\nanchors = \"$dir/TestCA.pem\"\nrevocation = \"offline\""
    # Only the messages signed (and encrypted) by Alice alone: the others
    # repeat the same shapes.
    mkdir -p src
    cp "$dir"/alice.dsig.SHA256.multipart.eml "$dir"/alice.dsig.SHA256.multipart.bad.eml \
        "$dir"/alice.dsig.SHA256.multipart.env.eml "$dir"/alice.sig.SHA256.opaque.eml \
        "$dir"/alice.sig.SHA256.opaque.env.eml "$dir"/alice.env.eml \
        "$dir"/alice.plain.dsig.SHA256.multipart.dave.dsig.SHA256.multipart.eml src/
    corpus_neutral src "$PWD/tb.toml" 15
}
