# SPDX-License-Identifier: GPL-3.0-or-later
# Fault injection: an audit log that cannot be written (read-only, disk full,
# damaged), a keyring that cannot be read, a gpg-agent that is gone, and a
# server that closes the connection at each SMTP stage. Each must end with a
# clear error and its designed exit code, and a consistent state: nothing
# sent unaudited, nothing reported delivered that was not, the audit record
# saying what happened.

# shellcheck source=../tls.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"
# shellcheck source=../fixtures/fail_fsync.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/fixtures/fail_fsync.bash"

PASSWORD='pw-Fa8-never-shown'
SUBJECT='Fault test subject 8812'

suite_probe() {
    probe_gpg && probe_smtp && need_cmd openssl || return 1
}

suite_setup() {
    clinic_suite_setup
}

# setup_server [write_config args...]: a recording smtps server and a config.
setup_server() {
    start_smtps_config -- "$@"
    export PEERMAIL_CONFIG=$PWD/c.toml PM_TEST_PASSWORD=$PASSWORD
    echo "Census: 14 beds occupied." >body.txt
}

send_one() {
    pm send --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
}

expect_nothing_sent() {
    expect_eq "$(spool_count)" 0 "messages delivered"
    if [ -f "$SMTP_SPOOL/transcript.log" ] && grep -qE '^C (\S+ )?(MAIL|RCPT|DATA)' "$SMTP_SPOOL/transcript.log"; then
        fail "the server saw a mail transaction"
    fi
}

# mount_tmpfs DIR SIZE: mount a small tmpfs on DIR (root only); unmounted
# when the test ends. Prints why and returns 1 when that is not possible.
mount_tmpfs() {
    mkdir -p "$1"
    if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>/dev/null; then
        echo "cannot mount a tmpfs here (needs root)"
        return 1
    fi
    echo "$1" >>"$SUITE_DIR/.mounts"
}

umount_all() {
    [ -f "$SUITE_DIR/.mounts" ] || return 0
    while read -r m; do umount -l "$m" 2>/dev/null || true; done <"$SUITE_DIR/.mounts"
    rm -f "$SUITE_DIR/.mounts"
}

# --- audit log faults: refuse to send rather than send unaudited --------------

test_audit_log_read_only_74_nothing_sent() {
    local dir=$PWD/auditdir
    if [ "$(id -u)" = 0 ]; then
        # Root ignores file modes: use a read-only mount.
        if ! mount_tmpfs "$dir" 1m; then
            echo "SKIP: cannot make a read-only directory as root without mount"
            return 0
        fi
        setup_server audit_path="$dir/audit.jsonl"
        send_one >/dev/null 2>&1 || true # a first record, so the file exists
        rm -rf "${SMTP_SPOOL:?}"/msg-*
        mount -o remount,ro "$dir"
    else
        mkdir -p "$dir"
        chmod 700 "$dir"
        setup_server audit_path="$dir/audit.jsonl"
        send_one >/dev/null 2>&1 || true
        rm -rf "${SMTP_SPOOL:?}"/msg-*
        chmod 500 "$dir"
        chmod 400 "$dir/audit.jsonl"
    fi
    : >"$SMTP_SPOOL/transcript.log"
    local rc=0
    expect_exit 74 send_one || rc=$?
    umount_all
    [ $rc = 0 ] || return 1
    expect_contains err 'peermail: error: '
    expect_contains err 'audit'
    expect_contains err '[AUD-04]'
    expect_not_contains err "$SUBJECT"
    expect_nothing_sent
}

test_audit_log_disk_full_74_nothing_sent() {
    local dir=$PWD/full
    if ! mount_tmpfs "$dir" 64k; then
        echo "SKIP: disk-full needs a tiny tmpfs (root and mount)"
        return 0
    fi
    setup_server audit_path="$dir/audit.jsonl"
    # A first send works and leaves a record; then fill the disk to the brim.
    local rc=0
    send_one >/dev/null 2>&1 || rc=$?
    if [ $rc != 0 ]; then umount_all; fail "the first send failed ($rc)"; fi
    local before
    before=$(wc -l <"$dir/audit.jsonl")
    rm -f "$SMTP_SPOOL"/msg-*
    : >"$SMTP_SPOOL/transcript.log"
    dd if=/dev/zero of="$dir/filler" bs=1k count=1024 2>/dev/null || true
    rc=0
    expect_exit 74 send_one || rc=$?
    local after
    after=$(wc -l <"$dir/audit.jsonl")
    local tail_ok=1
    [ -z "$(tail -c 1 "$dir/audit.jsonl")" ] || tail_ok=0
    umount_all
    [ $rc = 0 ] || return 1
    expect_contains err 'audit'
    expect_contains err '[AUD-04]'
    expect_nothing_sent
    expect_eq "$after" "$before" "audit records after the refused send"
    [ $tail_ok = 1 ] || fail "the audit log was left with a partial line"
}

test_audit_log_damaged_tail_74_nothing_sent() {
    setup_server
    send_one >/dev/null 2>&1
    rm -f "$SMTP_SPOOL"/msg-*
    : >"$SMTP_SPOOL/transcript.log"
    # A complete last line that is not a record (edited, or damaged on disk);
    # a torn one without its newline is kept in a torn-tail record (audit suite).
    printf '{"seq":2,"ts":"2026-\n' >>audit.jsonl
    expect_exit 74 send_one
    expect_contains err '[AUD-04]'
    expect_nothing_sent
}

# --- write-ahead audit: a disk that fills around the submission ---------------

# send_failing_fsync N: send_one with the Nth fsync() of ./audit.jsonl failing
# with ENOSPC (stdout ./out, stderr ./err, exit status returned).
send_failing_fsync() {
    local rc=0
    with_failing_fsync audit.jsonl "$1" \
        "$PEERMAIL_BIN" send --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt \
        >out 2>err || rc=$?
    return $rc
}

test_pending_record_not_written_74_nothing_submitted() {
    local why
    if ! why=$(build_fail_fsync); then echo "SKIP: $why"; return 0; fi
    setup_server
    : >"$SMTP_SPOOL/transcript.log"
    local rc=0
    send_failing_fsync 1 || rc=$?
    expect_eq "$rc" 74 "exit status"
    expect_contains err "peermail: error: nothing was submitted: the audit record of the attempt could not be written: audit log $PWD/audit.jsonl: cannot sync to disk: No space left on device [AUD-04]"
    expect_contains err 'peermail: fix: free space on that file system, or set [audit] path to another location'
    expect_not_contains err "$SUBJECT"
    expect_nothing_sent
    # The failed record was rolled back: the log is empty and intact.
    expect_eq "$(wc -c <audit.jsonl)" 0 "audit log bytes"
}

test_outcome_not_written_after_250_74_pending_proves_attempt() {
    local why
    if ! why=$(build_fail_fsync); then echo "SKIP: $why"; return 0; fi
    setup_server
    local rc=0
    send_failing_fsync 2 || rc=$?
    expect_eq "$rc" 74 "exit status"
    expect_contains err "peermail: error: submitted to the server but the audit outcome could not be written: audit log $PWD/audit.jsonl: cannot sync to disk: No space left on device; pending record 1 proves the attempt [AUD-01]"
    expect_contains err 'peermail: fix: do not send the message again: the server accepted it; free space on that file system, or set [audit] path to another location; `peermail audit verify` lists pending record 1 as unresolved'
    expect_not_contains err "$SUBJECT"
    expect_not_contains out "$SUBJECT"
    # The server got it exactly once.
    expect_eq "$(spool_count)" 1 "messages delivered"
    # The log holds the pending record only, complete and chained.
    expect_eq "$(wc -l <audit.jsonl)" 1 "audit records"
    [ -z "$(tail -c 1 audit.jsonl)" ] || fail "the audit log was left with a partial line"
    expect_contains audit.jsonl '"outcome":"pending"'
    expect_contains audit.jsonl '"seq":1,'
    expect_contains audit.jsonl '"recipients":["sam@hospital.test"]'
    expect_contains audit.jsonl '"smtp":{"code":null}'
    expect_not_contains audit.jsonl "$SUBJECT"
    expect_exit 0 pm audit verify --file audit.jsonl
    expect_contains out "audit log audit.jsonl: 1 record, chain intact"
    expect_contains err 'peermail: warning: 1 pending record without an outcome record: seq 1 ('
    expect_exit 0 pm --json audit verify --file audit.jsonl
    expect_eq "$(/usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d["ok"], d["unresolved"])')" "True [1]"
    # Logging resumes; the next send is resolved, record 1 stays unresolved.
    expect_exit 0 send_one
    expect_eq "$(spool_count)" 2 "messages delivered"
    expect_contains audit.jsonl '"pending_seq":2,'
    expect_exit 0 pm --json audit verify --file audit.jsonl
    expect_eq "$(/usr/bin/python3 -c 'import json; d=json.load(open("out")); print(d["ok"], d["records"], d["unresolved"])')" "True 3 [1]"
}

# --- keyring faults -------------------------------------------------------------

test_missing_keyring_clear_error_nothing_sent() {
    setup_server
    local rc=0
    pm --gnupg-home "$PWD/no-such-home" send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt >out 2>err || rc=$?
    # No key can be found in a home that does not exist: refused (67).
    [ $rc = 67 ] || { cat err >&2; fail "unexpected exit $rc for a missing keyring"; }
    expect_contains err 'is not in the keyring [SIG-01]'
    expect_not_contains err "$SUBJECT"
    expect_nothing_sent
    grep -q '"outcome":"sent"' audit.jsonl 2>/dev/null && fail "a send was audited"
    return 0
}

test_corrupt_keyring_clear_error_nothing_sent() {
    setup_server
    local home
    home=$(mktemp -d /tmp/pmg.XXXXXX)
    echo "$home" >>"$SUITE_DIR/.gnupghomes"
    chmod 700 "$home"
    cp "$GNUPGHOME"/gpg.conf "$GNUPGHOME"/gpg-agent.conf "$home"/
    random_garbage() { head -c 4096 /dev/zero | tr '\0' '\377'; }
    random_garbage >"$home/pubring.kbx"
    cp -r "$GNUPGHOME/private-keys-v1.d" "$home"/
    local rc=0
    pm --gnupg-home "$home" send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt >out 2>err || rc=$?
    [ $rc = 67 ] || { cat err >&2; fail "unexpected exit $rc for a corrupt keyring"; }
    expect_contains err 'peermail: error: signing key: '
    expect_nothing_sent
}

test_unreadable_keyring_clear_error_nothing_sent() {
    if [ "$(id -u)" = 0 ]; then
        echo "SKIP: root reads mode-000 directories"
        return 0
    fi
    setup_server
    local home
    home=$(mktemp -d /tmp/pmg.XXXXXX)
    echo "$home" >>"$SUITE_DIR/.gnupghomes"
    cp -r "$GNUPGHOME"/. "$home"/
    chmod 000 "$home"
    local rc=0
    pm --gnupg-home "$home" send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt >out 2>err || rc=$?
    chmod 700 "$home"
    [ $rc != 0 ] || fail "sent with an unreadable keyring"
    expect_contains err 'peermail: error: '
    expect_nothing_sent
}

test_gpg_agent_gone_clear_error_nothing_sent() {
    setup_server
    # A private copy of the keyring whose gpg may not start an agent, with
    # the agent killed: signing cannot happen.
    local home
    home=$(mktemp -d /tmp/pmg.XXXXXX)
    echo "$home" >>"$SUITE_DIR/.gnupghomes"
    chmod 700 "$home"
    cp -r "$GNUPGHOME"/. "$home"/
    rm -f "$home"/S.* "$home"/.#* 2>/dev/null || true
    echo "no-autostart" >>"$home/gpg.conf"
    GNUPGHOME=$home gpgconf --kill gpg-agent 2>/dev/null || true
    local rc=0
    GNUPGHOME=$home pm --gnupg-home "$home" send --to sam@hospital.test --subject "$SUBJECT" \
        --body-file body.txt >out 2>err || rc=$?
    # Without an agent GnuPG cannot see the secret key: refused (67) before
    # any connection, naming the agent as the cause.
    [ $rc = 67 ] || { cat err >&2; fail "unexpected exit $rc without an agent"; }
    expect_contains err 'peermail: error: signing key: the gpg-agent is not running and could not be started'
    expect_contains err 'peermail: fix: start it (gpgconf --launch gpg-agent'
    expect_contains err '[SIG-01]'
    expect_contains audit.jsonl '"action":"refusal"'
    expect_not_contains err "$SUBJECT"
    expect_nothing_sent
}

# --- the server closes the connection at each SMTP stage ------------------------

start_closing_server() {
    _smtp_n=$((_smtp_n + 1))
    SMTP_SPOOL=$PWD/spool.$_smtp_n
    mkdir -p "$SMTP_SPOOL"
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/fixtures/hostile/closing_smtp.py" \
        --cert "$TEST_CA/server.pem" --key "$TEST_CA/server.key" --close-at "$1" \
        --port-file "$SMTP_SPOOL/port" --spool "$SMTP_SPOOL" >"$SMTP_SPOOL/server.log" 2>&1 &
    register_pid $!
    local _
    for _ in $(seq 1 100); do
        [ -s "$SMTP_SPOOL/port" ] && break
        sleep 0.05
    done
    [ -s "$SMTP_SPOOL/port" ] || { cat "$SMTP_SPOOL/server.log" >&2; fail "closing_smtp.py did not start"; }
    SMTP_PORT=$(cat "$SMTP_SPOOL/port")
    export SMTP_PORT SMTP_SPOOL
}

test_server_closes_at_each_stage_75_nothing_delivered() {
    local stage
    for stage in banner ehlo auth mail rcpt data mid-data; do
        start_closing_server "$stage"
        write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=implicit \
            ca_file="$TEST_CA/ca.pem" audit_path="$PWD/audit-$stage.jsonl"
        sed -i 's/^timeout_s = .*/timeout_s = 5/' c.toml
        echo "Census: 14 beds occupied." >body.txt
        # Mid-DATA: more than the socket buffers hold, so that the close
        # comes before the last byte is handed over (after it, the outcome
        # would rightly be unknown: test_server_closes_after_final_dot_unknown_69).
        [ "$stage" != mid-data ] || head -c 8000000 /dev/urandom | base64 >>body.txt
        local t0=$SECONDS
        PEERMAIL_CONFIG=$PWD/c.toml PM_TEST_PASSWORD=$PASSWORD \
            expect_exit 75 pm send --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt \
            || { echo "stage: $stage" >&2; return 1; }
        [ $((SECONDS - t0)) -le 30 ] || fail "stage $stage took $((SECONDS - t0)) s"
        expect_contains "$SMTP_SPOOL/transcript.log" "S closed at $stage"
        expect_eq "$(spool_count)" 0 "messages delivered ($stage)"
        expect_not_contains out 'sent       to'
        expect_contains err 'peermail: error: '
        expect_not_contains err "$SUBJECT"
        # The audit record says the attempt failed; never "sent".
        expect_not_contains "audit-$stage.jsonl" '"outcome":"sent"'
        grep -qE '"outcome":"(tempfail|failed)"' "audit-$stage.jsonl" \
            || fail "no failure record for stage $stage"
    done
}

# issue 19: the server closes the connection after the final "." without a
# reply: it may have queued the message, so the outcome is unknown (69, never
# "safe to retry"), and the audit log says "unknown", not "tempfail".
test_server_closes_after_final_dot_unknown_69() {
    start_closing_server data-end
    write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=implicit \
        ca_file="$TEST_CA/ca.pem" audit_path="$PWD/audit.jsonl"
    sed -i 's/^timeout_s = .*/timeout_s = 5/' c.toml
    echo "Census: 14 beds occupied." >body.txt
    PEERMAIL_CONFIG=$PWD/c.toml PM_TEST_PASSWORD=$PASSWORD \
        expect_exit 69 pm send --to sam@hospital.test --subject "$SUBJECT" --body-file body.txt
    expect_contains "$SMTP_SPOOL/transcript.log" "S closed at data-end"
    expect_contains err 'the connection was lost after the final "." of the message: the server may have accepted it; the outcome is unknown'
    expect_contains out 'unknown'
    expect_not_contains err "$SUBJECT"
    expect_contains audit.jsonl '"outcome":"unknown"'
    expect_not_contains audit.jsonl '"outcome":"tempfail"'
    expect_not_contains audit.jsonl '"outcome":"sent"'
}

# Unmount what a failed test left mounted, then the usual cleanup.
eval "$(declare -f suite_cleanup | sed '1s/^suite_cleanup/_lib_suite_cleanup/')"
suite_cleanup() {
    umount_all
    _lib_suite_cleanup
}
