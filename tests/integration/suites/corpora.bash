# SPDX-License-Identifier: GPL-3.0-or-later
# Thunderbird's OpenPGP test messages (../shared/corpora/thunderbird-openpgp):
# `verify --decrypt` must give the verdict each file name implies, and must
# never call valid what should fail. Skipped when the corpora are absent.
#
# How "valid" is reached: the keyring plays Alice, the reader. Alice's key is
# our own (ownertrust ultimate) and Alice has locally certified Bob's and
# Carol's keys (as after checking their fingerprints), so their user IDs have
# full validity. No other key is trusted.

corpus_dir() { echo "$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-openpgp"; }

suite_probe() {
    probe_gpg || return 1
    [ -d "$(corpus_dir)/eml" ] || { echo "absent data: corpora not present at $(corpus_dir)"; return 1; }
}

suite_setup() {
    gpg_home_new
    gpg_corpus_keys "$(corpus_dir)"
    echo "export GNUPGHOME=$GNUPGHOME EML=$(corpus_dir)/eml" >"$SUITE_DIR/env.sh"
}

# verdict_of FILE: print the verdict of `verify --decrypt` (exit 0 or 1 only).
verdict_of() {
    local rc=0
    pm --json verify --decrypt --force -o plain.eml "$1" >out 2>err || rc=$?
    case $rc in
        0 | 1) ;;
        *) echo "exit $rc for $(basename "$1"): $(cat err)" >&2; return 1 ;;
    esac
    /usr/bin/python3 -c 'import json; print(json.load(open("out"))["verdict"])'
}

# Names that say the message must not verify as valid.
must_fail_name() {
    case $1 in
        *damaged* | *multi-from* | *mismatch* | *partial-encrypt* | unsigned-* | *stripped* | *smime* | \
        *sigspoof* | *fake* | eve-* | *in-mixed* | *mailman-footer* | *broken* | *revoked* | \
        *hidden-recipient* | fwd-* | forwarded-* | *uncommon-content-type* | \
        *nbsp* | enc-to-* | unob-*) return 0 ;;
    esac
    return 1
}

test_nothing_that_should_fail_is_valid() {
    local f name v bad=0 n=0
    for f in "$EML"/*.eml; do
        name=$(basename "$f")
        must_fail_name "$name" || continue
        n=$((n + 1))
        v=$(verdict_of "$f")
        if [ "$v" = valid ]; then
            echo "called valid: $name" >&2
            bad=1
        fi
        if [ -e plain.eml ] && [ "$v" != valid ]; then
            case $v in integrity-failure | decrypt-failed) echo "plaintext written: $name" >&2; bad=1 ;; esac
        fi
        rm -f plain.eml
    done
    [ "$n" -gt 20 ] || fail "only $n must-fail messages found"
    [ $bad -eq 0 ]
}

test_every_message_gets_a_verdict() {
    local f
    for f in "$EML"/*.eml; do
        verdict_of "$f" >/dev/null
        rm -f plain.eml
    done
}

test_specific_verdicts() {
    expect_eq "$(verdict_of "$EML/bob-to-alice-signed-damaged-signature.eml")" bad-signature damaged
    expect_eq "$(verdict_of "$EML/signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e-multi-from.eml")" \
        signer-mismatch multi-from
    expect_eq "$(verdict_of "$EML/signed-by-0xfbfcc82a015e7330-to-0xf231550c4f47e38e-unencrypted-in-mixed.eml")" \
        partially-signed in-mixed
    expect_eq "$(verdict_of "$EML/unsigned-unencrypted-from-bob-to-alice.eml")" unsigned unsigned
    # Its outer Subject, Date and Message-ID are not the signed (protected) ones.
    expect_eq "$(verdict_of "$EML/signed-mismatch-email-date.eml")" partially-signed mismatch-email-date
    expect_contains out "outer headers differ from the signed (protected) ones; a reader sees but nobody signed: Subject"
    expect_contains out "the signature was made 366 days after the message's Date header"
    expect_eq "$(verdict_of "$EML/unsigned-encrypted-to-0xf231550c4f47e38e-from-0xfbfcc82a015e7330.eml")" \
        unsigned unsigned-encrypted
}

test_good_messages_are_valid() {
    local name
    for name in signed-by-0xfbfcc82a015e7330-to-0xf231550c4f47e38e-unencrypted.eml \
                signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e.eml \
                signed-by-0x3099ff1238852b9f-to-0xf231550c4f47e38e-unencrypted.eml \
                signed-by-0x3099ff1238852b9f-encrypted-to-0xf231550c4f47e38e.eml; do
        expect_eq "$(verdict_of "$EML/$name")" valid "$name"
        rm -f plain.eml
    done
}
