# SPDX-License-Identifier: GPL-3.0-or-later
# The tamper-evident audit log through the real CLI: `audit test` appends,
# `audit verify` detects changed, removed, reordered and truncated records,
# `audit show` filters, `audit export` round-trips (DESIGN.md §7, AUD-01..04).

suite_probe() { [ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 missing"; return 1; }; }

# make_log FILE N: append N synthetic records through the CLI.
make_log() {
    local i
    for ((i = 0; i < $2; i++)); do pm audit test --file "$1" >/dev/null; done
}

# py_log FILE: write a log with varied records, chained with the documented
# canonical form (sorted keys, compact separators, UTF-8), by an independent
# implementation.
py_log() {
    "$PYTHON" - "$1" <<'PY'
import hashlib, json, sys
rows = [
    ("2026-01-10T09:00:00.000Z", "send", "sent", ["sam.lee@hospital.example"], 250),
    ("2026-02-10T09:00:00.000Z", "refusal", "refused", ["kim@clinic.example"], None),
    ("2026-03-10T09:00:00.000Z", "send", "tempfail", ["sam.lee@hospital.example", "kim@clinic.example"], 451),
    ("2026-04-10T09:00:00.000Z", "verify", "valid", [], None),
]
prev = "0" * 64
with open(sys.argv[1], "w") as f:
    for i, (ts, action, outcome, rcpts, code) in enumerate(rows, 1):
        r = {"seq": i, "ts": ts, "user": "ana", "action": action, "outcome": outcome,
             "message_id": "<m%d@clinic.test>" % i, "recipients": rcpts, "signer_fpr": "F" * 40,
             "recipient_fprs": [], "protocol": "OpenPGP", "hash_algo": "SHA512",
             "tls": {"version": "TLSv1.3", "cipher": None, "peer_cert_sha256": None},
             "smtp": {"code": code}, "content_sha256": "", "tool_version": "0.1.0",
             "config_sha256": "", "prev": prev}
        r["hash"] = hashlib.sha256(json.dumps(r, sort_keys=True, separators=(",", ":"),
                                              ensure_ascii=False).encode()).hexdigest()
        prev = r["hash"]
        f.write(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
PY
}

# py_edit FILE EXPR: apply a python expression to `lines` (a list of dicts /
# strings) and write the file back.
py_edit() {
    "$PYTHON" - "$1" "$2" <<'PY'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
lines = open(path).read().splitlines()
exec(expr)
open(path, "w").write("".join(l + "\n" for l in lines))
PY
}

test_intact_log_verifies_0() {
    make_log a.jsonl 5
    expect_exit 0 pm audit verify --file a.jsonl
    expect_contains out 'audit log a.jsonl: 5 records, chain intact'
    expect_contains out 'head: seq 5 hash '
    [ "$(stat -c %a a.jsonl)" = 600 ] || fail "mode $(stat -c %a a.jsonl)"
}

test_changed_field_detected() {
    make_log a.jsonl 5
    py_edit a.jsonl 'r = json.loads(lines[2]); r["outcome"] = "sent"; lines[2] = json.dumps(r, sort_keys=True, separators=(",", ":"))'
    expect_exit 1 pm audit verify --file a.jsonl
    expect_contains err 'peermail: error: audit log a.jsonl: record 3 (line 3) was changed: hash mismatch [AUD-03]'
    expect_contains err 'peermail: fix: the 2 records before it verify'
}

test_changed_with_recomputed_hash_detected() {
    make_log a.jsonl 4
    py_edit a.jsonl '
import hashlib
r = json.loads(lines[1]); r["user"] = "mallory"; r.pop("hash")
r["hash"] = hashlib.sha256(json.dumps(r, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
lines[1] = json.dumps(r, sort_keys=True, separators=(",", ":"))'
    expect_exit 1 pm audit verify --file a.jsonl
    expect_contains err 'record 2 (line 2) was changed or replaced: record 3 (line 3) does not chain to it (prev mismatch)'
}

test_deleted_middle_record_detected() {
    make_log a.jsonl 6
    sed -i '4d' a.jsonl
    expect_exit 1 pm audit verify --file a.jsonl
    expect_contains err 'record 4 is missing (seq jumps 3 → 5 at line 4)'
}

test_swapped_records_detected() {
    make_log a.jsonl 5
    py_edit a.jsonl 'lines[1], lines[2] = lines[2], lines[1]'
    expect_exit 1 pm audit verify --file a.jsonl
    expect_contains err 'records reordered at line 2: record 3 comes before record 2 (line 3)'
}

# A torn last line (kill -9 stops a write() between two pages) is not a
# reason to refuse every later run (issue 14): the next append moves its
# bytes into a chained "recovered" record; a damaged line is still refused.
test_truncated_last_line_kept_in_a_torn_tail_record() {
    make_log a.jsonl 3
    truncate -s -20 a.jsonl
    expect_exit 1 pm audit verify --file a.jsonl
    expect_contains err 'line 3 is incomplete: the last record was cut off'
    local torn
    torn=$(tail -c +"$(($(head -n 2 a.jsonl | wc -c) + 1))" a.jsonl | base64 -w0)
    expect_exit 0 pm audit test --file a.jsonl
    expect_exit 0 pm audit verify --file a.jsonl
    expect_contains out '4 records, chain intact'
    expect_contains a.jsonl '"action":"recovered","config_sha256":"","content_sha256":""'
    expect_contains a.jsonl "\"base64\":\"$torn\""
    # A complete line that is not a record is still refused.
    echo garbage >>a.jsonl
    expect_exit 74 pm audit test --file a.jsonl
    expect_contains err 'the last line is not a valid audit record; refusing to chain onto it [AUD-04]'
}

test_removed_tail_needs_anchor() {
    make_log a.jsonl 4
    pm audit verify --file a.jsonl >v.txt
    local head
    head=$(awk '/^head:/ {print $5}' v.txt)
    sed -i '$d' a.jsonl
    expect_exit 0 pm audit verify --file a.jsonl
    expect_exit 1 pm audit verify --file a.jsonl --expect-seq 4
    expect_contains err 'record 4 is missing at the end: the log ends at record 3, expected at least 4'
    expect_exit 1 pm audit verify --file a.jsonl --anchor "$head"
    expect_contains err "no record has the anchor hash $head"
}

test_verify_json() {
    make_log a.jsonl 2
    expect_exit 0 pm --json audit verify --file a.jsonl
    expect_eq "$("$PYTHON" -c 'import json,sys; d=json.load(open("out")); print(d["ok"], d["records"], d["head_seq"])')" "True 2 2"
    sed -i '1d' a.jsonl
    expect_exit 1 pm --json audit verify --file a.jsonl
    expect_eq "$("$PYTHON" -c 'import json; d=json.load(open("out")); print(d["ok"], d["line"], d["seq"])')" "False 1 1"
}

# A log written by an independent implementation with write-ahead records:
# 1 pending (never resolved), 2 pending, 3 sent (pending_seq 2), 4 pending and
# 5 failed (pending_seq 4).
py_write_ahead_log() {
    "$PYTHON" - "$1" <<'PY'
import hashlib, json, sys
rows = [("pending", None, None), ("pending", None, None), ("sent", 2, 250),
        ("pending", None, None), ("failed", 4, 550)]
prev = "0" * 64
with open(sys.argv[1], "w") as f:
    for i, (outcome, pseq, code) in enumerate(rows, 1):
        r = {"seq": i, "ts": "2026-05-01T10:00:0%d.000Z" % i, "user": "ana", "action": "send",
             "outcome": outcome, "message_id": "<m@clinic.test>", "recipients": ["sam.lee@hospital.example"],
             "signer_fpr": "F" * 40, "recipient_fprs": ["E" * 40], "protocol": "OpenPGP",
             "hash_algo": "SHA512", "tls": {"version": None, "cipher": None, "peer_cert_sha256": None},
             "smtp": {"code": code}, "content_sha256": "a" * 64, "tool_version": "0.1.0",
             "config_sha256": "", "prev": prev}
        if pseq is not None:
            r["pending_seq"] = pseq
        r["hash"] = hashlib.sha256(json.dumps(r, sort_keys=True, separators=(",", ":"),
                                              ensure_ascii=False).encode()).hexdigest()
        prev = r["hash"]
        f.write(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
PY
}

test_verify_lists_unresolved_pending_records() {
    py_write_ahead_log a.jsonl
    expect_exit 0 pm audit verify --file a.jsonl
    expect_contains out 'audit log a.jsonl: 5 records, chain intact'
    expect_contains err 'peermail: warning: 1 pending record without an outcome record: seq 1 (a crash, or the outcome could not be written; the message may have reached the server: check there, or in the batch journal, before resending)'
    expect_exit 0 pm --json audit verify --file a.jsonl
    expect_eq "$("$PYTHON" -c 'import json; d=json.load(open("out")); print(d["ok"], d["records"], d["unresolved"])')" "True 5 [1]"
    expect_exit 0 pm audit show --file a.jsonl --outcome pending
    expect_eq "$(grep -c ' pending ' out)" 3 "pending rows"
    # A broken chain fails as before (exit 1); unresolved records are only
    # listed for an intact chain.
    py_edit a.jsonl 'lines.pop(0)'
    expect_exit 1 pm --json audit verify --file a.jsonl
    expect_eq "$("$PYTHON" -c 'import json; d=json.load(open("out")); print(d["ok"], d["unresolved"])')" "False []"
    # No pending records: no warning.
    make_log b.jsonl 2
    expect_exit 0 pm audit verify --file b.jsonl
    expect_not_contains err 'pending'
}

test_independent_implementation_agrees() {
    # A log chained by python with the documented canonical form verifies,
    # and peermail's own records verify in python.
    py_log p.jsonl
    expect_exit 0 pm audit verify --file p.jsonl
    expect_contains out '4 records, chain intact'
    pm audit test --file p.jsonl >/dev/null
    "$PYTHON" - p.jsonl <<'PY'
import hashlib, json, sys
prev = "0" * 64
for n, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line); h = r.pop("hash")
    c = json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(c.encode()).hexdigest() == h, n
    assert r["prev"] == prev and r["seq"] == n, n
    prev = h
print("ok", n)
PY
}

test_show_filters() {
    py_log p.jsonl
    expect_exit 0 pm audit show --file p.jsonl
    expect_contains out '   SEQ TIME                     USER         ACTION     OUTCOME        SMTP RECIPIENTS'
    expect_contains out '     3 2026-03-10T09:00:00.000Z ana          send       tempfail       451  sam.lee@hospital.example,kim@clinic.example <m3@clinic.test>'
    expect_contains err '4 records'
    expect_exit 0 pm audit show --file p.jsonl --outcome refused
    expect_contains out 'refusal    refused'
    expect_not_contains out 'tempfail'
    expect_contains err '1 record'
    expect_exit 0 pm audit show --file p.jsonl --recipient SAM.LEE@hospital.example
    expect_contains err '2 records'
    expect_exit 0 pm audit show --file p.jsonl --since 2026-02-10 --until 2026-04-01
    expect_contains err '2 records'
    expect_exit 0 pm audit show --file p.jsonl --since 2026-03-10T10:00:00+01:00
    expect_contains err '2 records'
    expect_exit 0 pm audit show --file p.jsonl --action verify
    expect_contains out 'verify     valid'
    expect_exit 0 pm --json audit show --file p.jsonl --action send
    expect_eq "$(wc -l <out)" 2 "json lines"
    expect_eq "$("$PYTHON" -c 'import json; print([json.loads(l)["seq"] for l in open("out")])')" "[1, 3]"
    expect_exit 64 pm audit show --file p.jsonl --since yesterday
    expect_contains err 'invalid time "yesterday"'
}

test_export_round_trip() {
    make_log a.jsonl 3
    expect_exit 0 pm audit export --file a.jsonl -o copy.jsonl
    # A manifest line, then the records unchanged (issue 14).
    tail -n +2 copy.jsonl | cmp - a.jsonl
    [ "$(stat -c %a copy.jsonl)" = 600 ] || fail "export mode"
    expect_exit 0 pm audit verify --file copy.jsonl
    expect_exit 0 pm audit export --file a.jsonl
    tail -n +2 out | cmp - a.jsonl
    expect_exit 0 pm audit export --file a.jsonl --since 2999-01-01
    expect_eq "$(wc -l <out)" 1 "filtered export (the manifest only)"
}

test_export_o_keeps_devices_fifos_and_symlinks() {
    make_log a.jsonl 3
    # A symlink: written through, stays a link.
    echo keep >real.jsonl
    ln -s real.jsonl link.jsonl
    # An existing file (through the link too) is kept without --force (73).
    expect_exit 73 pm audit export --file a.jsonl -o link.jsonl
    expect_contains err 'real.jsonl exists; not replacing it'
    expect_contains err 'pass --force to replace it'
    expect_eq "$(cat real.jsonl)" keep "the existing file"
    expect_exit 0 pm audit export --file a.jsonl --force -o link.jsonl
    [ -L link.jsonl ] || fail "the symlink was replaced"
    tail -n +2 real.jsonl | cmp - a.jsonl
    # A FIFO with a reader: gets the records, stays a FIFO.
    mkfifo pipe
    timeout 20 cat pipe >from-pipe &
    local reader=$!
    expect_exit 0 timeout 20 "$PEERMAIL_BIN" audit export --file a.jsonl -o pipe
    wait "$reader"
    [ -p pipe ] || fail "the FIFO was replaced"
    tail -n +2 from-pipe | cmp - a.jsonl
    # A character device (a private /dev/null where root can mknod one).
    local dev=/dev/null
    if [ "$(id -u)" = 0 ] && mknod null c 1 3 2>/dev/null; then dev=$PWD/null; fi
    expect_exit 0 pm audit export --file a.jsonl -o "$dev"
    [ -c "$dev" ] || fail "$dev is no longer a character device"
    # A dangling link is refused (74) and left alone.
    ln -s missing/nowhere dangling
    expect_exit 74 pm audit export --file a.jsonl -o dangling
    [ -L dangling ] || fail "the dangling link was replaced"
}

test_config_path_used() {
    write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 audit_path="$PWD/logs/audit.jsonl"
    expect_exit 0 pm --config c.toml audit test
    expect_exit 0 pm --config c.toml audit test
    expect_exit 0 pm --config c.toml audit verify
    expect_contains out "audit log $PWD/logs/audit.jsonl: 2 records, chain intact"
    [ "$(stat -c %a logs)" = 700 ] || fail "log dir mode"
    expect_exit 0 pm --config c.toml --json audit show
    expect_eq "$("$PYTHON" -c 'import json; print({json.loads(l)["user"] for l in open("out")})')" "{'ana'}"
}

test_records_hold_no_phi_fields() {
    make_log a.jsonl 1
    "$PYTHON" - a.jsonl <<'PY'
import json, sys
allowed = {"seq", "ts", "user", "action", "outcome", "message_id", "recipients", "signer_fpr",
           "recipient_fprs", "protocol", "hash_algo", "tls", "smtp", "content_sha256",
           "tool_version", "config_sha256", "prev", "hash", "check_id", "exit_code"}
for line in open(sys.argv[1]):
    keys = set(json.loads(line))
    assert keys <= allowed, keys - allowed
    assert {"seq", "ts", "prev", "hash", "tls", "smtp"} <= keys
    assert not keys & {"subject", "body", "attachments", "filename", "password"}
PY
}

test_concurrent_appends_never_lose_records() {
    local _
    for _ in 1 2 3 4; do
        (for i in $(seq 8); do pm audit test --file a.jsonl >/dev/null || exit 1; done) &
    done
    wait
    expect_exit 0 pm audit verify --file a.jsonl
    expect_contains out '32 records, chain intact'
}

test_missing_log_66() {
    expect_exit 66 pm audit verify --file nope.jsonl
    expect_contains err 'audit log nope.jsonl: cannot open'
    expect_exit 66 pm audit show --file nope.jsonl
}

test_unwritable_log_74() {
    echo x >blocker
    expect_exit 74 pm audit test --file blocker/audit.jsonl
    expect_contains err 'peermail: error: audit log blocker/audit.jsonl: cannot'
    expect_contains err '[AUD-04]'
}

test_requires_subcommand() {
    expect_exit 64 pm audit
}

# --- Seals, witness and exports that verify (issue 14) ---------------------

# GnuPG for the seal tests: $SEAL is the organisation's seal key, $OTHER
# another key of the same keyring (its secret part too).
# shellcheck source=../tls.bash
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"

suite_setup() {
    probe_gpg || return 0
    gpg_home_new
    local seal other witness
    seal=$(gpg_gen_key "Audit Seal" seal@clinic.test)
    other=$(gpg_gen_key "Other Key" other@clinic.test)
    witness=$(gpg_gen_key "Compliance" compliance@clinic.test)
    gpg_trust_ultimate "$seal"
    gpg_certify "$seal" "$witness"
    {
        echo "export GNUPGHOME=$GNUPGHOME"
        echo "export SEAL=$seal OTHER=$other"
    } >"$SUITE_DIR/env.sh"
    if probe_smtp >/dev/null; then
        make_test_ca "$SUITE_DIR/ca"
        echo "export TEST_CA=$SUITE_DIR/ca" >>"$SUITE_DIR/env.sh"
    fi
}

# seal_config FILE [KEY] [LOG]: a compliant config whose [audit] seal_key is
# KEY (default $SEAL) and whose log is LOG (default ./a.jsonl).
seal_config() {
    local file=$1 key=${2-$SEAL} log=${3:-$PWD/a.jsonl}
    write_config "$file" signing_key="$SEAL" from="Audit Seal <seal@clinic.test>" audit_path="$log" \
        ${SMTP_PORT:+port=$SMTP_PORT tls=starttls ca_file=$TEST_CA/ca.pem}
    [ -n "$key" ] && sed -i "/^path = /a seal_key = \"$key\"" "$file"
    return 0
}

need_seal_key() { [ -n "${SEAL:-}" ] || fail "gpg missing: no seal key"; }

# rehash FILE FROM: recompute hash and prev of every record from line FROM
# on (what an attacker's ten-line script does), leaving seal members alone.
rehash() {
    py_edit "$1" "
import hashlib
prev = json.loads(lines[$2 - 2])['hash'] if $2 > 1 else '0' * 64
for i in range($2 - 1, len(lines)):
    r = json.loads(lines[i]); r.pop('hash'); r['prev'] = prev
    r['hash'] = hashlib.sha256(json.dumps(r, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()).hexdigest()
    prev = r['hash']; lines[i] = json.dumps(r, sort_keys=True, separators=(',', ':'), ensure_ascii=False)"
}

test_seal_detects_rewritten_and_rehashed_log() {
    need_seal_key
    seal_config c.toml
    make_log a.jsonl 5
    expect_exit 0 pm --config c.toml audit seal
    expect_contains out "audit log $PWD/a.jsonl: sealed records 1…5 (hash "
    expect_contains out "with key $SEAL as record 6"
    make_log a.jsonl 2
    expect_exit 0 pm --config c.toml audit verify
    expect_contains out '8 records, chain intact'
    expect_contains out "seals: 1 valid (key $SEAL); records 1…6 sealed at "
    expect_contains out '2 records after the last seal'
    expect_contains err 'peermail: warning: 2 records after the last seal can still be rewritten without detection: run `peermail audit seal`'
    cp a.jsonl orig.jsonl
    # The attack of the issue: rewrite record 3, rehash everything after it.
    py_edit a.jsonl 'r = json.loads(lines[2]); r["outcome"] = "sent"; lines[2] = json.dumps(r)'
    rehash a.jsonl 3
    # Without a seal key the chain looks intact, and verify says what it cannot see.
    expect_exit 0 pm audit verify --file a.jsonl --expect-seq 8
    expect_contains out '8 records, chain intact'
    expect_contains err 'no [audit] seal_key: seals are not checked, so a chain rewritten and rehashed from some record on is not detected'
    expect_exit 1 pm --config c.toml audit verify --expect-seq 8
    expect_contains err "record 6 is a seal of record 5 (hash "
    expect_contains err "but follows record 5 (hash "
    expect_contains err '[AUD-03]'
    # The attacker also rewrites the seal's hash: the signature no longer fits.
    py_edit a.jsonl 'r = json.loads(lines[5]); r["seal"]["hash"] = r["prev"]; lines[5] = json.dumps(r)'
    rehash a.jsonl 6
    expect_exit 1 pm --config c.toml audit verify
    expect_contains err 'record 6 (seal): the signature does not match what it signs (BAD signature): records 1…5 or the seal were changed, or the seal was forged [AUD-03]'
    # The untouched log still verifies, and --seal-key checks without a config.
    expect_exit 0 pm audit verify --file orig.jsonl --seal-key "$SEAL"
    expect_contains out "seals: 1 valid (key $SEAL)"
}

test_seal_forged_moved_or_by_another_key_refused() {
    need_seal_key
    seal_config c.toml
    seal_config other.toml "$OTHER"
    make_log a.jsonl 3
    # A seal made with another key (its owner could write any seal).
    expect_exit 0 pm --config other.toml audit seal
    expect_exit 1 pm --config c.toml audit verify
    expect_contains err "record 4 (seal): signed by key $OTHER, not by the seal key $SEAL"
    # A genuine seal copied to another place in the chain.
    make_log b.jsonl 3
    expect_exit 0 pm --config c.toml audit seal --file b.jsonl
    make_log b.jsonl 2
    py_edit b.jsonl '
r = json.loads(lines[3]); s = r["seal"]
r = json.loads(lines[5]); r["seal"] = s; r["action"] = "seal"; lines[5] = json.dumps(r)'
    rehash b.jsonl 6
    expect_exit 1 pm --config c.toml audit verify --file b.jsonl
    expect_contains err 'record 6 is a seal of record 3 ('
    # A record that claims to be a seal without one.
    make_log d.jsonl 2
    py_edit d.jsonl 'r = json.loads(lines[1]); r["action"] = "seal"; lines[1] = json.dumps(r)'
    rehash d.jsonl 2
    expect_exit 1 pm --config c.toml audit verify --file d.jsonl
    expect_contains err 'record 2 is a seal record without a well-formed seal'
}

test_seal_by_unknown_key_reported() {
    need_seal_key
    seal_config c.toml
    make_log a.jsonl 2
    # Seal in another GnuPG home with a key this keyring does not know.
    local home=$GNUPGHOME
    gpg_home_new
    local stranger
    stranger=$(gpg_gen_key "Stranger" stranger@clinic.test)
    seal_config s.toml "$stranger"
    expect_exit 0 pm --config s.toml audit seal
    GNUPGHOME=$home expect_exit 1 pm --gnupg-home "$home" --config c.toml audit verify
    expect_contains err "record 3 (seal): signed by an unknown key"
    expect_contains err "not by the seal key $SEAL"
}

test_seal_needs_key_and_secret() {
    need_seal_key
    seal_config c.toml ""
    make_log a.jsonl 1
    expect_exit 78 pm --config c.toml audit seal
    expect_contains err 'peermail: error: audit seal: no [audit] seal_key configured [AUD-03]'
    # A seal key whose secret part is not here: fails clearly, appends nothing.
    seal_config p.toml 0123456789ABCDEF0123456789ABCDEF01234567
    local before
    before=$(wc -c <a.jsonl)
    expect_exit 67 pm --config p.toml audit seal
    expect_contains err 'sealing the audit log with [audit] seal_key 0123456789ABCDEF0123456789ABCDEF01234567'
    expect_contains err '[AUD-03]'
    expect_eq "$(wc -c <a.jsonl)" "$before" "log size after a failed seal"
    # A malformed seal_key is a config error with the line.
    seal_config bad.toml ABCD
    expect_exit 78 pm --config bad.toml audit verify
    expect_contains err 'audit.seal_key: must be a full fingerprint (40 or 64 hex digits), not a key ID'
}

test_send_run_ends_with_a_seal() {
    need_seal_key
    seal_config c.toml
    # A refused send (no key for the recipient) is audited, then sealed.
    expect_exit 67 pm --config c.toml send --to nobody@hospital.example --subject s </dev/null
    expect_exit 0 pm --config c.toml audit verify
    expect_contains out "seals: 1 valid (key $SEAL)"
    expect_contains out '0 records after the last seal'
    # Each run ends with a seal, also a dry run that recorded a refusal.
    expect_exit 67 pm --config c.toml send --to nobody@hospital.example --subject s --dry-run </dev/null
    expect_eq "$(wc -l <a.jsonl)" 4 "records after two runs"
    expect_eq "$("$PYTHON" -c 'import json; print([json.loads(l)["action"] for l in open("a.jsonl")])')" "['refusal', 'seal', 'refusal', 'seal']"
    # The seal key cannot sign: the run's own exit code, and a warning with the fix.
    seal_config p.toml 0123456789ABCDEF0123456789ABCDEF01234567
    expect_exit 67 pm --config p.toml send --to nobody@hospital.example --subject s </dev/null
    expect_contains err 'peermail: warning: the run is complete, but the audit log was not sealed: sealing the audit log with [audit] seal_key 0123456789ABCDEF0123456789ABCDEF01234567'
    expect_contains err 'peermail: fix: '
}

test_verify_json_reports_seals() {
    need_seal_key
    seal_config c.toml
    make_log a.jsonl 2
    expect_exit 0 pm --config c.toml audit seal
    make_log a.jsonl 1
    expect_exit 0 pm --config c.toml --json audit verify
    expect_eq "$("$PYTHON" -c 'import json; d=json.load(open("out"))["seals"]; print(d["checked"], d["count"], d["sealed_seq"], d["unsealed"])')" "True 1 3 1"
    expect_exit 0 pm --json audit verify --file a.jsonl
    expect_eq "$("$PYTHON" -c 'import json; d=json.load(open("out"))["seals"]; print(d["checked"], d["count"], d["key"])')" "False 1 None"
}

# sealed_py_log: the varied python log (records 1-4), sealed as record 5,
# then one more record (6).
sealed_py_log() {
    py_log a.jsonl
    seal_config c.toml
    pm --config c.toml audit seal >/dev/null
    pm --config c.toml audit test >/dev/null
}

test_filtered_export_verifies() {
    need_seal_key
    sealed_py_log
    expect_exit 0 pm --config c.toml audit export --action send -o e.jsonl
    expect_contains err 'exported 2 records with a signed manifest'
    expect_exit 0 pm --config c.toml audit verify --file e.jsonl
    expect_contains out 'export e.jsonl: 2 records of '"$PWD"'/a.jsonl (seq 1…3), 1 left out by the filter, chain and manifest intact'
    expect_contains out 'manifest: signed by the seal key; 1 seal of the source log verified'
    expect_not_contains err 'missing'
    # The yearly pattern of the docs: --since, --outcome.
    expect_exit 0 pm --config c.toml audit export --since 2026-02-01 -o y.jsonl
    expect_exit 0 pm --config c.toml audit verify --file y.jsonl
    expect_contains out 'records of '
    expect_exit 0 pm --config c.toml audit export --outcome sent -o s.jsonl
    expect_exit 0 pm --config c.toml --json audit verify --file s.jsonl
    expect_eq "$("$PYTHON" -c 'import json; d=json.load(open("out")); print(d["ok"], d["export"], d["records"], d["filter"], d["signature_checked"])')" "True True 1 {'outcome': 'sent'} True"
    # The whole log exported: records unchanged after the manifest.
    expect_exit 0 pm --config c.toml audit export -o all.jsonl
    tail -n +2 all.jsonl | cmp - a.jsonl
    expect_exit 0 pm --config c.toml audit verify --file all.jsonl
    expect_contains out '6 records'
    expect_contains out '0 left out by the filter'
}

test_doctored_export_fails() {
    need_seal_key
    sealed_py_log
    pm --config c.toml audit export --action send -o e.jsonl 2>/dev/null
    # A record removed.
    cp e.jsonl x.jsonl && sed -i '3d' x.jsonl
    expect_exit 1 pm --config c.toml audit verify --file x.jsonl
    expect_contains err 'the records do not match the manifest (it lists 2 records, seq 1…3; the file holds 1, seq 1…1): records were removed, added or replaced after the export [AUD-03]'
    # A record changed and rehashed.
    cp e.jsonl x.jsonl
    py_edit x.jsonl 'r = json.loads(lines[2]); r["outcome"] = "sent"; lines[2] = json.dumps(r)'
    rehash x.jsonl 3
    expect_exit 1 pm --config c.toml audit verify --file x.jsonl
    expect_contains err 'the records do not match the manifest'
    # The manifest edited to hide the removal.
    cp e.jsonl x.jsonl
    py_edit x.jsonl '
import hashlib
del lines[2]
m = json.loads(lines[0]); m["count"] = 1; m["last_seq"] = 1
m["records_sha256"] = hashlib.sha256((json.loads(lines[1])["hash"] + "\n").encode()).hexdigest()
lines[0] = json.dumps(m)'
    expect_exit 1 pm --config c.toml audit verify --file x.jsonl
    expect_contains err "export x.jsonl: the export manifest: the signature does not match what it signs (BAD signature): the manifest was edited"
    # ... or with its signature removed.
    py_edit x.jsonl 'm = json.loads(lines[0]); m.pop("signature"); lines[0] = json.dumps(m)'
    expect_exit 1 pm --config c.toml audit verify --file x.jsonl
    expect_contains err 'the export manifest is not signed, but [audit] seal_key is set'
    # Spliced from two logs: record 3 of another log in its place.
    py_log other.jsonl
    py_edit other.jsonl 'r = json.loads(lines[2]); r["user"] = "mallory"; lines[2] = json.dumps(r)'
    rehash other.jsonl 3
    cp e.jsonl x.jsonl
    py_edit x.jsonl "lines[2] = open('other.jsonl').read().splitlines()[2]"
    expect_exit 1 pm --config c.toml audit verify --file x.jsonl
    expect_contains err 'the records do not match the manifest'
    # Consecutive records that do not chain: two logs spliced.
    pm --config c.toml audit export -o all.jsonl 2>/dev/null
    py_edit all.jsonl "lines[3] = open('other.jsonl').read().splitlines()[2]"
    expect_exit 1 pm --config c.toml audit verify --file all.jsonl
    expect_contains err 'record 4 (line 5) does not chain to record 3 before it: the records come from different logs or one was replaced'
    # Records reordered.
    cp e.jsonl x.jsonl
    py_edit x.jsonl 'lines[1], lines[2] = lines[2], lines[1]'
    expect_exit 1 pm --config c.toml audit verify --file x.jsonl
    expect_contains err 'records out of order at line 3: record 1 after record 3'
}

test_export_refuses_tampered_log() {
    need_seal_key
    sealed_py_log
    py_edit a.jsonl 'r = json.loads(lines[1]); r["outcome"] = "sent"; lines[1] = json.dumps(r)'
    rehash a.jsonl 2
    expect_exit 1 pm --config c.toml audit export -o e.jsonl
    expect_contains err 'refusing to export from a log that does not verify [AUD-03]'
    [ ! -e e.jsonl ] || fail "an export was written"
}

test_export_without_seal_key_is_unsigned() {
    make_log a.jsonl 3
    expect_exit 0 pm audit export --file a.jsonl --since 2000-01-01 -o e.jsonl
    expect_contains err 'exported 3 records with an unsigned manifest'
    expect_contains err 'no [audit] seal_key: the manifest is not signed'
    expect_exit 0 pm audit verify --file e.jsonl
    expect_contains out 'export e.jsonl: 3 records of a.jsonl (seq 1…3), 0 left out by the filter, chain and manifest intact'
    # Even unsigned, records removed behind the manifest's back are found.
    sed -i '2d' e.jsonl
    expect_exit 1 pm audit verify --file e.jsonl
    expect_contains err 'the records do not match the manifest'
}

test_seal_witness_mail() {
    need_seal_key
    [ -n "${TEST_CA:-}" ] || fail "python3-aiosmtpd or openssl missing: no SMTP server"
    start_smtp starttls --user ana --password pw-witness
    seal_config c.toml
    make_log a.jsonl 2
    PM_TEST_PASSWORD=pw-witness expect_exit 0 pm --config c.toml audit seal --mail compliance@clinic.test
    expect_contains out 'sealed records 1…2'
    expect_eq "$(spool_count)" 1 "witness messages"
    expect_clear_ok
    # The witness gets the seal encrypted; decrypted it names the check to run.
    local msg
    msg=$(find "$SMTP_SPOOL" -name 'msg-*.eml' | head -1)
    expect_contains "$msg" 'multipart/encrypted'
    expect_not_contains "$msg" 'peermail-seal'
    "$PYTHON" - "$msg" >ct.asc <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print([p for p in m.walk() if p.get_content_type() == "application/octet-stream"][0].get_payload())
PY
    gpg --batch --quiet --decrypt ct.asc >plain.eml 2>/dev/null
    "$PYTHON" - <<'PY' >plain.txt
import email
m = email.message_from_binary_file(open("plain.eml", "rb"))
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_payload(decode=True).decode())
PY
    local seal_hash
    seal_hash=$("$PYTHON" -c 'import json; print(json.loads(open("a.jsonl").read().splitlines()[2])["hash"])')
    expect_contains plain.txt "peermail audit verify --file $PWD/a.jsonl --anchor $seal_hash --expect-seq 3"
    # The witness mail is audited like any send, and the run sealed again.
    expect_exit 0 pm --config c.toml audit verify --anchor "$seal_hash" --expect-seq 3
    expect_contains out "seals: 2 valid (key $SEAL)"
    expect_eq "$("$PYTHON" -c 'import json; print([json.loads(l)["action"] for l in open("a.jsonl")][2:])')" "['seal', 'send', 'send', 'seal']"
}

test_seal_key_with_passphrase_fails_fast_unattended() {
    need_seal_key
    gpg_home_copy
    gpg --batch --quiet --pinentry-mode loopback --passphrase 'pp-never-shown' \
        --quick-gen-key "PP Seal <pp@clinic.test>" ed25519 sign,cert 2y 2>/dev/null
    local pp
    pp=$(gpg --with-colons --list-keys "=PP Seal <pp@clinic.test>" | awk -F: '/^fpr:/ {print $10; exit}')
    seal_config c.toml "$pp"
    make_log a.jsonl 1
    local before
    before=$(wc -c <a.jsonl)
    # No terminal, no display: the agent cannot ask; peermail fails at once.
    SECONDS=0
    expect_exit 75 timeout 60 env -u GPG_TTY -u DISPLAY "$PEERMAIL_BIN" --config c.toml audit seal </dev/null
    [ "$SECONDS" -lt 30 ] || fail "sealing took ${SECONDS}s"
    expect_contains err "sealing the audit log with [audit] seal_key $pp: GnuPG could not ask for the signing key's passphrase"
    expect_contains err "the seal key's passphrase could not be asked for"
    expect_not_contains err 'pp-never-shown'
    expect_eq "$(wc -c <a.jsonl)" "$before" "log size after a failed seal"
}

test_batch_run_ends_with_a_seal() {
    need_seal_key
    seal_config c.toml
    printf 'email,name\nnobody@hospital.example,N\n' >people.csv
    printf 'From: seal@clinic.test\nTo: {{email}}\nSubject: notice\n\nHello {{name}}\n' >notice.eml
    local rc=0
    pm --config c.toml batch --recipients people.csv --template notice.eml >out 2>err || rc=$?
    [ "$rc" != 0 ] || fail "a batch without keys succeeded"
    expect_exit 0 pm --config c.toml audit verify
    expect_contains out "seals: 1 valid (key $SEAL)"
    expect_contains out '0 records after the last seal'
}

# --- auditor views: SEQ/USER, checked filters, `audit report` (issue 14) --------

test_show_user_filter() {
    py_log p.jsonl
    py_edit p.jsonl 'r = json.loads(lines[1]); r["user"] = "kim"; lines[1] = json.dumps(r)'
    expect_exit 0 pm audit show --file p.jsonl --user kim
    expect_contains out '     2 2026-02-10T09:00:00.000Z kim          refusal    refused'
    expect_contains err '1 record'
    expect_exit 0 pm audit show --file p.jsonl --user ana --action send
    expect_contains err '2 records'
    expect_exit 0 pm audit show --file p.jsonl --user nobody
    expect_contains err '0 records'
}

test_show_unknown_filter_values_64() {
    py_log p.jsonl
    expect_exit 64 pm audit show --file p.jsonl --outcome snet
    expect_contains err 'unknown outcome "snet" (did you mean "sent"?)'
    expect_contains err 'fix: use one of: accessed, compliant, dry-run, failed, interrupted, not-compliant, not-sent, ok, pending, refused, sealed, sent, tempfail, torn-tail, unknown, valid, withheld'
    expect_exit 64 pm audit show --file p.jsonl --action acess
    expect_contains err 'unknown action "acess" (did you mean "access"?)'
    expect_exit 64 pm audit export --file p.jsonl --outcome nonsense
    expect_contains err 'unknown outcome "nonsense"'
    expect_not_contains err 'did you mean'
    expect_eq "$(wc -c <out)" 0 "nothing exported"
}

# report_log FILE: py_log plus a pending record, a seal and one more send,
# with record 3 removed (a gap).
report_log() {
    py_log "$1"
    py_edit "$1" '
base = json.loads(lines[0])
extra = [(5, "2026-05-01T09:00:00.000Z", "send", "pending", None, "bob"),
         (6, "2026-05-01T09:00:01.000Z", "send", "sent", "TLSv1.2", "bob"),
         (7, "2026-05-02T09:00:00.000Z", "seal", "sealed", None, "ana"),
         (8, "2026-05-03T09:00:00.000Z", "access", "accessed", None, "ana")]
for seq, ts, action, outcome, tls, user in extra:
    r = dict(base, seq=seq, ts=ts, action=action, outcome=outcome, user=user)
    r["tls"] = dict(base["tls"], version=tls)
    lines.append(json.dumps(r))
del lines[2]'
}

test_report_summarises_sends_seals_and_gaps() {
    report_log p.jsonl
    expect_exit 0 pm --json audit report --file p.jsonl
    "$PYTHON" - out <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["records"]["count"] == 7 and d["records"]["first_seq"] == 1 and d["records"]["last_seq"] == 8, d["records"]
assert d["records"]["by_action"] == {"send": 3, "refusal": 1, "verify": 1, "seal": 1, "access": 1}, d["records"]
assert d["sends"]["by_outcome"] == {"sent": 2, "refused": 1, "pending": 1}, d["sends"]
assert d["sends"]["by_user"] == {"ana": 2, "bob": 1}, d["sends"]
assert d["sends"]["by_tls_version"] == {"TLSv1.3": 2, "TLSv1.2": 1}, d["sends"]
assert d["seals"] == {"in_period": 1, "last_seal_seq": 7, "unsealed_after_last_seal": 1}, d["seals"]
assert d["log"] == {"head_seq": 8, "gaps": [{"first": 3, "last": 3}], "out_of_order": 0, "bad_lines": 0}, d["log"]
assert d["since"] is None and d["until"] is None and d["path"] == "p.jsonl"
assert set(d["report"]) == {"generated", "host", "peermail_version", "config_path", "config_sha256", "gnupg_home"}
PY
    expect_exit 0 pm audit report --file p.jsonl --since 2026-02-01 --until 2026-05-01T09:00:01Z
    expect_contains out 'peermail audit report: log p.jsonl'
    expect_contains out "on $(hostname) by peermail "
    expect_contains out 'period: 2026-02-01T00:00:00.000Z to 2026-05-01T09:00:01.000Z (end excluded)'
    expect_contains out 'records: 3 (seq 2 to 5); by action: refusal 1, send 1, verify 1'
    expect_contains out 'sends by outcome: pending 1, refused 1'
    expect_contains out 'sends by user: ana 1'
    expect_contains out 'sends by TLS version: TLSv1.3 1'
    expect_contains out 'seals: 0 in the period; last seal at seq 7, 1 record after it unsealed'
    expect_contains out 'log: head seq 8; missing seq: 3; out of order: 0; unreadable lines: 0'
}

test_report_without_seals_and_errors() {
    py_log p.jsonl
    expect_exit 0 pm audit report --file p.jsonl
    expect_contains out 'no seal in the log: all 4 records unsealed'
    expect_contains out 'missing seq: none'
    expect_exit 64 pm audit report --file p.jsonl --since yesterday
    expect_contains err 'invalid time "yesterday"'
    expect_exit 66 pm audit report --file missing.jsonl
}

test_report_header_names_the_config() {
    mkdir -m 700 state
    write_config c.toml signing_key=0123456789ABCDEF0123456789ABCDEF01234567 audit_path="$PWD/state/audit.jsonl"
    pm --config c.toml audit test >/dev/null
    expect_exit 0 pm --config c.toml --json audit report
    "$PYTHON" - out c.toml "$PWD/state/audit.jsonl" <<'PY'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
h = d["report"]
assert h["config_path"] == sys.argv[2] and h["config_sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest(), h
assert d["path"] == sys.argv[3] and d["records"]["by_action"] == {"audit-test": 1}, d
PY
}
