# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail keys list | check | import` on a real keyring.
. "$PEERMAIL_SOURCE_DIR/tests/integration/keyring_fixture.bash"

suite_probe() { probe_gpg; }
suite_setup() { keyring_fixture_setup; }

# Run without any config file (default policy).
nocfg() { XDG_CONFIG_HOME=$PWD/none PEERMAIL_CONFIG="" pm "$@"; }

test_check_ready_full_validity() {
  expect_exit 0 nocfg keys check sam@hospital.test
  expect_contains out "sam@hospital.test: ready: key $SAM"
}

test_check_unknown_validity_67() {
  expect_exit 67 nocfg keys check uma@hospital.test
  expect_contains out "uma@hospital.test: not ready: the key $UMA for <uma@hospital.test> is not certified (unknown validity; full or ultimate is required) [E2E-04]"
  expect_contains out "fix: verify the fingerprint with uma@hospital.test out of band, then certify it (peermail keys certify $UMA); to accept only this key for the address, also pin it (peermail keys pin uma@hospital.test $UMA)"
}

# One rule (E2E-04): the key must be certified; GnuPG encrypts to nothing
# else and peermail never overrides it ("always trust"). A pin alone is not
# enough: it names the one key, the certification makes it valid.
test_check_pinned_unknown_validity_67() {
  write_config c.toml signing_key="$ANA" extra="[[peer]]\naddress = \"uma@hospital.test\"\nfingerprint = \"$UMA\""
  expect_exit 67 pm --config c.toml keys check uma@hospital.test
  expect_contains out "uma@hospital.test: not ready: the pinned key $UMA for <uma@hospital.test> is not certified (unknown validity; full or ultimate is required) [E2E-04]"
  expect_contains out "then certify it (peermail keys certify $UMA)"
}

test_check_each_defect_67() {
  expect_exit 67 nocfg keys check old@hospital.test
  expect_contains out "expired on 2020-12-31 [KEY-02]"
  expect_exit 67 nocfg keys check rex@hospital.test
  expect_contains out "key $REX is revoked [KEY-03]"
  expect_exit 67 nocfg keys check wes@hospital.test
  expect_contains out "rsa2048 is below the policy minimum of 3072 bits (policy.min_rsa_bits) [KEY-01]"
  expect_exit 67 nocfg keys check nobody@hospital.test
  expect_contains out "nobody@hospital.test: not ready: no key for <nobody@hospital.test> in the keyring [E2E-01]"
}

test_check_mixed_json() {
  expect_exit 67 nocfg --json keys check sam@hospital.test uma@hospital.test
  /usr/bin/python3 -c '
import json
d = json.load(open("out"))
assert d["ok"] is False
a = d["addresses"]
assert [x["address"] for x in a] == ["sam@hospital.test", "uma@hospital.test"]
assert a[0]["ready"] is True and a[0]["problem"] == "none"
assert a[1]["ready"] is False and a[1]["problem"] == "validity" and a[1]["check_id"] == "E2E-04"
'
}

test_check_pin_mismatch_67() {
  write_config c.toml signing_key="$ANA" extra="[[peer]]\naddress = \"sam@hospital.test\"\nfingerprint = \"$UMA\""
  expect_exit 67 pm --config c.toml keys check sam@hospital.test
  expect_contains out "pinned key $UMA has no user ID for <sam@hospital.test> [E2E-04]"
}

# The one address rule: a bad address is bad input (65) everywhere, with
# the reason.
test_check_bad_address_65() {
  expect_exit 65 nocfg keys check not-an-address
  expect_contains err '"not-an-address" is not a valid email address: it has no @'
  expect_exit 65 nocfg keys check sam@localhost
  expect_contains err 'the domain has no dot'
}

test_list_text_and_json() {
  expect_exit 0 nocfg keys list
  expect_contains out "sec  $ANA"
  expect_contains out "pub  $SAM"
  expect_contains out "uid  full      Sam Lee <sam@hospital.test>"
  expect_contains out "uid  unknown   Uma Roy <uma@hospital.test>"
  expect_contains out "[revoked]"
  expect_exit 0 nocfg --json keys list
  /usr/bin/python3 - "$ANA" "$SAM" <<'PY'
import json, sys
d = json.load(open("out"))
keys = {k["fingerprint"]: k for k in d["keys"]}
ana, sam = keys[sys.argv[1]], keys[sys.argv[2]]
assert ana["secret"] is True and sam["secret"] is False
assert sam["uids"][0]["validity"] == "full" and sam["uids"][0]["email"] == "sam@hospital.test"
assert [s["usage"] for s in sam["subkeys"]] == ["sign,certify", "encrypt"]
assert sam["subkeys"][1]["algo"] == "cv25519"
PY
}

test_import_missing_file_66() {
  expect_exit 66 nocfg keys import nope.asc
}

test_import_no_key_data_65() {
  echo "hello" >junk.txt
  expect_exit 65 nocfg keys import junk.txt
  expect_contains err "junk.txt holds no key: it looks like text without OpenPGP armor or a PEM CERTIFICATE block"
  # Armor that holds no key is still gpg's to judge.
  printf -- '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n' >empty.asc
  expect_exit 65 nocfg keys import empty.asc
  expect_contains err "no OpenPGP key data found"
}

test_import_prints_fingerprints() {
  gpg_home_new
  expect_exit 0 nocfg keys import "$SUITE_DIR/uma.asc"
  expect_contains out "imported $UMA"
  expect_exit 0 nocfg --json keys import "$SUITE_DIR/uma.asc"
  /usr/bin/python3 -c "import json; d=json.load(open('out')); assert d == {'protocol': 'OpenPGP', 'imported': ['$UMA']}, d"
}

test_keys_refuse_noncompliant_config_78() {
  write_config c.toml signing_key="$ANA"
  sed -i 's/^tls = .*/tls = "opportunistic"/' c.toml
  expect_exit 78 pm --config c.toml keys check sam@hospital.test
  expect_contains err '[TLS-01]'
}

# --- keys pin / keys certify (issue 15) ---------------------------------------

test_pin_writes_peer_entry_then_ready() {
  write_config c.toml signing_key="$ANA" extra="# my correspondents\n[[peer]]\naddress = \"sam@hospital.test\"\nfingerprint = \"$SAM\""
  expect_exit 67 pm --config c.toml keys check uma@hospital.test
  expect_exit 0 pm --config c.toml keys pin uma@hospital.test "$UMA"
  expect_contains out "$UMA"
  expect_contains out "uid  unknown   Uma Roy <uma@hospital.test>"
  expect_contains out "pinned uma@hospital.test to $UMA in c.toml"
  # Pinned, not yet certified: readiness says what is left to do.
  expect_contains out "uma@hospital.test: not ready: the pinned key $UMA for <uma@hospital.test> is not certified"
  expect_eq "$(stat -c %a c.toml)" 600 "config mode"
  expect_contains c.toml "# my correspondents"
  expect_eq "$(grep -c '^\[\[peer\]\]' c.toml)" 2 "[[peer]] entries"
  expect_exit 67 pm --config c.toml keys check uma@hospital.test sam@hospital.test
  # Again: nothing changes, no duplicate.
  expect_exit 0 pm --config c.toml keys pin uma@hospital.test "${UMA,,}"
  expect_contains out "already pinned uma@hospital.test"
  expect_eq "$(grep -c '^\[\[peer\]\]' c.toml)" 2 "[[peer]] entries"
  # Certified too: ready, and only this key is accepted for the address.
  gpg_home_copy # certify in a copy: the suite's keyring stays as it was
  gpg --batch --quiet --yes --pinentry-mode loopback --passphrase pw \
    --default-key "$ANA" --quick-lsign-key "$UMA" 2>/dev/null
  expect_exit 0 pm --config c.toml keys check uma@hospital.test sam@hospital.test
  expect_contains out "uma@hospital.test: ready: key $UMA, pinned"
  expect_exit 0 pm --config c.toml check --only E2E-04
}

test_pin_existing_other_key_refused_64_replace_replaces() {
  local other=0123456789ABCDEF0123456789ABCDEF01234567
  write_config c.toml signing_key="$ANA" extra="[[peer]]\naddress = \"uma@hospital.test\"\nfingerprint = \"$other\"\n# note kept\n\n[[peer]]\naddress = \"sam@hospital.test\"\nfingerprint = \"$SAM\""
  cp c.toml before.toml
  expect_exit 64 pm --config c.toml keys pin uma@hospital.test "$UMA"
  expect_contains err "uma@hospital.test is already pinned to $other in c.toml"
  expect_contains err "peermail keys pin --replace uma@hospital.test $UMA"
  cmp -s c.toml before.toml || fail "a refused pin changed the config"
  expect_exit 0 pm --config c.toml --json keys pin --replace uma@hospital.test "$UMA"
  /usr/bin/python3 - "$UMA" "$other" "$SAM" <<'PY'
import json, sys, tomllib
d = json.load(open("out"))
assert d["changed"] is True and d["previous"] == sys.argv[2], d
assert d["readiness"]["ready"] is False and d["readiness"]["pinned"] is True, d
assert d["readiness"]["problem"] == "validity", d
peers = tomllib.load(open("c.toml", "rb"))["peer"]
assert sorted((p["address"], p["fingerprint"]) for p in peers) == sorted(
    [("uma@hospital.test", sys.argv[1]), ("sam@hospital.test", sys.argv[3])]), peers
PY
}

test_pin_refuses_unsafe_targets_nothing_written() {
  write_config c.toml signing_key="$ANA"
  cp c.toml before.toml
  ln -s c.toml link.toml
  expect_exit 77 pm --config "$PWD/link.toml" keys pin uma@hospital.test "$UMA"
  expect_contains err "link.toml is a symbolic link"
  [ -L link.toml ] || fail "the link was replaced"
  chmod 640 c.toml
  expect_exit 77 pm --config c.toml keys pin uma@hospital.test "$UMA"
  expect_contains err "chmod 600"
  chmod 600 c.toml
  # A key ID is not a fingerprint; a key without the address is not pinned.
  expect_exit 64 pm --config c.toml keys pin uma@hospital.test "${UMA: -16}"
  expect_contains err "FPR must be a full fingerprint"
  expect_exit 67 pm --config c.toml keys pin uma@hospital.test "$SAM"
  expect_contains err "not pinned: pinned key $SAM has no user ID for <uma@hospital.test>"
  expect_exit 67 pm --config c.toml keys pin uma@hospital.test "$REX"
  expect_exit 65 pm --config c.toml keys pin 'Uma "x" <uma@hospital.test>, evil@x.test' "$UMA"
  cmp -s c.toml before.toml || fail "a refused pin changed the config"
}

test_certify_makes_key_ready() {
  gpg_home_copy
  gpgconf --kill gpg-agent
  write_config c.toml signing_key="$ANA" extra=""
  sed -i "s|^signing_key = .*|&\npassphrase_command = \"printf pw\"|" c.toml
  expect_exit 67 pm --config c.toml keys check uma@hospital.test
  expect_exit 0 setsid -w "$PEERMAIL_BIN" --config c.toml keys certify "$UMA"
  expect_contains out "pub  $UMA"
  expect_contains out "certified $UMA locally with your key $ANA"
  expect_contains out "uma@hospital.test: ready: key $UMA"
  expect_exit 0 pm --config c.toml keys check uma@hospital.test
  # Certifying again is not an error.
  expect_exit 0 setsid -w "$PEERMAIL_BIN" --config c.toml keys certify "$UMA"
}

test_certify_without_passphrase_or_terminal_77() {
  gpg_home_copy
  gpgconf --kill gpg-agent
  write_config c.toml signing_key="$ANA"
  expect_exit 77 setsid -w "$PEERMAIL_BIN" --config c.toml keys certify "$UMA"
  expect_contains err "needs a passphrase and there is no terminal"
  expect_exit 67 pm --config c.toml keys check uma@hospital.test
  expect_exit 64 pm --config c.toml keys certify "${UMA: -16}"
}
