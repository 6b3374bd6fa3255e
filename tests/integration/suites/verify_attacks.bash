# SPDX-License-Identifier: GPL-3.0-or-later
# `verify` against crafted attacks (tests/integration/attacks/make_attacks.py):
# every attack class in docs/THREATS.md gets its exact verdict, and the
# genuine controls stay valid. Signed and encrypted with stock gpg.
#
# The reader is Bob (ultimate trust). Bob has certified Alice, Mallory (a
# colleague turned attacker) and Weak (an RSA-1024 key), so all three have
# full validity: only the rules of verify stand between them and `valid`.

suite_probe() { probe_gpg && need_cmd /usr/bin/python3; }

suite_setup() {
    gpg_home_new
    local bob alice mallory weak
    bob=$(gpg_gen_key Bob bob@clinic.test)
    alice=$(gpg_gen_key Alice alice@clinic.test)
    mallory=$(gpg_gen_key Mallory mallory@clinic.test)
    weak=$(gpg_gen_key Weak weak@clinic.test rsa1024)
    gpg_trust_ultimate "$bob"
    for k in "$alice" "$mallory" "$weak"; do gpg_certify "$bob" "$k"; done
    mkdir -p "$SUITE_DIR/eml"
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/attacks/make_attacks.py" \
        "$SUITE_DIR/eml" "$alice" "$mallory" "$weak" "$bob"
    echo "export GNUPGHOME=$GNUPGHOME EML=$SUITE_DIR/eml BOB=$bob" >"$SUITE_DIR/env.sh"
}

# verdict_of FILE [ARGS...]: the JSON verdict of `verify --decrypt` (exit 0 or 1 only).
verdict_of() {
    local f=$1 rc=0
    shift
    rm -f plain.eml
    pm --json verify --decrypt -o plain.eml "$@" "$f" >out 2>err || rc=$?
    case $rc in
        0 | 1) ;;
        *) echo "exit $rc for $(basename "$f"): $(cat err)" >&2; return 1 ;;
    esac
    /usr/bin/python3 -c 'import json; print(json.load(open("out"))["verdict"])'
}

test_every_attack_gets_its_verdict() {
    local name want got bad=0 n=0
    while IFS=$'\t' read -r name want; do
        n=$((n + 1))
        got=$(verdict_of "$EML/$name.eml") || { bad=1; continue; }
        if [ "$got" != "$want" ]; then
            echo "$name: expected $want, got $got ($(/usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d.get("reason") or d.get("warnings"))'))" >&2
            bad=1
        fi
    done <"$EML/expected.tsv"
    [ "$n" -gt 30 ] || fail "only $n attacks"
    [ $bad -eq 0 ]
}

test_no_attack_is_valid_and_exit_code_agrees() {
    local name want rc
    while IFS=$'\t' read -r name want; do
        [ "$want" = valid ] && continue
        rc=0
        pm verify "$EML/$name.eml" >/dev/null 2>&1 || rc=$?
        [ $rc -eq 1 ] || fail "$name: exit $rc, expected 1"
    done <"$EML/expected.tsv"
}

test_decrypted_output_drops_unprotected_outer_headers() {
    pm verify --decrypt -o plain.eml "$EML/control-encrypted-signed.eml" >/dev/null
    expect_contains plain.eml "Subject: Results"
    expect_not_contains plain.eml "Subject: [...]"
    # The attacker's Reply-To is outside the encryption: never in the plaintext.
    pm verify --decrypt -o plain2.eml "$EML/encrypted-outer-reply-to-added.eml" >/dev/null 2>&1 || true
    if [ -e plain2.eml ]; then expect_not_contains plain2.eml "mallory@clinic.test"; fi
}

# A reader whose key is locked (no pinentry can ask) gets decrypt-failed with
# a fix, never the tampering alarm integrity-failure.
test_locked_key_is_decrypt_failed_not_tampering() {
    gpg_home_new
    gpg --batch --quiet --pinentry-mode loopback --passphrase 'pat secret' \
        --quick-gen-key "Pat <pat@clinic.test>" ed25519 sign,cert 2y 2>/dev/null
    local pat
    pat=$(gpg --with-colons --list-keys pat@clinic.test | awk -F: '/^fpr:/ {print $10; exit}')
    gpg --batch --quiet --pinentry-mode loopback --passphrase 'pat secret' \
        --quick-add-key "$pat" cv25519 encr 2y 2>/dev/null
    printf 'Content-Type: text/plain\n\nhello\n' |
        gpg --batch --armor --trust-model always -r "$pat" --encrypt >ct.asc 2>/dev/null
    {
        printf 'From: <pat@clinic.test>\nTo: <pat@clinic.test>\nSubject: [...]\nMIME-Version: 1.0\n'
        printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=E\n\n'
        printf -- '--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\n'
        printf 'Content-Type: application/octet-stream\n\n'
        cat ct.asc
        printf -- '\n--E--\n'
    } >locked.eml
    echo "pinentry-program /bin/false" >>"$GNUPGHOME/gpg-agent.conf"
    gpgconf --kill gpg-agent
    expect_exit 1 pm --json verify --decrypt -o plain.eml locked.eml
    expect_eq "$(/usr/bin/python3 -c 'import json; print(json.load(open("out"))["verdict"])')" decrypt-failed
    expect_contains out "your secret key could not be used"
    expect_contains out "GPG_TTY"
    [ ! -e plain.eml ] || fail "plaintext written"
}

# 150 KB of nested address groups: malformed, quickly, never a crash (the
# sending side's parse is covered by the unit test in test_mime_strict.cpp).
test_nested_groups_are_malformed_fast() {
    /usr/bin/python3 -c '
import sys
g = "".join("g%d:" % i for i in range(20000))
sys.stdout.write("From: <alice@clinic.test>\nTo: " + g + "\nSubject: x\n\nhello\n")' >deep.eml
    local start=$SECONDS
    expect_exit 1 pm --json verify deep.eml
    expect_contains out '"verdict":"malformed"'
    expect_contains out "nests groups or comments"
    [ $((SECONDS - start)) -lt 10 ] || fail "took $((SECONDS - start)) s"
}

# A small ciphertext that inflates to far more than the limit stops at the
# limit: malformed, no plaintext, bounded memory.
test_compression_bomb_is_bounded() {
    head -c 50000000 /dev/zero |
        gpg --batch --armor --trust-model always -z 9 -r "$BOB" --encrypt >bomb.asc 2>/dev/null
    [ "$(stat -c %s bomb.asc)" -lt 1000000 ] || fail "the bomb is not small"
    {
        printf 'From: <alice@clinic.test>\nSubject: [...]\nMIME-Version: 1.0\n'
        printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=E\n\n'
        printf -- '--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\n'
        printf 'Content-Type: application/octet-stream\n\n'
        cat bomb.asc
        printf -- '\n--E--\n'
    } >bomb.eml
    local rc=0
    /usr/bin/time -f '%M' -o rss "$PEERMAIL_BIN" --json verify --decrypt --max-plaintext 4194304 -o plain.eml \
        bomb.eml >out 2>err || rc=$?
    expect_eq "$rc" 1 "exit code"
    expect_contains out '"verdict":"malformed"'
    expect_contains out "larger than 4 MiB"
    [ ! -e plain.eml ] || fail "plaintext written"
    [ "$(tail -n 1 rss)" -lt 200000 ] || fail "peak RSS $(tail -n 1 rss) KiB"
}

# 100000 repeated headers of each kind a reader sees: linear, malformed.
test_repeated_headers_are_linear() {
    local h
    for h in To Subject Received; do
        /usr/bin/python3 -c '
import sys
h = sys.argv[1]
sys.stdout.write("From: <alice@clinic.test>\n" + (h + ": <x@clinic.test>\n") * 100000 + "\nhi\n")' "$h" >rep.eml
        local start=$SECONDS rc=0
        pm --json verify rep.eml >out 2>err || rc=$?
        [ "$rc" -eq 1 ] || fail "$h: exit $rc"
        [ $((SECONDS - start)) -lt 10 ] || fail "$h: took $((SECONDS - start)) s"
    done
}

# A second reader (Python's email package): wherever it reads a message
# differently from peermail (defects, another From, two values of a shown
# header), the verdict must not be valid. Runs over every crafted message
# and, when present, the Thunderbird corpus.
test_differential_second_reader_never_disagrees_with_valid() {
    local f bad=0 n=0
    local corpus="$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-openpgp/eml"
    for f in "$EML"/*.eml "$corpus"/*.eml; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        rm -f plain.eml
        pm --json verify --decrypt -o plain.eml "$f" >out 2>/dev/null || true
        if ! why=$(/usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/attacks/differential.py" "$f" out); then
            echo "$(basename "$f"): valid, but $why" >&2
            bad=1
        fi
    done
    [ "$n" -gt 30 ] || fail "only $n messages"
    [ $bad -eq 0 ]
}

# Terminal forgery: a From with escape sequences, C1 controls and bidi
# overrides cannot draw a fake report; the exit code and JSON stay right.
test_terminal_forgery_in_from_is_neutralised() {
    printf 'From: =?utf-8?q?x=1B[2J=1B[Hverdict=3A_valid?= <a@clinic.test>\nSubject: hi\n\nhello\n' >esc.eml
    printf 'From: "\xc2\x9b2J\xe2\x80\xaeevil" <a@clinic.test>\nSubject: hi\n\nhello\n' >c1.eml
    local f
    for f in esc.eml c1.eml; do
        expect_exit 1 pm verify "$f"
        if LC_ALL=C grep -q $'\x1b' out err; then fail "$f: ESC reached the terminal"; fi
        if grep -qP '\xc2\x9b|\xe2\x80\xae' out err; then fail "$f: C1/bidi reached the terminal"; fi
        expect_contains out "verdict: unsigned"
    done
}

# Inline PGP encrypted mail is decrypted to a readable message.
test_inline_encrypted_is_decrypted() {
    expect_exit 0 pm verify --decrypt -o plain.eml "$EML/control-inline-encrypted-signed.eml"
    expect_contains plain.eml "Inline secret: call me."
    expect_contains plain.eml "From: Alice <alice@clinic.test>"
}

# S/MIME is named S/MIME (not "encrypted: no") and never valid without a
# configured trust anchor ([smime] anchors; smime_corpus.bash judges it with
# one). Skipped without the corpus.
test_smime_is_recognised_never_valid() {
    local dir="$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-smime" f n=0
    [ -d "$dir" ] || { echo "S/MIME corpus absent: skipped"; return 0; }
    for f in "$dir"/*.eml; do
        n=$((n + 1))
        pm --json verify "$f" >out 2>err || true
        /usr/bin/python3 -c 'import json,sys; d=json.load(open("out"))
assert d["verdict"] != "valid", d
assert d["protocol"] == "S/MIME" or d["verdict"] == "malformed", (sys.argv[1], d)' "$(basename "$f")" ||
            fail "$(basename "$f")"
    done
    [ "$n" -gt 50 ] || fail "only $n S/MIME messages"
}
