# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail init`: writes a compliant config, refuses insecure choices.


test_writes_0600_config_that_loads() {
  expect_exit 0 pm init -o sub/c.toml --from "Ana <ana@clinic.test>" \
    --signing-key 0123456789ABCDEF0123456789ABCDEF01234567 --host smtp.clinic.test \
    --username ana --password-env PM_PW </dev/null
  expect_eq "$(stat -c %a sub/c.toml)" 600 "config mode"
  expect_eq "$(stat -c %a sub)" 700 "directory mode"
  expect_contains sub/c.toml 'port = 465'
  expect_contains sub/c.toml 'password_env = "PM_PW"'
  # It passes every static item except the BAA attestation it cannot invent.
  expect_exit 1 pm --config sub/c.toml check --only TLS-01,TLS-02,AUTH-04,AUTH-05,CFG-01
  expect_contains out 'fail  CFG-01'
  expect_contains out 'pass  TLS-02'
  expect_contains out 'pass  AUTH-04'
}

test_refuses_overwrite_without_force_73() {
  echo keep >c.toml
  expect_exit 73 pm init -o c.toml --from "Ana <ana@clinic.test>" \
    --signing-key 0123456789ABCDEF0123456789ABCDEF01234567 --host h.test --username ana </dev/null
  expect_contains err 'c.toml exists; not replacing it'
  expect_contains err 'pass --force to replace it'
  expect_eq "$(cat c.toml)" keep "file"
  expect_exit 0 pm init --force -o c.toml --from "Ana <ana@clinic.test>" \
    --signing-key 0123456789ABCDEF0123456789ABCDEF01234567 --host h.test --username ana </dev/null
}

test_missing_values_non_tty_64() {
  expect_exit 64 pm init -o c.toml --from "Ana <ana@clinic.test>" </dev/null
  expect_contains err 'missing required values: --signing-key, --host, --username'
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
    --signing-key 0123456789ABCDEF0123456789ABCDEF01234567 --host h.test --username ana </dev/null
  expect_contains c.toml 'port = 587'
}
