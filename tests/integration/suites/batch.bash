# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail batch` end to end: 200 recipients with their own keys (a fixture
# keyring: tests/fixtures/keys/batch-keyring, regenerate with
# make-batch-keyring.sh) delivered exactly once over real TLS to
# tests/servers/smtp_sink.py; kill -9 and resume; preflight refusals (65, 67),
# --skip-unready, --skip-invalid, retries on 4xx, 5xx final, --shard, --dry-run.

. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"
# shellcheck source=../fixtures/fail_fsync.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/fixtures/fail_fsync.bash"

suite_probe() { probe_gpg && probe_smtp; }

PW=s3cret-batch-4711

suite_setup() {
    make_test_ca "$SUITE_DIR/ca"
    gpg_home_new
    local fix=$PEERMAIL_SOURCE_DIR/tests/fixtures/keys/batch-keyring
    cp "$fix/pubring.kbx" "$fix/trustdb.gpg" "$GNUPGHOME/"
    mkdir -p "$GNUPGHOME/private-keys-v1.d" && chmod 700 "$GNUPGHOME/private-keys-v1.d"
    cp "$fix/private-keys-v1.d/"*.key "$GNUPGHOME/private-keys-v1.d/"
    chmod 600 "$GNUPGHOME/private-keys-v1.d/"*.key # KEY-05: owner-only, or send refuses (78)
    local sender
    sender=$(cat "$fix/sender.fpr")
    mkdir -p "$SUITE_DIR/fix"
    {
        echo "email,name,date,code"
        for i in $(seq -f '%03g' 1 200); do
            echo "p$i@people.test,Person $i,2026-12-0$((10#$i % 9 + 1)),C-$i"
        done
    } >"$SUITE_DIR/fix/people.csv"
    cat >"$SUITE_DIR/fix/notice.eml" <<'EML'
From: Ana Ruiz <ana@clinic.test>
To: {{name}} <{{email}}>
Subject: Peer-support session on {{date}}

Dear {{name}},

your personal access code is {{code}}.
EML
    {
        echo "export TEST_CA=$SUITE_DIR/ca"
        echo "export GNUPGHOME=$GNUPGHOME"
        echo "export SENDER_FPR=$sender"
        echo "export FIX=$SUITE_DIR/fix"
    } >"$SUITE_DIR/env.sh"
}

# Start the server (smtps, AUTH) with extra sink options and write c.toml.
setup_server() {
    start_smtp smtps --user ana --password "$PW" "$@"
    write_config c.toml signing_key="$SENDER_FPR" port="$SMTP_PORT" tls=implicit \
        ca_file="$TEST_CA/ca.pem"
}

# Copy the first N recipients (plus header) into ./people.csv.
recipients() { head -n $(($1 + 1)) "$FIX/people.csv" >people.csv; }

batch() { PM_TEST_PASSWORD=$PW pm --config c.toml batch --template "$FIX/notice.eml" "$@"; }

# Print "RCPT MESSAGES DISTINCT_MESSAGE_IDS" for every recipient in the spool.
spool_report() {
    /usr/bin/python3 - "$SMTP_SPOOL" <<'PY'
import email, glob, json, os, sys
from collections import defaultdict
msgs, ids = defaultdict(int), defaultdict(set)
for j in glob.glob(os.path.join(sys.argv[1], "msg-*.json")):
    env = json.load(open(j))
    with open(j[:-5] + ".eml", "rb") as f:
        m = email.message_from_binary_file(f)
    for r in env["rcpt_tos"]:
        msgs[r] += 1
        ids[r].add(m["Message-ID"])
for r in sorted(msgs):
    print(r, msgs[r], len(ids[r]))
PY
}

test_200_recipients_delivered_exactly_once() {
    setup_server
    cp "$FIX/people.csv" people.csv
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(spool_count)" 200 "messages delivered"
    spool_report >report
    expect_eq "$(wc -l <report)" 200 "distinct recipients"
    expect_eq "$(awk '$2 != 1 || $3 != 1' report | wc -l)" 0 "recipients not delivered exactly once"
    # One JSON line per recipient, then the summary.
    expect_eq "$(grep -c '"status":"sent"' out)" 200 "sent lines"
    expect_contains out '"summary":{'
    expect_contains out '"exit_code":0'
    # Personal, encrypted, protected Subject; one envelope recipient each.
    local m=$SMTP_SPOOL/msg-1.eml
    expect_contains "$m" "multipart/encrypted"
    expect_not_contains "$m" "Peer-support session"
    expect_not_contains "$m" "access code"
    expect_eq "$(grep -l '"tls": true' "$SMTP_SPOOL"/msg-*.json | wc -l)" 200 "over TLS"
    expect_clear_ok
    # Two audit records per recipient (write-ahead "pending", then the
    # outcome naming it); no subject in them; none left unresolved.
    expect_eq "$(grep -c '"action":"batch"' audit.jsonl)" 400 "audit records"
    expect_eq "$(grep -c '"outcome":"pending"' audit.jsonl)" 200 "pending records"
    expect_eq "$(grep -c '"pending_seq":' audit.jsonl)" 200 "outcome records naming their pending one"
    expect_exit 0 pm --json audit verify --file audit.jsonl
    expect_eq "$(/usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d["ok"], d["records"], d["unresolved"])')" "True 400 []"
    expect_not_contains audit.jsonl "Peer-support"
    # Message-IDs are distinct.
    expect_eq "$(grep -h '^Message-ID:' "$SMTP_SPOOL"/msg-*.eml | sort -u | wc -l)" 200 "Message-IDs"
    # The journal next to the recipients file; a rerun sends nothing.
    [ -f people.csv.journal ] || fail "no journal people.csv.journal"
    expect_eq "$(stat -c %a people.csv.journal)" 600 "journal mode"
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(spool_count)" 200 "messages after the rerun"
    expect_eq "$(grep -c '"status":"already-sent"' out)" 200 "already-sent lines"
}

# kill -9 mid-batch, then rerun: nobody gets the notice twice. A message
# that was in flight at the kill (marked so in the journal before its
# submission) may have been delivered: the rerun never resends it, reports it
# "unknown" and exits 69; everyone else gets theirs exactly once.
test_kill9_at_a_third_then_resume_never_twice() {
    setup_server
    cp "$FIX/people.csv" people.csv
    PM_TEST_PASSWORD=$PW "$PEERMAIL_BIN" --config c.toml batch --template "$FIX/notice.eml" \
        --recipients people.csv --rate 3000/min >run1.out 2>run1.err &
    local pid=$! _ n=0
    for _ in $(seq 1 600); do
        n=$(spool_count)
        [ "$n" -ge 67 ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    n=$(spool_count)
    echo "delivered before kill -9: $n"
    [ "$n" -ge 60 ] && [ "$n" -lt 200 ] || fail "kill -9 did not land mid-batch ($n delivered)"
    local rc=0
    PM_TEST_PASSWORD=$PW "$PEERMAIL_BIN" --config c.toml batch --template "$FIX/notice.eml" \
        --recipients people.csv --json >out 2>err || rc=$?
    local unknown
    unknown=$(grep -c '"status":"unknown"' out || true)
    echo "in flight at the kill (never resent): $unknown"
    [ "$unknown" -le 4 ] || fail "$unknown recipients in flight (4 workers at most)"
    if [ "$unknown" -gt 0 ]; then
        expect_eq "$rc" 69 "exit code with unknown outcomes"
        expect_contains err 'check with'
    else
        [ "$rc" = 0 ] || sed 's/^/    stderr: /' err
        expect_eq "$rc" 0 "exit code"
    fi
    spool_report >report
    [ "$(wc -l <report)" -ge $((200 - unknown)) ] || fail "recipients missing: $(wc -l <report)"
    expect_eq "$(awk '$2 > 1' report | wc -l)" 0 "recipients who got the notice twice"
    expect_eq "$(awk '$3 != 1' report | wc -l)" 0 "recipients with more than one Message-ID"
    local already
    already=$(grep -c '"status":"already-sent"' out)
    [ "$already" -ge $((n - 4)) ] || fail "only $already recorded as already sent ($n delivered)"
}

test_unready_recipient_refuses_everything_67() {
    setup_server
    recipients 3
    echo "unready@people.test,Uma,2026-12-01,C-u" >>people.csv
    echo "nokey@people.test,Nora,2026-12-01,C-n" >>people.csv
    expect_exit 67 batch --recipients people.csv
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains err "people.csv:5: no usable key for unready@people.test"
    expect_contains err "people.csv:6: no usable key for nokey@people.test"
    expect_contains err "2 problems in the batch; nothing was sent"
    expect_contains audit.jsonl '"action":"refusal"'
    [ ! -f people.csv.journal ] || fail "a refused batch created a journal"
}

test_bad_rows_and_template_listed_together_65() {
    setup_server
    cat >people.csv <<'CSV'
email,name,date,code
p001@people.test,Person 1,2026-12-01,C-1
not-an-address,Person 2,2026-12-01,C-2
,Person 3,2026-12-01,C-3
p004@people.test,"Person, 4",2026-12-01
p005@people.test,Person 5,"2026-12-01
Bcc: evil@attacker.test",C-5
p006@people.test,Person 6,2026-12-01,C-6
CSV
    expect_exit 65 batch --recipients people.csv
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains err 'people.csv:3: email: "not-an-address" is not a valid email address: it has no @'
    expect_contains err "people.csv:4: email: is empty"
    expect_contains err "people.csv:5: row has 3 fields, the header has 4"
    expect_contains err "people.csv:6: p005@people.test: date: contains a line break or NUL and reaches a header"
    expect_contains err "4 problems in the batch; nothing was sent"
    expect_not_contains err "evil@attacker.test"
    # A placeholder that no column fills: every row is named.
    recipients 2
    sed 's/{{code}}/{{room}}/' "$FIX/notice.eml" >t.eml
    expect_exit 65 env PM_TEST_PASSWORD=$PW "$PEERMAIL_BIN" --config c.toml batch \
        --recipients people.csv --template t.eml --json
    expect_contains err "t.eml:7: room: unknown field {{room}}: no such column in the recipients"
    expect_contains err "people.csv:2: p001@people.test: room: missing (template line 7 uses it)"
    expect_contains err "people.csv:3: p002@people.test: room: missing (template line 7 uses it)"
    expect_contains err "3 problems in the batch; nothing was sent"
    expect_contains out '"ok":false'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_skip_unready_sends_to_the_ready_ones() {
    setup_server
    recipients 3
    echo "unready@people.test,Uma,2026-12-01,C-u" >>people.csv
    expect_exit 67 batch --recipients people.csv --skip-unready --json
    expect_eq "$(spool_count)" 3 "messages delivered"
    expect_contains out '"email":"unready@people.test","error":"no usable key for unready@people.test'
    expect_eq "$(grep -c '"status":"sent"' out)" 3 "sent lines"
    expect_contains out '"unready":1'
    expect_contains audit.jsonl '"outcome":"refused"'
}

# Issue 15: one bad address must not block the good recipients. Each bad row
# is named with its line and value (terminal-safe), never audited with it.
test_skip_invalid_sends_the_rest_names_each_row_65() {
    setup_server
    recipients 3
    printf 'bob@@people.test,Bob,2026-12-01,C-b\n' >>people.csv
    printf 'x\033[31m@people,Esc,2026-12-01,C-e\n' >>people.csv
    echo "p099@people.test,Short" >>people.csv
    # Without the flag: nothing sent, and the note names the flag.
    expect_exit 65 batch --recipients people.csv
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_contains err 'add --skip-invalid'
    expect_exit 65 batch --recipients people.csv --skip-invalid
    expect_eq "$(spool_count)" 3 "messages delivered"
    expect_contains err 'peermail: invalid people.csv:5: email: "bob@@people.test" is not a valid email address'
    expect_contains err 'peermail: invalid people.csv:6: email: "x?[31m@people" is not a valid email address'
    expect_contains err 'peermail: invalid people.csv:7: row has 2 fields, the header has 4'
    expect_not_contains err $'\033'
    expect_contains out '3 sent'
    expect_contains out '3 skipped (invalid row) of 6 recipients'
    expect_not_contains audit.jsonl 'bob@@'
    # One refusal (the run without the flag), then one record per skipped row.
    expect_eq "$(grep '"action":"batch"' audit.jsonl | grep -c '"outcome":"refused"')" 3 "refused rows audited"
    # --json: one line per row with its line number.
    rm -f people.csv.journal
    expect_exit 65 batch --recipients people.csv --skip-invalid --dry-run --json
    expect_contains out '"line":5'
    expect_contains out '"status":"invalid"'
    expect_contains out '"invalid":3'
}

test_skip_invalid_still_stops_at_a_broken_csv_65() {
    setup_server
    recipients 3
    printf 'p098@people.test,"Unclosed,2026-12-01,C-u\n' >>people.csv
    expect_exit 65 batch --recipients people.csv --skip-invalid
    expect_contains err 'a quoted field is not closed'
    expect_contains err 'nothing was sent'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

test_4xx_is_retried_then_delivered_once() {
    setup_server --data-fail-first 2
    recipients 3
    PEERMAIL_BATCH_BACKOFF_MS=20 expect_exit 0 batch --recipients people.csv --workers 1 --json
    expect_eq "$(spool_count)" 3 "messages delivered"
    spool_report >report
    expect_eq "$(awk '$2 != 1' report | wc -l)" 0 "recipients not delivered exactly once"
    expect_contains out '"attempts":3'
    expect_contains audit.jsonl '"outcome":"sent"'
}

test_5xx_is_final_no_retry_69() {
    setup_server --data-reply "554 5.7.1 rejected by policy"
    recipients 3
    PEERMAIL_BATCH_BACKOFF_MS=20 expect_exit 69 batch --recipients people.csv --json
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_eq "$(grep -c '"status":"failed"' out)" 3 "failed lines"
    expect_eq "$(grep -c '"attempts":1,' out)" 3 "single attempts"
    expect_contains out '"smtp_code":554'
    expect_eq "$(grep -c ' DATA' "$SMTP_SPOOL/transcript.log")" 3 "DATA commands (no retry)"
    # Failures are journaled and audited; a rerun tries them again.
    expect_eq "$(grep -c '"outcome":"failed"' audit.jsonl)" 3 "audited failures"
}

test_shards_partition_without_overlap() {
    setup_server
    recipients 30
    local i
    for i in 1 2 3; do
        expect_exit 0 batch --recipients people.csv --shard "$i/3" --json
        grep -c '"status":"sent"' out >"n$i" || true
        [ -f "people.csv.shard-$i-of-3.journal" ] || fail "no journal for shard $i"
    done
    expect_eq "$(spool_count)" 30 "messages delivered"
    spool_report >report
    expect_eq "$(wc -l <report)" 30 "distinct recipients"
    expect_eq "$(awk '$2 != 1' report | wc -l)" 0 "overlap between shards"
    [ "$(cat n1)" -gt 0 ] && [ "$(cat n2)" -gt 0 ] && [ "$(cat n3)" -gt 0 ] || fail "an empty shard"
    expect_exit 64 batch --recipients people.csv --shard 4/3
}

test_dry_run_sends_nothing() {
    setup_server
    recipients 5
    expect_exit 0 batch --recipients people.csv --dry-run --json
    expect_eq "$(grep -c '"status":"would-send"' out)" 5 "would-send lines"
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -f people.csv.journal ] || fail "a dry run created a journal"
    expect_not_contains "$SMTP_SPOOL/transcript.log" "MAIL"
}

test_outcome_not_written_after_250_74_journal_and_pending_prove_it() {
    local why
    if ! why=$(build_fail_fsync); then echo "SKIP: $why"; return 0; fi
    setup_server
    recipients 1
    local rc=0
    PM_TEST_PASSWORD=$PW with_failing_fsync audit.jsonl 2 "$PEERMAIL_BIN" --config c.toml batch \
        --template "$FIX/notice.eml" --recipients people.csv --workers 1 >out 2>err || rc=$?
    expect_eq "$rc" 74 "exit status"
    expect_contains err "peermail: error: submitted to the server but the audit outcome could not be written: audit log $PWD/audit.jsonl: cannot sync to disk: No space left on device; pending record 1 proves the attempt [AUD-01]"
    expect_not_contains err "Peer-support"
    expect_eq "$(spool_count)" 1 "messages delivered"
    expect_eq "$(wc -l <audit.jsonl)" 1 "audit records"
    expect_contains audit.jsonl '"outcome":"pending"'
    expect_contains audit.jsonl '"recipients":["p001@people.test"]'
    expect_exit 0 pm --json audit verify --file audit.jsonl
    expect_eq "$(/usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d["ok"], d["unresolved"])')" "True [1]"
    # The journal knows it was sent: the rerun does not send it again.
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(grep -c '"status":"already-sent"' out)" 1 "already-sent lines"
    expect_eq "$(spool_count)" 1 "messages after the rerun"
}

# issue 19: the server accepts the message but answers the final "." only
# after data_timeout_s. The outcome is unknown: never retried (in this run or
# a rerun, which would deliver it twice), journaled and audited as unknown,
# and the summary says to check before resending.
test_no_reply_to_final_dot_is_unknown_never_retried() {
    setup_server --data-delay 4
    sed -i 's/^timeout_s = .*/timeout_s = 1\ndata_timeout_s = 2/' c.toml
    recipients 1
    PEERMAIL_BATCH_BACKOFF_MS=20 expect_exit 69 batch --recipients people.csv --workers 1 --json
    expect_contains out '"status":"unknown"'
    expect_contains out '"attempts":1,'
    expect_contains out '"unknown":1'
    expect_contains err 'check with that recipient before sending again'
    expect_eq "$(grep -c ' MAIL' "$SMTP_SPOOL/transcript.log")" 1 "MAIL commands (no retry)"
    expect_contains audit.jsonl '"outcome":"unknown"'
    expect_not_contains audit.jsonl '"smtp_code":354'
    /usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select state from recipients").fetchall())' people.csv.journal >states
    expect_contains states "[('unknown',)]"
    # The server did accept it (after its 4 s delay; allow for a loaded machine).
    local i
    for i in $(seq 1 100); do
        [ "$(spool_count)" -ge 1 ] && break
        sleep 0.1
    done
    expect_eq "$(spool_count)" 1 "messages delivered"
    PEERMAIL_BATCH_BACKOFF_MS=20 expect_exit 69 batch --recipients people.csv --workers 1 --json
    expect_contains out '"status":"unknown"'
    expect_eq "$(grep -c ' MAIL' "$SMTP_SPOOL/transcript.log")" 1 "MAIL commands after the rerun"
    expect_eq "$(spool_count)" 1 "messages delivered after the rerun"
    expect_exit 0 pm --json audit verify --file audit.jsonl
}

# A run killed while it waits for the reply to the final "." (kill -9, a
# lost session) may have delivered: the journal marks every message in flight
# before its submission starts, so a rerun never sends it again. (SIGINT and
# SIGTERM now wait for that reply: see the interrupt tests at the end.)
test_killed_while_submitting_is_never_resent() {
    setup_server --data-delay 6
    sed -i 's/^timeout_s = .*/timeout_s = 5\ndata_timeout_s = 60/' c.toml
    recipients 1
    PM_TEST_PASSWORD=$PW "$PEERMAIL_BIN" --config c.toml batch --template "$FIX/notice.eml" \
        --recipients people.csv --workers 1 --json >out1 2>err1 &
    local first=$!
    register_pid "$first"
    local _
    for _ in $(seq 1 200); do
        grep -q ' DATA' "$SMTP_SPOOL/transcript.log" 2>/dev/null && break
        sleep 0.05
    done
    expect_contains "$SMTP_SPOOL/transcript.log" " DATA"
    sleep 1
    kill -KILL "$first"
    wait "$first" 2>/dev/null || true
    /usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select state, error from recipients").fetchall())' people.csv.journal >states
    expect_contains states "[('unknown', 'the run stopped while submitting it: it may have been delivered')]"
    # (The server keeps the message once it has the final ".", as a real MTA
    # does: the MAIL count tells that the rerun did not send it again.)
    expect_exit 69 batch --recipients people.csv --workers 1 --json
    expect_contains out '"status":"unknown"'
    expect_contains out 'or stopped while submitting it'
    expect_eq "$(grep -c ' MAIL' "$SMTP_SPOOL/transcript.log")" 1 "MAIL commands after the rerun"
}

test_second_run_on_the_same_journal_75_names_the_holder() {
    # The first run hangs at the end of DATA of its first message; a second
    # run of the same command must not send anything.
    setup_server --stall-at data-end
    recipients 5
    PM_TEST_PASSWORD=$PW "$PEERMAIL_BIN" --config c.toml batch --template "$FIX/notice.eml" \
        --recipients people.csv --workers 1 --json >out1 2>err1 &
    local first=$!
    register_pid "$first"
    local i
    for i in $(seq 1 200); do
        grep -q ' DATA' "$SMTP_SPOOL/transcript.log" 2>/dev/null && break
        sleep 0.05
    done
    expect_contains "$SMTP_SPOOL/transcript.log" " DATA"
    # (timeout: a second run that does send would hang at the stalled server.)
    PM_TEST_PASSWORD=$PW expect_exit 75 timeout 30 "$PEERMAIL_BIN" --config c.toml batch \
        --template "$FIX/notice.eml" --recipients people.csv --workers 1 --json
    expect_contains err "another batch run (pid $first) is using it; nothing was sent"
    expect_eq "$(grep -c ' MAIL' "$SMTP_SPOOL/transcript.log")" 1 "MAIL commands (the first run's only)"
    kill -KILL "$first" 2>/dev/null || true # (SIGTERM would wait for the stalled reply)
    wait "$first" 2>/dev/null || true
}

test_non_utf8_server_reply_batch_json_69_journal_and_audit() {
    setup_server --raw-replies --data-reply '550 5.1.1 Empf\xe4nger unbekannt'
    recipients 2
    PEERMAIL_BATCH_BACKOFF_MS=20 expect_exit 69 batch --recipients people.csv --json
    /usr/bin/python3 -c 'import json,sys
for line in open("out", encoding="utf-8"): json.loads(line)' || fail "stdout is not JSON lines"
    expect_eq "$(grep -c '"status":"failed"' out)" 2 "failed lines"
    expect_contains out 'Empf?nger'
    expect_contains out '"summary"'
    expect_eq "$(grep -c '"outcome":"failed"' audit.jsonl)" 2 "audited failures"
    expect_exit 0 pm --json audit verify --file audit.jsonl
}

# issue 12: batch judges the archive key with the same key plan as send.
test_weak_archive_key_67_nothing_sent() {
    gpg_home_copy
    local weak
    weak=$(gpg_weak_key "Clinic Archive" archive@clinic.test)
    gpg_certify "$SENDER_FPR" "$weak" # full validity: GnuPG itself would encrypt to it
    setup_server
    printf '\n[policy]\narchive_key = "%s"\n' "$weak" >>c.toml
    recipients 3
    expect_exit 67 batch --recipients people.csv
    expect_contains err "archive key $weak (policy.archive_key)"
    expect_contains err '[KEY-01]'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -f people.csv.journal ] || fail "a refused batch created a journal"
}

# issue 12: the offline checklist gate applies to batch too (78).
test_offline_checklist_fail_78_nothing_sent() {
    setup_server
    sed -i '/^baa = /d' c.toml
    recipients 3
    expect_exit 78 batch --recipients people.csv
    expect_contains err 'checklist item CFG-01'
    expect_contains err '[CFG-01]'
    expect_eq "$(spool_count)" 0 "messages delivered"
    [ ! -f people.csv.journal ] || fail "a refused batch created a journal"
}

# A journal decides who is skipped as already sent: one that another user
# owns or can write (planted, or tampered with) is never trusted (77).
test_planted_or_writable_journal_refused_77_nothing_sent() {
    setup_server
    recipients 3
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(spool_count)" 3 "messages of the first run"
    cp people.csv.journal good.journal
    # The same journal, everyone marked sent, but planted by another user.
    chown nobody people.csv.journal
    chmod 666 people.csv.journal
    setup_server
    expect_exit 77 batch --recipients people.csv --json
    expect_contains err "journal people.csv.journal: belongs to another user (uid 65534, not $(id -u))"
    expect_contains err "move people.csv.journal aside, or point --journal elsewhere"
    expect_eq "$(spool_count)" 0 "messages sent"
    # Ours, but writable by others.
    cp good.journal people.csv.journal
    chown "$(id -u)" people.csv.journal
    chmod 666 people.csv.journal
    expect_exit 77 batch --recipients people.csv --json
    expect_contains err "people.csv.journal: is writable by others (mode 0666)"
    expect_contains err "chmod 600"
    # A planted lock file, and a journal that is a symbolic link.
    chmod 600 people.csv.journal
    chown nobody people.csv.journal.lock
    expect_exit 77 batch --recipients people.csv --json
    expect_contains err "people.csv.journal.lock: belongs to another user"
    chown "$(id -u)" people.csv.journal.lock
    mv people.csv.journal real.journal
    ln -s real.journal people.csv.journal
    expect_exit 77 batch --recipients people.csv --json
    expect_contains err "people.csv.journal: is a symbolic link"
    expect_eq "$(spool_count)" 0 "messages sent"
    # Back to our own journal: resumes, nothing to send again.
    rm people.csv.journal
    mv real.journal people.csv.journal
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(grep -c '"status":"already-sent"' out)" 3 "already-sent lines"
}

# Recipients are read as UTF-8 (GLib's validator) or not at all: a Latin-1
# export is refused with its line and the iconv command that fixes it.
test_latin1_recipients_refused_65_with_the_fix() {
    setup_server
    recipients 2
    printf 'p003@people.test,Jos\xe9 Mu\xf1oz,2026-12-03,C-3\n' >>people.csv
    expect_exit 65 batch --recipients people.csv
    expect_contains err "peermail: error: people.csv:4: not UTF-8 (convert it: iconv -f LATIN1 -t UTF-8 people.csv > people-utf8.csv)"
    expect_eq "$(spool_count)" 0 "messages delivered"
    iconv -f LATIN1 -t UTF-8 people.csv >people-utf8.csv
    expect_exit 0 batch --recipients people-utf8.csv
    expect_eq "$(spool_count)" 3 "messages delivered"
}

# Emails in the recipients file follow the one address rule of send.
test_recipient_addresses_follow_the_send_rule_65() {
    setup_server
    {
        echo "email,name,date,code"
        echo "p001@people.test,Person 1,2026-12-01,C-1"
        echo "sam@localhost,Sam,2026-12-01,C-2"
        echo '"""sam lee""@people.test",Sam,2026-12-01,C-3'
    } >people.csv
    expect_exit 65 batch --recipients people.csv
    expect_contains err 'people.csv:3: email: "sam@localhost" is not a valid email address: the domain has no dot'
    expect_contains err 'people.csv:4: email: ""sam lee"@people.test" is not a valid email address: the part before @'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# A batch message is composed like send: UTF-8 names in the outer headers
# travel as RFC 2047 encoded-words, never as raw 8-bit bytes.
test_utf8_names_encoded_in_outer_headers() {
    setup_server
    {
        echo "email,name,date,code"
        printf 'p001@people.test,J\xc3\xb6rg M\xc3\xbcller,2026-12-01,C-1\n'
    } >people.csv
    expect_exit 0 batch --recipients people.csv
    expect_eq "$(spool_count)" 1 "messages delivered"
    if LC_ALL=C grep -q $'[\x80-\xff]' "$SMTP_SPOOL/msg-1.eml"; then
        fail "raw 8-bit bytes travelled in the message"
    fi
    expect_contains "$SMTP_SPOOL/msg-1.eml" 'To: =?UTF-8?'
}

# An EHR export from a spreadsheet in a German locale: semicolons, CRLF, a
# BOM, a comma inside a name. The bad row is named with its value (the user
# must find it in their own file); the audit record never holds it.
test_semicolon_csv_bad_rows_named_with_their_value_65() {
    setup_server
    printf '\xef\xbb\xbfemail;name;date;code\r\n' >people.csv
    printf 'p001@people.test;Ruiz, Ana;01.12.2026;C-1\r\n' >>people.csv
    printf 'p002@people;Roe, Rick;01.12.2026;C-2\r\n' >>people.csv
    printf 'p003@people.test;"Doe; Jane";01.12.2026;C-3\r\n' >>people.csv
    expect_exit 65 batch --recipients people.csv
    expect_contains err 'people.csv:3: email: "p002@people" is not a valid email address: the domain has no dot'
    expect_not_contains err 'quote inside an unquoted field'
    expect_not_contains err 'no `email` column'
    expect_eq "$(spool_count)" 0 "messages delivered"
    expect_not_contains audit.jsonl 'p002@people"'
    sed -i 's/p002@people;/p002@people.test;/' people.csv
    expect_exit 0 batch --recipients people.csv
    expect_eq "$(spool_count)" 3 "messages delivered"
    cat "$SMTP_SPOOL"/msg-*.eml >all.eml
    expect_contains all.eml 'To: "Ruiz, Ana" <p001@people.test>'
    expect_contains all.eml 'To: "Doe; Jane" <p003@people.test>'
}

# An empty export (or one with only a blank line) is one problem, not a list
# of template fields that "no column" fills.
test_empty_recipients_file_is_one_problem_65() {
    setup_server
    : >people.csv
    expect_exit 65 batch --recipients people.csv
    expect_contains err 'no header row'
    expect_not_contains err 'unknown field'
    expect_contains err '1 problem'
    expect_eq "$(spool_count)" 0 "messages delivered"
}

# --- issue 14: outcomes for everything started (SIGINT/SIGTERM, kill -9) ---

# Start `peermail batch` in the background with SIGINT at its default (a
# script's `cmd &` would ignore it) and set BG_PID. Output: bg.out, bg.err.
batch_bg() {
    PM_TEST_PASSWORD=$PW env --default-signal=INT "$PEERMAIL_BIN" --config c.toml batch \
        --template "$FIX/notice.eml" --json "$@" >bg.out 2>bg.err &
    BG_PID=$!
    register_pid "$BG_PID"
}

# wait_transcript WORD: wait until the server logged the client command WORD.
wait_transcript() {
    local _
    for _ in $(seq 1 400); do
        grep -q " $1" "$SMTP_SPOOL/transcript.log" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "the server never saw $1"
}

# wait_dot: wait until the server has received the final "." of a message.
wait_dot() {
    local _
    for _ in $(seq 1 400); do
        [ -s "$SMTP_SPOOL/dots.log" ] && return 0
        sleep 0.05
    done
    fail "the server never received the final dot"
}

# expect_no_unresolved: `audit verify` passes and lists no unresolved pending record.
expect_no_unresolved() {
    expect_exit 0 pm --json audit verify --file audit.jsonl
    expect_eq "$(/usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d["ok"], d["unresolved"])')" \
        "True []" "audit verify: ok and unresolved"
}

test_sigint_mid_batch_130_outcomes_then_resume_no_unresolved_pending() {
    setup_server
    cp "$FIX/people.csv" people.csv
    batch_bg --recipients people.csv --rate 1200/min --workers 4
    local n=0 _
    for _ in $(seq 1 600); do
        n=$(spool_count)
        [ "$n" -ge 30 ] && break
        kill -0 "$BG_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -INT "$BG_PID"
    local rc=0
    wait "$BG_PID" || rc=$?
    expect_eq "$rc" 130 "exit code after SIGINT"
    n=$(spool_count)
    echo "delivered before SIGINT: $n"
    [ "$n" -ge 30 ] && [ "$n" -lt 200 ] || fail "SIGINT did not land mid-batch ($n delivered)"
    # Every message that went out is reported and audited as sent; the
    # summary says why the run ended; nothing is left unresolved.
    expect_eq "$(grep -c '"status":"sent"' bg.out)" "$n" "sent lines"
    expect_contains bg.out '"signal":"SIGINT"'
    expect_contains bg.out '"exit_code":130'
    expect_contains bg.err 'the run was interrupted; nothing new was started'
    expect_contains bg.err 'interrupted by SIGINT; rerun the same command to resume'
    /usr/bin/python3 -c 'import json,sys
for line in open("bg.out"): json.loads(line)' || fail "stdout is not JSON lines"
    expect_no_unresolved
    # The resume sends the rest, each exactly once.
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(spool_count)" 200 "messages after the resume"
    spool_report >report
    expect_eq "$(awk '$2 != 1' report | wc -l)" 0 "recipients not delivered exactly once"
    expect_eq "$(grep -c '"status":"already-sent"' out)" "$n" "already-sent lines"
    expect_no_unresolved
}

# SIGTERM before the final ".": the submission is aborted, audited as
# "interrupted" with its pending_seq, exit 143; it was not delivered, so the
# resume sends it.
test_sigterm_before_the_dot_interrupted_143_resent_on_resume() {
    setup_server --stall-at mail
    recipients 1
    batch_bg --recipients people.csv --workers 1
    wait_transcript MAIL
    kill -TERM "$BG_PID"
    local rc=0
    wait "$BG_PID" || rc=$?
    expect_eq "$rc" 143 "exit code after SIGTERM"
    expect_contains bg.out '"status":"interrupted"'
    expect_contains bg.out '"interrupted":1'
    expect_contains bg.out '"signal":"SIGTERM"'
    expect_eq "$(grep -c '"outcome":"interrupted"' audit.jsonl)" 1 "interrupted records"
    expect_contains audit.jsonl '"pending_seq":1'
    expect_no_unresolved
    setup_server
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(spool_count)" 1 "delivered by the resume"
    expect_no_unresolved
}

# SIGINT after the final ".": the run waits for the reply, so the outcome
# is honest (sent), then exits 130.
test_sigint_after_the_dot_waits_for_the_reply_sent_130() {
    setup_server --data-delay 3
    recipients 1
    batch_bg --recipients people.csv --workers 1
    wait_dot
    kill -INT "$BG_PID"
    local rc=0
    wait "$BG_PID" || rc=$?
    expect_eq "$rc" 130 "exit code after SIGINT"
    expect_eq "$(spool_count)" 1 "delivered"
    expect_contains bg.out '"status":"sent"'
    expect_not_contains audit.jsonl '"outcome":"interrupted"'
    expect_no_unresolved
}

# A second signal while waiting for the reply aborts at once: the outcome is
# unknown (never "interrupted": the "." went out), still 130, never resent.
test_second_sigint_aborts_the_wait_unknown_130() {
    setup_server --data-delay 30
    sed -i 's/^timeout_s = .*/timeout_s = 5\ndata_timeout_s = 60/' c.toml
    recipients 1
    batch_bg --recipients people.csv --workers 1
    wait_dot
    kill -INT "$BG_PID"
    sleep 1
    kill -0 "$BG_PID" 2>/dev/null || fail "the first SIGINT did not wait for the reply"
    kill -INT "$BG_PID"
    local rc=0 start=$SECONDS
    wait "$BG_PID" || rc=$?
    expect_eq "$rc" 130 "exit code after two SIGINTs"
    [ $((SECONDS - start)) -lt 10 ] || fail "the second SIGINT did not abort the wait"
    expect_contains bg.out '"status":"unknown"'
    expect_contains bg.err 'aborting now'
    expect_not_contains audit.jsonl '"outcome":"interrupted"'
    expect_eq "$(grep -c '"outcome":"unknown"' audit.jsonl)" 1 "unknown records"
    expect_no_unresolved
}

# kill -9 can cut the audit log's last line (a write() stopped between two
# pages) and leaves pending records without outcome: the resume keeps the
# torn bytes in a chained "recovered" record instead of refusing with 74,
# and resolves every pending record from the journal.
test_kill9_torn_audit_tail_resume_recovers_and_resolves_pending() {
    setup_server
    recipients 20
    expect_exit 0 batch --recipients people.csv --max-attempts 1 --json
    # As a kill -9 would leave it: the last outcome record lost, and the
    # record after it cut off mid-write.
    /usr/bin/python3 - audit.jsonl <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")[:-1]
last = lines.pop()                       # the outcome of the last pending
open(p, "wb").write(b"\n".join(lines) + b"\n" + last[:57])
PY
    expect_exit 1 pm --json audit verify --file audit.jsonl
    expect_contains out 'is incomplete'
    expect_exit 0 batch --recipients people.csv --json
    expect_eq "$(grep -c '"status":"already-sent"' out)" 20 "already-sent lines"
    expect_eq "$(grep -c '"action":"recovered"' audit.jsonl)" 1 "recovered records"
    expect_contains audit.jsonl '"torn_tail":{"base64":'
    expect_contains audit.jsonl '"bytes":57'
    expect_no_unresolved
    expect_eq "$(spool_count)" 20 "delivered (nobody twice)"
}

# The counter line is drawn on a terminal's stderr only, and erased before
# the summary; stdout (--json) never carries it.
test_progress_bar_on_a_terminal_only() {
    setup_server
    recipients 3
    local rc=0
    PM_TEST_PASSWORD=$PW /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/integration/on_tty.py" \
        out tty.log "$PEERMAIL_BIN" --config c.toml batch --template "$FIX/notice.eml" \
        --recipients people.csv --json || rc=$?
    expect_eq "$rc" 0 "exit code"
    expect_contains tty.log "/3 sent "
    expect_contains tty.log "msg/s"
    expect_not_contains out "msg/s"
    expect_exit 0 batch --recipients people.csv --json --dry-run
    expect_not_contains err "msg/s"
}
