# SPDX-License-Identifier: GPL-3.0-or-later
# The README's first command works: scripts/quickstart runs its whole demo
# (keys, local TLS server, check, send, verify --decrypt, audit verify) with
# the binary under test, and every step it promises is printed.

suite_probe() { probe_gpg && probe_smtp; }

test_quickstart_demo_succeeds() {
  expect_exit 0 "$PEERMAIL_SOURCE_DIR/scripts/quickstart" --demo-only
  expect_contains out "peermail --config ana/config.toml --gnupg-home"
  expect_contains out " 0 fail, "
  expect_contains out "check: no FAIL."
  expect_contains out "sent "
  expect_contains out "| Subject: [...]"
  expect_contains out "only ciphertext: neither the subject nor the body appears in the spool."
  expect_contains out "| verdict: valid"
  expect_contains out "| Subject: Referral for patient J.D. (demo)"
  expect_contains out "chain intact"
  expect_contains out "== 11. Done"
  # The workspace, the server and the gpg-agents are gone.
  local ws
  ws=$(sed -n 's/^== 1\. A throwaway workspace: //p' out)
  [ -n "$ws" ] || fail "no workspace line in the output"
  [ ! -e "$ws" ] || fail "workspace $ws was not removed"
  if pgrep -f "smtp_sink.py.*$ws" >/dev/null; then fail "the demo SMTP server is still running"; fi
  expect_not_contains out "demo-smtp-password"
  expect_not_contains out "demo-passphrase-ana"
}

# Issue 15: --keep keeps a working setup: the workspace and both GnuPG homes,
# with commands that work on them (the server and the agents are stopped).
test_quickstart_keep_keeps_a_working_setup() {
  expect_exit 0 "$PEERMAIL_SOURCE_DIR/scripts/quickstart" --demo-only --keep
  local ws sam
  ws=$(sed -n 's/^quickstart: workspace kept in \([^ ]*\).*/\1/p' out)
  sam=$(sed -n 's/^quickstart: GnuPG homes kept: Ana [^,]*, Sam \([^;]*\);.*/\1/p' out)
  [ -d "$ws" ] && [ -d "$sam" ] || fail "workspace '$ws' or Sam's home '$sam' not kept"
  local cmd
  cmd=$(sed -n 's/^  peermail --gnupg-home [^ ]* verify --decrypt \(.*\)$/\1/p' out)
  (cd "$ws" && "$PEERMAIL_BIN" --gnupg-home "$sam" verify --decrypt "$cmd" >plain 2>report) \
    || fail "the printed verify command does not work on the kept setup"
  expect_contains "$ws/report" "verdict: valid"
  GNUPGHOME=$sam gpgconf --kill all 2>/dev/null || true
  eval "$(sed -n 's/^quickstart: remove it all with: //p' out)"
  [ ! -e "$ws" ] || fail "the printed cleanup did not remove $ws"
}

test_quickstart_fails_when_a_step_fails() {
  # A binary that fails every command: the demo must stop with a clear error.
  printf '#!/bin/sh\nexit 70\n' >peermail
  chmod +x peermail
  PEERMAIL_BIN=$PWD/peermail expect_exit 1 "$PEERMAIL_SOURCE_DIR/scripts/quickstart" --demo-only
  expect_contains err "quickstart: FAILED: "
  local ws
  ws=$(sed -n 's/^== 1\. A throwaway workspace: //p' out)
  [ -n "$ws" ] || fail "no workspace line in the output"
  [ ! -e "$ws" ] || fail "workspace $ws not cleaned up after a failure"
}

test_quickstart_rejects_unknown_option() {
  expect_exit 64 "$PEERMAIL_SOURCE_DIR/scripts/quickstart" --bogus
  expect_contains err "unknown option --bogus"
  expect_exit 0 "$PEERMAIL_SOURCE_DIR/scripts/quickstart" --help
  expect_contains out "--demo-only"
}
