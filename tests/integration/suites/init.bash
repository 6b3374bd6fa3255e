# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail init`: writes a compliant config, refuses insecure choices, and
# chooses the signing key from the keyring instead of trusting a typed one.

. "$PEERMAIL_SOURCE_DIR/tests/integration/keyring_fixture.bash"

suite_setup() { keyring_fixture_setup; }

PTY="/usr/bin/python3 $PEERMAIL_SOURCE_DIR/tests/integration/pty_run.py"

# in_pty [-a ANSWER]... -- ARGS: run peermail ARGS on a terminal, answering
# its prompts; output (both streams) in ./out, exit code checked by callers.
in_pty() {
  local a=()
  while [ "$1" = -a ]; do
    a+=(-a "$2")
    shift 2
  done
  shift
  $PTY "${a[@]}" -- "$PEERMAIL_BIN" "$@" >out
}

test_writes_0600_config_that_loads() {
  expect_exit 0 pm init -o sub/c.toml --from "Ana <ana@clinic.test>" \
    --signing-key "$ANA" --host smtp.clinic.test \
    --username ana --password-env PM_PW </dev/null
  expect_eq "$(stat -c %a sub/c.toml)" 600 "config mode"
  expect_eq "$(stat -c %a sub)" 700 "directory mode"
  expect_contains sub/c.toml 'port = 465'
  expect_contains sub/c.toml 'password_env = "PM_PW"'
  expect_contains sub/c.toml "signing_key = \"$ANA\""
  # It passes every static item except the BAA attestation it cannot invent.
  expect_exit 1 pm --config sub/c.toml check --only TLS-01,TLS-02,AUTH-04,AUTH-05,CFG-01
  expect_contains out 'fail  CFG-01'
  expect_contains out 'pass  TLS-02'
  expect_contains out 'pass  AUTH-04'
}

test_refuses_overwrite_without_force_73() {
  echo keep >c.toml
  expect_exit 73 pm init -o c.toml --from "Ana <ana@clinic.test>" \
    --signing-key "$ANA" --host h.test --username ana </dev/null
  expect_contains err 'c.toml exists; not replacing it'
  expect_contains err 'pass --force to replace it'
  expect_eq "$(cat c.toml)" keep "file"
  expect_exit 0 pm init --force -o c.toml --from "Ana <ana@clinic.test>" \
    --signing-key "$ANA" --host h.test --username ana </dev/null
}

test_missing_values_non_tty_64() {
  expect_exit 64 pm init -o c.toml --from "Ana <ana@clinic.test>" </dev/null
  expect_contains err 'missing required values: --host, --username'
  [ ! -e c.toml ] || fail "c.toml written"
}

test_insecure_choices_78() {
  expect_exit 78 pm init -o c.toml --port 25 </dev/null
  expect_contains err '[TLS-01]'
  expect_exit 78 pm init -o c.toml --tls none </dev/null
  [ ! -e c.toml ] || fail "c.toml written"
}

test_starttls_defaults_to_587() {
  expect_exit 0 pm init -o c.toml --tls starttls --from "Ana <ana@clinic.test>" \
    --signing-key "$ANA" --host h.test --username ana </dev/null
  expect_contains c.toml 'port = 587'
}

# issue 15: init used to write whatever fingerprint was typed.
test_signing_key_not_in_keyring_67_nothing_written() {
  expect_exit 67 pm init -o c.toml --from "Ana <ana@clinic.test>" \
    --signing-key 0123456789ABCDEF0123456789ABCDEF01234567 --host h.test --username ana </dev/null
  expect_contains err 'peermail: error: --signing-key: signing key 0123456789ABCDEF0123456789ABCDEF01234567 is not in the keyring [SIG-01]'
  [ ! -e c.toml ] || fail "c.toml written"
}

test_signing_key_of_someone_else_67() {
  # Sam's public key is in the keyring, not his secret key.
  expect_exit 67 pm init -o c.toml --from "Ana <ana@clinic.test>" \
    --signing-key "$SAM" --host h.test --username ana </dev/null
  expect_contains err "peermail: error: --signing-key: "
  [ ! -e c.toml ] || fail "c.toml written"
}

test_offers_the_only_usable_secret_key() {
  expect_exit 0 pm init -o c.toml --from "Ana Ruiz <ana@clinic.test>" \
    --host h.test --username ana </dev/null
  expect_contains c.toml "signing_key = \"$ANA\""
  expect_contains err "peermail: signing key $ANA  Ana Ruiz <ana@clinic.test> (the only usable secret key for <ana@clinic.test>)"
}

test_no_secret_key_for_the_address_67() {
  expect_exit 67 pm init -o c.toml --from "Zed <zed@clinic.test>" \
    --host h.test --username zed </dev/null
  expect_contains err 'no usable secret key for <zed@clinic.test> in the keyring [SIG-01]'
  expect_contains err "gpg --quick-gen-key 'zed@clinic.test'"
  [ ! -e c.toml ] || fail "c.toml written"
}

# several_keys: a keyring with two secret keys for multi@clinic.test; sets
# K1 < K2 (the order init lists them in).
several_keys() {
  gpg_home_new
  local a b
  a=$(gpg_gen_key "Multi One" multi@clinic.test)
  b=$(gpg_gen_key "Multi Two" multi@clinic.test)
  if [[ "$a" < "$b" ]]; then K1=$a K2=$b; else K1=$b K2=$a; fi
}

test_several_keys_non_tty_64_lists_them() {
  several_keys
  expect_exit 64 pm init -o c.toml --from "multi@clinic.test" --host h.test --username m </dev/null
  expect_contains err '2 secret keys can sign for <multi@clinic.test>:'
  expect_contains err "  1) $K1"
  expect_contains err "  2) $K2"
  expect_contains err 'pass --signing-key with the fingerprint of the one to use'
  [ ! -e c.toml ] || fail "c.toml written"
}

test_several_keys_tty_asks_again_until_a_number() {
  several_keys
  local rc=0
  in_pty -a 3 -a two -a 2 -- init -o c.toml --from "multi@clinic.test" \
    --host h.test --username m --password-env PM_PW || rc=$?
  expect_eq "$rc" 0 "exit code"
  expect_contains out 'Which one [1-2]: '
  expect_eq "$(grep -c 'answer a number from 1 to 2' out)" 2 "refused answers"
  expect_contains c.toml "signing_key = \"$K2\""
}

test_tty_blank_answer_is_asked_again_not_no_terminal() {
  local rc=0
  in_pty -a "" -a "Ana Ruiz <ana@clinic.test>" -a "smtp.clinic.test" -a "ana" -a "" \
    -- init -o c.toml || rc=$?
  expect_eq "$rc" 0 "exit code"
  expect_contains out 'an answer is needed here (Ctrl-D stops)'
  expect_not_contains out 'no terminal to ask on'
  expect_contains c.toml "signing_key = \"$ANA\""
  expect_contains c.toml 'host = "smtp.clinic.test"'
}

test_tty_bad_address_asked_again_then_ctrl_d_64() {
  local rc=0
  in_pty -a "ana@" -- init -o c.toml || rc=$?
  expect_eq "$rc" 64 "exit code"
  expect_contains out 'peermail: error: --from'
  expect_contains out 'no answer for --from (end of input)'
  [ ! -e c.toml ] || fail "c.toml written"
}

# --- issue 18: init --from-msmtprc ------------------------------------------

test_from_msmtprc_secure_account_carried_over() {
  cat >m.rc <<'RC'
defaults
tls on
tls_trust_file /etc/ssl/certs/ca-certificates.crt

account personal
host mail.example.org
user me

account work
host smtp.clinic.test
port 587
tls_starttls on
from ana@clinic.test
user ana.ruiz
passwordeval "pass show smtp/clinic"

account default : work
RC
  expect_exit 0 pm init --from-msmtprc m.rc -o c.toml </dev/null
  expect_contains err 'from msmtp account work (m.rc:9)'
  expect_not_contains err 'warning'
  expect_contains c.toml 'host = "smtp.clinic.test"'
  expect_contains c.toml 'port = 587'
  expect_contains c.toml 'tls = "starttls"'
  expect_contains c.toml 'username = "ana.ruiz"'
  expect_contains c.toml 'password_command = "pass show smtp/clinic"'
  expect_contains c.toml 'ca_file = "/etc/ssl/certs/ca-certificates.crt"'
  expect_contains c.toml "signing_key = \"$ANA\""
  # --account picks another; options given win over the file.
  expect_exit 0 pm init --from-msmtprc m.rc --account personal --from "Ana <ana@clinic.test>" \
    --password-env PM_PW -o d.toml </dev/null
  expect_contains d.toml 'host = "mail.example.org"'
  expect_contains d.toml 'password_env = "PM_PW"'
  expect_not_contains d.toml 'password_command'
}

test_from_msmtprc_insecure_settings_changed_and_said() {
  cat >m.rc <<'RC'
account cron
host relay.clinic.test
port 25
tls off
tls_certcheck off
auth on
user cron
password Hunter2-in-the-file
from ana@clinic.test
account default : cron
RC
  expect_exit 0 pm init --from-msmtprc m.rc -o c.toml </dev/null
  expect_contains err 'm.rc:4: tls off: peermail sends over TLS only; using STARTTLS on port 587 [TLS-01]'
  expect_contains err 'm.rc:3: port 25 is for relaying, not submission; using 587 [TLS-01]'
  expect_contains err 'm.rc:5: certificate checks off: peermail always verifies'
  expect_contains err 'm.rc:8: a password written in the file is not carried over'
  expect_contains c.toml 'port = 587'
  expect_contains c.toml 'tls = "starttls"'
  expect_not_contains c.toml 'Hunter2'
  expect_not_contains err 'Hunter2'
  expect_not_contains c.toml 'certcheck'
}

test_from_msmtprc_unknown_account_or_file() {
  printf 'account a\nhost h.test\n' >m.rc
  expect_exit 78 pm init --from-msmtprc m.rc --account nope -o c.toml </dev/null
  expect_contains err 'm.rc: no account nope'
  expect_exit 66 pm init --from-msmtprc missing.rc -o c.toml </dev/null
  printf 'account a\nport 465\n' >n.rc
  expect_exit 78 pm init --from-msmtprc n.rc -o c.toml </dev/null
  expect_contains err 'n.rc:1: account a has no host'
  [ ! -e c.toml ] || fail "c.toml written"
}
