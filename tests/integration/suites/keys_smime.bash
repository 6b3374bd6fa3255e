# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail keys import | list | pin --smime` with X.509: PEM, DER and
# PKCS #12 (tests/fixtures/smime/README.md) into a real gpgsm keybox and
# gpg-agent. Each test has its own GnuPG home.

suite_probe() {
  probe_gpg || return 1
  need_cmd gpgsm || return 1
  need_cmd openssl || return 1
}

fx() { echo "$PEERMAIL_SOURCE_DIR/tests/fixtures/smime/$1"; }
nocfg() { XDG_CONFIG_HOME=$PWD/none PEERMAIL_CONFIG="" pm "$@"; }
# The SHA-1 fingerprint of a PEM or DER certificate, as gpgsm names it.
sha1_of() { openssl x509 -in "$1" -inform "$2" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }
secret_count() { gpgsm --list-secret-keys --with-colons 2>/dev/null | grep -c '^crs:' || true; }
cert_count() { gpgsm --list-keys --with-colons 2>/dev/null | grep -c '^crt:' || true; }

test_import_p12_passphrase_command() {
  gpg_home_new
  local sam
  sam=$(sha1_of "$(fx import-sam.der)" DER)
  expect_exit 0 nocfg keys import --passphrase-command "echo import-test" "$(fx import-chain.p12)"
  expect_contains out "imported $sam (PKCS #12)"
  expect_contains out "subject  CN=Sam Lee"
  expect_contains out "address  sam@import.test"
  expect_contains out "secret   yes (in gpg-agent)"
  expect_contains out "subject  CN=Import Test CA"
  expect_contains err "$sam: to sign and decrypt S/MIME as sam@import.test, set [identity] smime_cert = \"$sam\" in the config"
  expect_contains err "a CA certificate: S/MIME trusts it only as a root in the [smime] anchors bundle"
  expect_eq "$(secret_count)" 1 "secret keys in gpgsm"
  expect_eq "$(cert_count)" 2 "certificates in gpgsm"
  # The key is protected in gpg-agent (with the .p12's passphrase), not clear.
  local grip
  grip=$(gpgsm --list-secret-keys --with-colons | awk -F: '/^grp:/ {print $10; exit}')
  gpg-connect-agent "KEYINFO $grip" /bye | grep -q " P " || fail "imported key is not protected"
}

test_import_p12_on_terminal() {
  gpg_home_new
  expect_exit 0 /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/pty_run.py" \
    -a import-test -- env XDG_CONFIG_HOME="$PWD/none" PEERMAIL_CONFIG= "$PEERMAIL_BIN" \
    keys import "$(fx import-chain.p12)"
  expect_contains out "Passphrase of $(fx import-chain.p12) (not shown): "
  expect_not_contains out "import-test" # never echoed
  expect_contains out "secret   yes (in gpg-agent)"
  expect_eq "$(secret_count)" 1 "secret keys in gpgsm"
}

test_import_p12_wrong_passphrase_77_nothing_imported() {
  gpg_home_new
  expect_exit 77 nocfg keys import --passphrase-command "echo wrong" "$(fx import-chain.p12)"
  expect_contains err "the passphrase does not open the PKCS #12 file"
  expect_contains err "nothing was imported"
  expect_not_contains err "wrong"
  expect_eq "$(secret_count)" 0 "secret keys in gpgsm"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
  # Typed wrong on the terminal: the same.
  expect_exit 77 /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/pty_run.py" \
    -a nope -- env XDG_CONFIG_HOME="$PWD/none" PEERMAIL_CONFIG= "$PEERMAIL_BIN" \
    keys import "$(fx import-chain.p12)"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

test_import_p12_ctrl_c_at_prompt_75() {
  gpg_home_new
  expect_exit 75 /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/pty_run.py" \
    -a $'\x03' -- env XDG_CONFIG_HOME="$PWD/none" PEERMAIL_CONFIG= "$PEERMAIL_BIN" \
    keys import "$(fx import-chain.p12)"
  expect_contains out "interrupted at the passphrase prompt; nothing was imported"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

test_import_p12_without_terminal_64() {
  gpg_home_new
  expect_exit 64 env XDG_CONFIG_HOME="$PWD/none" PEERMAIL_CONFIG= setsid "$PEERMAIL_BIN" \
    keys import "$(fx import-chain.p12)" </dev/null
  expect_contains err "is a PKCS #12 file and needs its passphrase, but there is no terminal to ask on"
  expect_contains err "--passphrase-command"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

test_import_passphrase_command_fails_77() {
  gpg_home_new
  expect_exit 77 nocfg keys import --passphrase-command "exit 3" "$(fx import-chain.p12)"
  expect_contains err "--passphrase-command"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

test_import_pem_chain_with_garbage() {
  gpg_home_new
  expect_exit 0 nocfg keys import "$(fx import-chain.pem)"
  expect_contains out "(PEM certificates)"
  expect_contains out "secret   no"
  expect_contains err "verify the fingerprint with sam@import.test out of band, then pin it: peermail keys pin --smime sam@import.test $(sha1_of "$(fx import-sam.der)" DER)"
  expect_eq "$(cert_count)" 2 "certificates in gpgsm"
}

test_import_der_and_json() {
  gpg_home_new
  expect_exit 0 nocfg --json keys import "$(fx import-sam.der)"
  /usr/bin/python3 - "$(sha1_of "$(fx import-sam.der)" DER)" <<'PY'
import json, sys
d = json.load(open("out"))
assert d["protocol"] == "S/MIME" and d["kind"] == "DER certificate", d
assert d["imported"] == [sys.argv[1]], d
c = d["certificates"][0]
assert c["protocol"] == "S/MIME" and c["addresses"] == ["sam@import.test"] and c["secret"] is False
assert len(c["sha256"]) == 64 and c["subject"] == "CN=Sam Lee"
PY
  expect_eq "$(cert_count)" 1 "certificates in gpgsm"
}

test_import_garbage_65() {
  gpg_home_new
  printf 'Dear Sam,\nhere is my key\n' >note.txt
  expect_exit 65 nocfg keys import note.txt
  expect_contains err "note.txt holds no key: it looks like text without OpenPGP armor or a PEM CERTIFICATE block"
  head -c 100 "$(fx import-sam.der)" >cut.der
  expect_exit 65 nocfg keys import cut.der
  expect_contains err "it looks like DER (ASN.1) data that is neither an X.509 certificate nor PKCS #12"
  # A file named .p12 that is text is text.
  cp note.txt fake.p12
  expect_exit 65 nocfg keys import fake.p12
  expect_contains err "it looks like text"
  # A damaged PEM block.
  sed '5d' "$(fx import-chain.pem)" >bad.pem
  expect_exit 65 nocfg keys import bad.pem
  expect_contains err "a PEM CERTIFICATE block does not parse"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

test_import_too_large_65() {
  gpg_home_new
  head -c $((16 * 1024 * 1024 + 1)) /dev/zero >big.p12
  expect_exit 65 nocfg keys import big.p12
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

# A hostile .p12 names a huge iteration count to hold keys import: refused
# before the key derivation runs (pkcs12_cost.cpp; the unit tests cover the
# MAC, the encrypted contents and the key bag one by one).
test_import_p12_with_too_many_iterations_65() {
  gpg_home_new
  openssl pkcs12 -in "$(fx import-chain.p12)" -passin pass:import-test -nodes -out both.pem
  openssl pkcs12 -export -in both.pem -passout pass:import-test -iter 1000001 -out slow.p12
  expect_exit 65 nocfg keys import --passphrase-command "echo import-test" slow.p12
  expect_contains err "asks for 1000001 key-derivation iterations; peermail takes at most 1000000"
  expect_contains err "export the key again with the mail program's default settings"
  expect_eq "$(cert_count)" 0 "certificates in gpgsm"
}

test_import_openpgp_still_works() {
  gpg_home_new
  local fpr
  fpr=$(gpg_gen_key "Uma Roy" uma@hospital.test)
  gpg --batch --armor --export "$fpr" >uma.asc
  gpg_home_new
  expect_exit 0 nocfg --json keys import uma.asc
  /usr/bin/python3 -c "
import json; d = json.load(open('out'))
assert d == {'protocol': 'OpenPGP', 'imported': ['$fpr']}, d"
}

test_list_shows_certificates() {
  gpg_home_new
  nocfg keys import --passphrase-command "echo import-test" "$(fx import-chain.p12)" >/dev/null 2>&1
  local sam
  sam=$(sha1_of "$(fx import-sam.der)" DER)
  expect_exit 0 nocfg keys list
  expect_contains out "sec  $sam  protocol: S/MIME"
  expect_contains out "[CA]"
  expect_exit 0 nocfg --json keys list
  /usr/bin/python3 - "$sam" <<'PY'
import json, sys
d = json.load(open("out"))
x = [k for k in d["keys"] if k["protocol"] == "S/MIME"]
assert len(x) == 2, d
sam = [k for k in x if k["fingerprint"] == sys.argv[1]][0]
assert sam["secret"] is True and sam["addresses"] == ["sam@import.test"] and sam["ca"] is False
assert sam["usage_problem"] == "" and sam["weak_key"] == ""
assert all(k["protocol"] in ("OpenPGP", "S/MIME") for k in d["keys"])
PY
}

test_pin_smime() {
  gpg_home_new
  nocfg keys import "$(fx import-chain.pem)" >/dev/null 2>&1
  local sam sha256
  sam=$(sha1_of "$(fx import-sam.der)" DER)
  sha256=$(openssl x509 -in "$(fx import-sam.der)" -inform DER -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
  write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567
  expect_exit 0 pm --config c.toml keys pin --smime sam@import.test "$sam"
  expect_contains out "pinned sam@import.test to the S/MIME certificate $sam in c.toml"
  expect_contains c.toml "protocol = \"smime\""
  expect_exit 0 pm --config c.toml keys pin --smime sam@import.test "$sam"
  expect_contains out "already pinned"
  # By SHA-256 is another fingerprint: the existing pin stands unless --replace.
  expect_exit 64 pm --config c.toml keys pin --smime sam@import.test "$sha256"
  expect_contains err "sam@import.test is already pinned to $sam in c.toml"
  expect_exit 0 pm --config c.toml --json keys pin --smime --replace sam@import.test "$sha256"
  expect_eq "$(grep -c '^\[\[peer\]\]' c.toml)" 1 "peer entries"
}

test_pin_smime_refusals() {
  gpg_home_new
  nocfg keys import "$(fx import-chain.pem)" >/dev/null 2>&1
  local sam
  sam=$(sha1_of "$(fx import-sam.der)" DER)
  write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 \
    extra="[[peer]]\naddress = \"sam@import.test\"\nfingerprint = \"0123456789ABCDEF0123456789ABCDEF01234567\""
  # An OpenPGP pin for the address is another pin.
  expect_exit 64 pm --config c.toml keys pin --smime sam@import.test "$sam"
  expect_contains err "is already pinned to 0123456789ABCDEF0123456789ABCDEF01234567 (an OpenPGP key) in c.toml"
  expect_contains err "keys pin --replace --smime sam@import.test $sam"
  # The certificate must carry the address.
  expect_exit 67 pm --config c.toml keys pin --smime ana@clinic.test "$sam"
  expect_contains err "the certificate $sam does not carry ana@clinic.test (it names: sam@import.test)"
  # And be in the keybox.
  expect_exit 67 pm --config c.toml keys pin --smime sam@import.test 89ABCDEF0123456789ABCDEF0123456789ABCDEF
  expect_contains err "no certificate 89ABCDEF0123456789ABCDEF0123456789ABCDEF in gpgsm's keybox"
  expect_contains err "peermail keys import FILE"
  expect_not_contains c.toml 'protocol = "smime"'
}

# One of Thunderbird's NSS-made .p12 files (PBES2/AES, password "nss"), when
# the corpus is present.
test_import_thunderbird_p12() {
  local p12="$PEERMAIL_SOURCE_DIR/../shared/corpora/thunderbird-smime/Bob.p12"
  if [ ! -f "$p12" ]; then
    echo "skipped: corpus absent"
    return 0
  fi
  gpg_home_new
  expect_exit 0 nocfg keys import --passphrase-command "echo nss" "$p12"
  expect_contains out "secret   yes (in gpg-agent)"
  expect_eq "$(secret_count)" 1 "secret keys in gpgsm"
}

# examples/config/smime-peer.toml loads as shipped (with the test machine's
# overrides for dates and paths as examples.bash does), and its S/MIME peer
# is no OpenPGP pin.
test_example_config_loads() {
  gpg_home_new
  sed -e "s|~/.local/state/peermail/audit.jsonl|$PWD/audit.jsonl|" \
    -e "s|~/.config/peermail/smime-anchors.pem|$(fx ca.pem)|" \
    -e "s|expires = 2027-06-30|expires = 2099-12-31|" \
    -e "s|date = 2026-03-01|date = $(date -u +%Y-%m-%d)|g" \
    "$PEERMAIL_SOURCE_DIR/examples/config/smime-peer.toml" >c.toml
  chmod 600 c.toml
  expect_exit 0 pm --config c.toml --json keys list
  # Its S/MIME peer's certificate is judged (not in this keybox: not ready).
  expect_exit 67 pm --config c.toml keys check results@lab.example
  expect_contains out "results@lab.example: not ready: "
}

# keys check judges an S/MIME peer's pinned certificate as send does
# (crypto/cert_judge.cpp): not ready until it chains to [smime] anchors.
test_check_smime_peer_judged_like_send() {
  gpg_home_new
  nocfg keys import "$(fx import-chain.pem)" >/dev/null 2>&1
  local sam
  sam=$(sha1_of "$(fx import-sam.der)" DER)
  write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567
  expect_exit 0 pm --config c.toml keys pin --smime sam@import.test "$sam"
  # No anchors: not ready, 67, the reason and fix name [smime] anchors.
  expect_exit 67 pm --config c.toml --json keys check sam@import.test
  expect_eq "$(/usr/bin/python3 -c 'import json; a=json.load(open("out"))["addresses"][0]; print(a["ready"], a["protocol"], a["fingerprint"])')" "False S/MIME $sam" "not ready without anchors"
  expect_contains out "anchors"
  # The CA as the anchor (the second PEM block of the chain file).
  awk '/BEGIN CERT/{n++} n==2' "$(fx import-chain.pem)" >ca.pem
  printf '\n[smime]\nanchors = "%s"\nrevocation = "offline"\n' "$PWD/ca.pem" >>c.toml
  expect_exit 0 pm --config c.toml keys check sam@import.test
  expect_contains out "sam@import.test: ready: S/MIME certificate $sam, pinned"
  # The same certificate for another address is refused.
  expect_exit 0 pm --config c.toml keys pin --smime --replace sam@import.test "$sam"
  sed -i 's/address = "sam@import.test"/address = "kim@import.test"/' c.toml
  expect_exit 67 pm --config c.toml keys check kim@import.test
  expect_contains out "kim@import.test: not ready:"
}
