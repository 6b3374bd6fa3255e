# SPDX-License-Identifier: GPL-3.0-or-later
# Every file in examples/ runs here against the local TLS server and real gpg,
# so none can rot: the provider configs check clean and send, the cron job and
# the mutt/neomutt setting deliver encrypted mail, the batch files go out, and
# the CI gate passes a good config and fails a bad one.
#
# The example configs are used as shipped except for what must differ on a
# test machine: the fingerprints (fresh keys), the secret reference (an
# environment variable), attestation dates, and host/port/CA/audit path, which
# come from the documented PEERMAIL_* environment overrides.

. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

EX=$PEERMAIL_SOURCE_DIR/examples
PW=ex4mple-smtp-pw
PASS=ex4mple-key-pass

suite_probe() { probe_gpg && probe_smtp; }

_own_key() { # NAME EMAIL: a passphrase-protected key (KEY-05) in $GNUPGHOME
  local fpr
  gpg --batch --quiet --pinentry-mode loopback --passphrase "$PASS" \
    --quick-gen-key "$1 <$2>" ed25519 sign,cert 1y 2>/dev/null
  fpr=$(gpg --with-colons --list-keys "=$1 <$2>" 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}')
  gpg --batch --quiet --pinentry-mode loopback --passphrase "$PASS" \
    --quick-add-key "$fpr" cv25519 encr 1y 2>/dev/null
  echo "$fpr"
}

_certify() { # HOME SIGNER TARGET
  gpg --homedir "$1" --batch --quiet --yes --pinentry-mode loopback --passphrase "$PASS" \
    --default-key "$2" --quick-lsign-key "$3" >/dev/null 2>&1
}

suite_setup() {
  make_test_ca "$SUITE_DIR/ca"
  local ana sam kim ana_home sam_home
  gpg_home_new
  ana_home=$GNUPGHOME
  ana=$(_own_key "Ana Ruiz" ana.ruiz@clinic.example)
  gpg_home_new
  sam_home=$GNUPGHOME
  sam=$(_own_key "Sam Lee" sam.lee@hospital.example)
  kim=$(_own_key "Kim Park" kim.park@hospital.example)
  gpg --homedir "$sam_home" --batch --armor --export "$sam" "$kim" >"$SUITE_DIR/sam.asc" 2>/dev/null
  gpg --homedir "$ana_home" --batch --armor --export "$ana" >"$SUITE_DIR/ana.asc" 2>/dev/null
  gpg --homedir "$ana_home" --batch --quiet --import "$SUITE_DIR/sam.asc" 2>/dev/null
  gpg --homedir "$sam_home" --batch --quiet --import "$SUITE_DIR/ana.asc" 2>/dev/null
  _certify "$ana_home" "$ana" "$sam"
  _certify "$ana_home" "$ana" "$kim"
  _certify "$sam_home" "$sam" "$ana"
  cat >"$SUITE_DIR/env.sh" <<ENV
export TEST_CA=$SUITE_DIR/ca
ANA_HOME=$ana_home SAM_HOME=$sam_home ANA=$ana SAM=$sam KIM=$kim
ENV
}

# unlock HOME FPR: cache the key's passphrase in that agent, as pinentry would.
unlock() {
  echo x | gpg --homedir "$1" --batch --quiet --pinentry-mode loopback --passphrase "$PASS" \
    --local-user "$2" --sign >/dev/null 2>&1
}

# example_config SRC DEST SIGNER PEER: the shipped example with test keys.
example_config() {
  local today
  today=$(date -u +%Y-%m-%d)
  sed -e "s/^signing_key = \"[0-9A-F]*\"/signing_key = \"$3\"/" \
    -e "s/^fingerprint = \"[0-9A-F]*\"/fingerprint = \"$4\"/" \
    -e 's/^password_command = .*/password_env = "PM_TEST_PASSWORD"/' \
    -e 's/^password_env = .*/password_env = "PM_TEST_PASSWORD"/' \
    -e 's/expires = [0-9-]*/expires = 2099-12-31/' \
    -e "s/date = [0-9-]*/date = $today/" \
    "$EX/config/$1" >"$2"
  chmod 600 "$2"
  grep -q "^signing_key = \"$3\"" "$2" || fail "could not set signing_key in $2"
}

# Point the config at the running test server through the documented overrides.
use_server() {
  mkdir -p -m 700 state
  export PEERMAIL_HOST=localhost PEERMAIL_PORT=$SMTP_PORT PEERMAIL_CA_FILE=$TEST_CA/ca.pem
  export PEERMAIL_AUDIT_PATH=$PWD/state/audit.jsonl PM_TEST_PASSWORD=$PW
}

# sam_reads MSG TEXT: Sam's verify --decrypt says valid and shows TEXT.
sam_reads() {
  expect_exit 0 pm --gnupg-home "$SAM_HOME" verify --decrypt -o read.eml "$1"
  expect_contains out "verdict: valid"
  expect_contains read.eml "$2"
}

protected_on_server() { # MSG TEXT: only ciphertext and "[...]" on the server
  grep -q '^Subject: \[\.\.\.\]' "$1" || fail "outer Subject of $1 is not [...]"
  expect_contains "$1" "multipart/encrypted"
  expect_not_contains "$1" "$2"
}

test_implicit_tls_example_checks_clean_and_sends() {
  start_smtp smtps --user aruiz --password "$PW"
  example_config implicit-tls.toml c.toml "$ANA" "$SAM"
  use_server
  expect_exit 0 pm --config c.toml --gnupg-home "$ANA_HOME" check
  expect_contains out " 0 fail, "
  unlock "$ANA_HOME" "$ANA"
  echo "Referral: see the attached labs." >note.txt
  expect_exit 0 pm --config c.toml --gnupg-home "$ANA_HOME" send \
    --to sam.lee@hospital.example --subject "Referral J.D." --body-file note.txt
  expect_eq "$(spool_count)" 1 "messages delivered"
  expect_clear_ok
  protected_on_server "$SMTP_SPOOL/msg-1.eml" "Referral J.D."
  sam_reads "$SMTP_SPOOL/msg-1.eml" "Subject: Referral J.D."
  expect_exit 0 pm --config c.toml audit verify
}

test_starttls_example_checks_clean_and_sends() {
  start_smtp starttls --user slee@hospital.example --password "$PW"
  example_config starttls.toml c.toml "$SAM" "$ANA"
  use_server
  expect_exit 0 pm --config c.toml --gnupg-home "$SAM_HOME" check
  expect_contains out " 0 fail, "
  expect_contains out 'min_tls = "1.3"'
  unlock "$SAM_HOME" "$SAM"
  echo "Thanks, reviewed." | pm --config c.toml --gnupg-home "$SAM_HOME" send \
    --to ana.ruiz@clinic.example --subject "Re: Referral"
  expect_eq "$(spool_count)" 1 "messages delivered"
  expect_clear_ok
  grep -q '^C plain STARTTLS' "$SMTP_SPOOL/transcript.log" || fail "STARTTLS was not used"
  expect_exit 0 pm --gnupg-home "$ANA_HOME" verify --decrypt -o read.eml "$SMTP_SPOOL/msg-1.eml"
  expect_contains out "verdict: valid"
  expect_contains read.eml "Thanks, reviewed."
}

test_example_configs_say_0600_and_are_refused_otherwise() {
  local f
  for f in implicit-tls.toml starttls.toml; do
    expect_contains "$EX/config/$f" "-m 0600"
    example_config "$f" c.toml "$ANA" "$SAM"
    chmod 644 c.toml
    # Every command that uses the config refuses it; check reports AUTH-05.
    expect_exit 77 pm --config c.toml --gnupg-home "$ANA_HOME" keys list
    expect_contains err "c.toml"
    expect_exit 1 pm --config c.toml --gnupg-home "$ANA_HOME" check --only AUTH-05
    expect_contains out "fail  AUTH-05"
  done
}

test_cron_job_sends_with_sendmail_t() {
  start_smtp smtps --user aruiz --password "$PW"
  example_config implicit-tls.toml c.toml "$ANA" "$SAM"
  use_server
  unlock "$ANA_HOME" "$ANA"
  grep -q 'sendmail -t' "$EX/cron/oncall-report" || fail "the cron example does not use sendmail -t"
  PEERMAIL=$PEERMAIL_BIN PEERMAIL_CONFIG=$PWD/c.toml GNUPGHOME=$ANA_HOME \
    REPORT_TO=sam.lee@hospital.example expect_exit 0 sh "$EX/cron/oncall-report"
  expect_eq "$(spool_count)" 1 "messages delivered"
  protected_on_server "$SMTP_SPOOL/msg-1.eml" "On-call roster"
  sam_reads "$SMTP_SPOOL/msg-1.eml" "On call today: Dr. Kim Park"
  # An unverified recipient: nothing is sent, the job fails (cron mails it).
  PEERMAIL=$PEERMAIL_BIN PEERMAIL_CONFIG=$PWD/c.toml GNUPGHOME=$ANA_HOME \
    REPORT_TO=stranger@hospital.example expect_exit 67 sh "$EX/cron/oncall-report"
  expect_eq "$(spool_count)" 1 "messages delivered"
}

test_neomutt_sendmail_setting_delivers_encrypted() {
  start_smtp smtps --user aruiz --password "$PW"
  example_config implicit-tls.toml c.toml "$ANA" "$SAM"
  use_server
  unlock "$ANA_HOME" "$ANA"
  local cmd
  cmd=$(sed -n 's/^set sendmail = "\(.*\)"/\1/p' "$EX/mua/neomuttrc")
  [ -n "$cmd" ] || fail "no 'set sendmail' in examples/mua/neomuttrc"
  cat >m.eml <<'EML'
From: Ana Ruiz <ana.ruiz@clinic.example>
To: Sam Lee <sam.lee@hospital.example>
Subject: From neomutt
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Written in neomutt, sent by peermail.
EML
  # Exactly as mutt runs it: the command, "--", then the recipients.
  # shellcheck disable=SC2086
  PATH=$(dirname "$PEERMAIL_BIN"):$PATH PEERMAIL_CONFIG=$PWD/c.toml GNUPGHOME=$ANA_HOME \
    expect_exit 0 $cmd -- sam.lee@hospital.example <m.eml
  expect_eq "$(spool_count)" 1 "messages delivered"
  protected_on_server "$SMTP_SPOOL/msg-1.eml" "From neomutt"
  sam_reads "$SMTP_SPOOL/msg-1.eml" "Written in neomutt, sent by peermail."
}

test_batch_example_sends_each_once() {
  start_smtp smtps --user aruiz --password "$PW"
  example_config implicit-tls.toml c.toml "$ANA" "$SAM"
  use_server
  unlock "$ANA_HOME" "$ANA"
  cp "$EX/batch/people.csv" "$EX/batch/notice.eml" .
  expect_exit 0 pm --config c.toml --gnupg-home "$ANA_HOME" batch \
    --recipients people.csv --template notice.eml --workers 1
  expect_eq "$(spool_count)" 2 "messages delivered"
  local m sam_msg=""
  for m in "$SMTP_SPOOL"/msg-*.eml; do
    protected_on_server "$m" "peer-support session"
    grep -q '^To:.*sam.lee@hospital.example' "$m" && sam_msg=$m
  done
  [ -n "$sam_msg" ] || fail "no message to sam.lee@hospital.example"
  sam_reads "$sam_msg" "your peer-support session is on Tuesday, 3 March in Room 2."
  # The same command again resumes from the journal: nobody gets a second copy.
  expect_exit 0 pm --config c.toml --gnupg-home "$ANA_HOME" batch \
    --recipients people.csv --template notice.eml --workers 1
  expect_eq "$(spool_count)" 2 "messages delivered after the rerun"
}

# issue 15: a cron job over an export with the same name every day. The same
# day again resumes (nobody twice); the next day's export (other people, the
# same file name) gets a journal of its own instead of "belongs to another
# batch".
test_daily_reminders_cron_pattern_resumes_same_day_fresh_next_day() {
  start_smtp smtps --user aruiz --password "$PW"
  example_config implicit-tls.toml c.toml "$ANA" "$SAM"
  use_server
  unlock "$ANA_HOME" "$ANA"
  cp "$EX/batch/people.csv" reminders.csv
  cp "$EX/batch/notice.eml" notice.eml
  run_daily() {
    PEERMAIL=$PEERMAIL_BIN PEERMAIL_CONFIG=$PWD/c.toml GNUPGHOME=$ANA_HOME \
      EXPORT_FILE=$PWD/reminders.csv TEMPLATE=$PWD/notice.eml JOURNAL_DIR=$PWD/journals \
      EXPORT_DAY=$1 expect_exit 0 sh "$EX/cron/daily-reminders"
  }
  run_daily 2026-03-02
  expect_eq "$(spool_count)" 2 "messages on day one"
  run_daily 2026-03-02
  expect_eq "$(spool_count)" 2 "messages after the same day's second pass"
  expect_eq "$(stat -c %a journals)" 700 "journal directory mode"
  # Day two: the export has the same name and other content.
  printf 'email,name,date,room\nsam.lee@hospital.example,Sam Lee,"Thursday, 5 March",Room 1\n' \
    >reminders.csv
  run_daily 2026-03-03
  expect_eq "$(spool_count)" 3 "messages after day two"
  expect_not_contains err "belongs to another batch"
  [ -f journals/reminders-2026-03-02.journal ] && [ -f journals/reminders-2026-03-03.journal ] \
    || fail "one journal per day expected: $(ls journals)"
}

test_ci_gate_passes_good_fails_bad() {
  example_config implicit-tls.toml good.toml "$ANA" "$SAM"
  mkdir -p -m 700 state
  export PEERMAIL_AUDIT_PATH=$PWD/state/audit.jsonl GNUPGHOME=$ANA_HOME
  PEERMAIL=$PEERMAIL_BIN expect_exit 0 "$EX/ci/compliance-gate" good.toml
  expect_contains out "compliance-gate: PASS"
  /usr/bin/python3 -c 'import json; d = json.load(open("compliance-report.json")); assert d["ok"] is True'
  # No BAA on file: a required item fails, the gate fails the pipeline.
  grep -v '^baa = ' good.toml >bad.toml
  chmod 600 bad.toml
  PEERMAIL=$PEERMAIL_BIN expect_exit 1 "$EX/ci/compliance-gate" bad.toml
  expect_contains out "FAIL  CFG-01"
  expect_contains out "compliance-gate: FAIL"
  # Plaintext submission: TLS-01 fails.
  sed 's/^tls = .*/tls = "none"/' good.toml >plain.toml
  chmod 600 plain.toml
  PEERMAIL=$PEERMAIL_BIN expect_exit 1 "$EX/ci/compliance-gate" plain.toml
  expect_contains out "FAIL  TLS-01"
  # A file that is not TOML: the gate cannot evaluate it.
  { cat good.toml; echo "this is not toml"; } >broken.toml
  chmod 600 broken.toml
  PEERMAIL=$PEERMAIL_BIN expect_exit 2 "$EX/ci/compliance-gate" broken.toml
  expect_contains err "could not run (exit 78)"
  grep -q 'examples/ci/compliance-gate' "$EX/ci/gitlab-ci.yml" || fail "gitlab-ci.yml does not run the gate"
}

test_every_example_is_exercised_here() {
  local f rel
  while read -r f; do
    rel=${f#"$EX"/}
    [ "$rel" = README.md ] && continue
    grep -qF "${rel#*/}" "$PEERMAIL_SOURCE_DIR/tests/integration/suites/examples.bash" ||
      fail "examples/$rel is not exercised by tests/integration/suites/examples.bash"
    expect_contains "$EX/README.md" "$rel"
  done < <(find "$EX" -type f | sort)
}

# examples/cron/crontab: cron mails a job's output through peermail as cron
# does it (no terminal, the crontab's environment only), the signing key
# locked and nothing cached (after a reboot), with the [identity] settings
# the crontab asks for.
test_crontab_mails_job_output_unattended() {
  start_smtp smtps --user aruiz --password "$PW"
  example_config implicit-tls.toml c.toml "$ANA" "$SAM"
  use_server
  gpgconf --homedir "$ANA_HOME" --kill gpg-agent
  printf '%s\n' "$PASS" >key-passphrase
  chmod 600 key-passphrase
  grep -q '^MAILTO=' "$EX/cron/crontab" || fail "the crontab sets no MAILTO"
  sed -n 's/^#   \(passphrase_command\|rewrite_from\) = /\1 = /p' "$EX/cron/crontab" |
    sed "s|/etc/peermail/key-passphrase|$PWD/key-passphrase|" >identity.add
  expect_eq "$(wc -l <identity.add)" 2 "[identity] settings in the crontab"
  sed -i '/^signing_key = /r identity.add' c.toml
  printf 'From: root (Cron Daemon)\nTo: sam.lee@hospital.example\nSubject: Cron <peermail@ward7> /usr/local/bin/nightly-census\nContent-Type: text/plain; charset=UTF-8\n\ncensus: 14 beds\n' >cron.eml
  expect_exit 0 env -i PATH=/usr/bin:/bin SHELL=/bin/sh HOME="$HOME" LOGNAME=peermail \
    PEERMAIL_CONFIG="$PWD/c.toml" GNUPGHOME="$ANA_HOME" PEERMAIL_HOST=localhost \
    PEERMAIL_PORT="$SMTP_PORT" PEERMAIL_CA_FILE="$TEST_CA/ca.pem" \
    PEERMAIL_AUDIT_PATH="$PWD/state/audit.jsonl" PM_TEST_PASSWORD="$PW" \
    setsid -w "$PEERMAIL_BIN" sendmail -FCronDaemon -i -B8BITMIME -oem sam.lee@hospital.example <cron.eml
  expect_eq "$(spool_count)" 1 "messages delivered"
  protected_on_server "$SMTP_SPOOL/msg-1.eml" "census: 14 beds"
  sam_reads "$SMTP_SPOOL/msg-1.eml" "census: 14 beds"
  expect_contains read.eml "X-Original-From: root (Cron Daemon)"
  expect_not_contains state/audit.jsonl "$PASS"
}

# examples/config/smime-peer.toml: sending with it to both peers, with X.509
# certificates made for the test, is in smime_send.bash
# (test_example_config_reaches_both_peers). Here: it loads as shipped, and
# `check` names what its S/MIME side still needs on a machine that has
# neither the anchors file nor the certificates.
test_smime_peer_example_loads_and_check_names_the_certificates() {
  example_config smime-peer.toml c.toml "$ANA" "$SAM"
  export PEERMAIL_AUDIT_PATH=$PWD/audit.jsonl
  expect_exit 1 pm --config c.toml --gnupg-home "$ANA_HOME" check
  expect_contains out "S/MIME certificate <ana.ruiz@clinic.example>: [smime] anchors"
  expect_contains out "S/MIME peer <results@lab.example>: [smime] anchors"
  expect_contains out "fix: set [smime] anchors to a PEM bundle of the root CA certificates"
}
