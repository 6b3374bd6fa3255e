# SPDX-License-Identifier: GPL-3.0-or-later
# Config loading through the real CLI: refusals, exit codes, permissions.

good_config() {
  write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 "$@"
}

test_tls_none_refused_78() {
  good_config
  sed -i 's/^tls = .*/tls = "none"/' c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'c.toml:9:7: account.default.tls = "none" is not compliant'
  expect_contains err '[TLS-01]'
  expect_contains err 'peermail: fix: set tls = "implicit" (port 465) or tls = "starttls" (port 587)'
}

# Issue 15: an unquoted word is named in the user's words; enum words are
# taken in any case, a near miss gets "did you mean".
test_unquoted_and_enum_words_in_the_users_words_78() {
  good_config
  sed -i 's/^tls = .*/tls = implicit/' c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'c.toml:9: strings must be quoted: tls = "implicit"'
  expect_not_contains err 'floating-point'
  sed -i 's/^tls = .*/tls = "STARTTLS"/' c.toml
  expect_exit 0 pm --config c.toml check --only TLS-01
  sed -i 's/^tls = .*/tls = "startls"/' c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'c.toml:9:7: account.default.tls: "startls" is not one of "implicit", "starttls" (did you mean "starttls"?)'
}

test_min_tls_refused_78() {
  good_config
  sed -i 's/^min_tls = .*/min_tls = "1.1"/' c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_contains err '[TLS-02]'
}

test_world_writable_config_77() {
  good_config
  chmod 666 c.toml
  expect_exit 77 pm --config c.toml keys list
  expect_contains err 'lets others write it [AUTH-05]'
  expect_contains err 'peermail: fix: chmod 600'
}

test_config_in_a_directory_others_can_write_77() {
  mkdir -m 700 shared && good_config && mv c.toml shared/c.toml
  chmod 777 shared
  expect_exit 77 pm --config shared/c.toml keys list
  expect_contains err "its directory $PWD/shared (mode 0777) lets others replace it [AUTH-05]"
  expect_contains err "peermail: fix: chmod go-w $PWD/shared"
  # A symlink is judged by the file and directory it names, not the link's own.
  chmod 700 shared && ln -s shared/c.toml link.toml && chmod 777 .
  expect_exit 0 pm --config link.toml keys list
  chmod 755 .
  chmod 777 shared
  expect_exit 77 pm --config link.toml keys list
  expect_contains err "its directory $PWD/shared (mode 0777)"
  chmod 700 shared
}

test_config_that_is_a_fifo_refused_66() {
  mkfifo fifo.toml
  expect_exit 66 pm --config fifo.toml keys list
  expect_contains err 'fifo.toml: not a regular file'
}

# identity.user_id goes into every audit record: bounded, one printable line.
test_user_id_bounded_78() {
  good_config
  long=$(printf 'u%.0s' $(seq 1 129))
  sed -i "s/^user_id = .*/user_id = \"$long\"/" c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'identity.user_id: must be at most 128 bytes without control characters'
  sed -i 's/^user_id = .*/user_id = "ana\\u001b[2J"/' c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'without control characters'
}

test_secret_reference_readable_77() {
  good_config
  chmod 644 c.toml
  expect_exit 77 pm --config c.toml keys list
  expect_contains err 'lets others read a file that holds secret references'
}

test_unknown_key_78() {
  good_config extra='[policy]\nencrypt_to_slef = true'
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'policy.encrypt_to_slef: unknown key (did you mean "encrypt_to_self"?)'
}

test_missing_config_66() {
  expect_exit 66 pm --config nope.toml keys list
  expect_contains err 'nope.toml: cannot open'
}

test_env_config_path() {
  good_config
  sed -i 's/^port = .*/port = 25/' c.toml
  PEERMAIL_CONFIG=$PWD/c.toml expect_exit 78 pm keys list
  expect_contains err 'port = 25 is not compliant'
}

test_usage_error_64() {
  expect_exit 64 pm --no-such-flag
  expect_contains err "peermail: error: '--no-such-flag' is not an option of peermail"
  expect_exit 64 pm
  expect_contains err "peermail: error: no command given"
  expect_contains err "verify"
  # A mistyped command or option: peermail's own reporter, did you mean.
  expect_exit 64 pm sned
  expect_contains err "peermail: error: 'sned' is not a peermail command"
  expect_contains err "peermail: fix: did you mean 'send'?"
  expect_exit 64 pm verify --decrpyt x.eml
  expect_contains err "'--decrpyt' is not an option of peermail verify"
  expect_contains err "did you mean '--decrypt'?"
  expect_exit 64 pm keys lsit
  expect_contains err "'lsit' is not a peermail keys command"
  expect_contains err "did you mean 'list'?"
  # Under --json: one JSON document with an integer exit_code.
  expect_exit 64 pm --json sned
  /usr/bin/python3 -c 'import json; e=json.load(open("out"))["error"]; assert e["exit_code"] == 64 and "send" in e["fix"], e'
}

# identity.from follows the one address rule of send, sendmail and batch.
test_identity_from_follows_the_address_rule_78() {
  good_config from="Ana Ruiz <ana@localhost>"
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'c.toml:2:8: identity.from: "Ana Ruiz <ana@localhost>" is not a valid email address: the domain has no dot'
  expect_contains err 'peermail: fix: write one address like user@example.org or "Name <user@example.org>"'
  good_config from="ana ruiz@clinic.test"
  expect_exit 78 pm --config c.toml keys list
  expect_contains err 'is not a valid email address: the part before @'
  # A U-label domain is accepted: the next refusal is about TLS, not From.
  good_config from="Ana Ruiz <ana@bücher.example>"
  sed -i 's/^tls = .*/tls = "none"/' c.toml
  expect_exit 78 pm --config c.toml keys list
  expect_not_contains err 'identity.from'
  expect_contains err '[TLS-01]'
}
