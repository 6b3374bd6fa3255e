# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail check`: the checklist over real config files and a real keyring.
. "$PEERMAIL_SOURCE_DIR/tests/integration/keyring_fixture.bash"

suite_probe() { probe_gpg; }
suite_setup() { keyring_fixture_setup; }

# clean_config FILE [KEY=VALUE...]: a config that passes every static item,
# with Sam pinned and the audit log in an owner-only directory.
clean_config() {
  local file=$1
  shift
  mkdir -p -m 700 state
  write_config "$file" signing_key="$ANA" host=smtp.clinic.test audit_path="$PWD/state/audit.jsonl" \
    extra="[[peer]]\naddress = \"sam@hospital.test\"\nfingerprint = \"$SAM\"" "$@"
}

peer_config() { # FILE ADDRESS FINGERPRINT
  mkdir -p -m 700 state
  write_config "$1" signing_key="$ANA" host=smtp.clinic.test audit_path="$PWD/state/audit.jsonl" \
    extra="[[peer]]\naddress = \"$2\"\nfingerprint = \"$3\""
}

test_clean_setup_exit_0() {
  clean_config c.toml
  expect_exit 0 pm --config c.toml check
  expect_contains out 'Keys (KEY)'
  expect_contains out ' 0 fail, '
  expect_contains out 'pass  SIG-01'
  expect_contains out 'pass  KEY-05'
  expect_contains out 'skip  TLS-03   Strong cipher suites only'
  expect_contains out 'needs --probe'
}

test_json_exact_shape() {
  clean_config c.toml
  expect_exit 0 pm --config c.toml --json check
  /usr/bin/python3 - out "$PEERMAIL_SOURCE_DIR" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
assert set(doc) == {"ok", "profile", "report", "audit_record", "findings"}, doc.keys()
assert set(doc["report"]) == {"generated", "host", "peermail_version", "config_path", "config_sha256", "gnupg_home"}, doc["report"]
assert set(doc["audit_record"]) == {"path", "seq", "error", "fix"}, doc["audit_record"]
assert doc["ok"] is True and doc["profile"] == "hipaa"
ids = [f["id"] for f in doc["findings"]]
assert len(ids) == 45, len(ids)
assert ids[0] == "TLS-01" and ids[-1] == "CFG-06" and len(set(ids)) == 45
for f in doc["findings"]:
    assert set(f) == {"id", "title", "status", "level", "evidence", "fix", "reference"}, f
    assert f["status"] in ("pass", "warn", "fail", "skip"), f
    assert f["level"] in ("required", "addressable", "recommended", "conditional"), f
    assert all(isinstance(f[k], str) for k in f), f
    assert re.fullmatch(r"(TLS|E2E|SIG|KEY|AUTH|AUD|CFG)-\d\d", f["id"]), f
PY
}

test_only_two_items() {
  clean_config c.toml
  expect_exit 0 pm --config c.toml --json check --only TLS-02,AUD-05
  /usr/bin/python3 -c 'import json,sys; d=json.load(open("out")); assert [f["id"] for f in d["findings"]]==["TLS-02","AUD-05"], d; assert d["findings"][0]["status"]=="pass"'
  expect_exit 0 pm --config c.toml check --only aud-05
  expect_contains out 'AUD-05'
  expect_not_contains out 'TLS-02'
}

test_only_unknown_id_64() {
  clean_config c.toml
  expect_exit 64 pm --config c.toml check --only TLS-99
  expect_contains err 'unknown checklist ID "TLS-99"'
}

test_expired_peer_fails_key02() {
  peer_config c.toml old@hospital.test "$OLD"
  expect_exit 1 pm --config c.toml check
  expect_contains out "fail  KEY-02"
  expect_contains out "peer <old@hospital.test>: key $OLD expired on 2020-12-31"
  expect_contains out "fail  E2E-01"
}

test_revoked_peer_fails_key03() {
  peer_config c.toml rex@hospital.test "$REX"
  expect_exit 1 pm --config c.toml --json check --only KEY-03
  expect_contains out '"status":"fail"'
  expect_contains out "key $REX is revoked"
}

test_weak_peer_fails_key01() {
  peer_config c.toml wes@hospital.test "$WES"
  expect_exit 1 pm --config c.toml check --only KEY-01
  expect_contains out "fail  KEY-01"
  expect_contains out "rsa2048 is below the policy minimum of 3072 bits"
  # With a 2048-bit policy the same key passes KEY-01.
  peer_config c.toml wes@hospital.test "$WES"
  printf '[policy]\nmin_rsa_bits = 2048\n' >>c.toml
  expect_exit 0 pm --config c.toml check --only KEY-01
  expect_contains out "pass  KEY-01"
}

test_pin_mismatch_fails_e2e04() {
  peer_config c.toml sam@hospital.test 0123456789ABCDEF0123456789ABCDEF01234567
  expect_exit 1 pm --config c.toml check --only E2E-04
  expect_contains out "fail  E2E-04"
  expect_contains out "pins 0123456789ABCDEF0123456789ABCDEF01234567 for <sam@hospital.test>, but the keyring has $SAM"
}

test_pinned_uncertified_peer_fails_e2e04() {
  # One rule: the key must be certified (GnuPG encrypts to nothing else, and
  # "always trust" is never used); a pin names the one key on top of that.
  peer_config c.toml uma@hospital.test "$UMA"
  expect_exit 1 pm --config c.toml check --only E2E-04,E2E-01
  expect_contains out "fail  E2E-04"
  expect_contains out "the pinned key $UMA for <uma@hospital.test> is not certified"
}

test_missing_baa_fails_cfg01() {
  clean_config c.toml
  sed -i '/^baa = /d' c.toml
  expect_exit 1 pm --config c.toml check
  expect_contains out "fail  CFG-01"
  expect_contains out "no Business Associate Agreement attested (compliance.baa)"
}

test_expired_baa_fails_cfg01() {
  clean_config c.toml
  sed -i 's/expires = 2099-12-31/expires = 2020-01-31/' c.toml
  expect_exit 1 pm --config c.toml check --only CFG-01
  expect_contains out "BAA BAA-TEST expired on 2020-01-31"
}

test_unsafe_config_permissions_fail_auth05() {
  clean_config c.toml
  chmod 644 c.toml
  expect_exit 1 pm --config c.toml check --only AUTH-05
  expect_contains out "fail  AUTH-05"
  expect_contains out "chmod 600"
  # Every other command refuses the file outright.
  expect_exit 77 pm --config c.toml keys list
}

test_world_writable_audit_dir_fails_auth05() {
  clean_config c.toml
  chmod 777 state
  expect_exit 1 pm --config c.toml check --only AUTH-05,AUD-06
  expect_contains out "audit directory $PWD/state has mode 0777"
}

test_audit_log_others_can_write_fails_aud01_like_send() {
  clean_config c.toml
  mkdir -p state && : >state/audit.jsonl && chmod 666 state/audit.jsonl
  expect_exit 1 pm --config c.toml check --only AUD-01
  expect_contains out "fail  AUD-01"
  expect_contains out "is writable by others (mode 0666)"
  expect_contains out "chmod 600 $PWD/state/audit.jsonl"
  # send applies the same rule with its own exit code, before anything else.
  printf 'hello\n' >body.txt
  expect_exit 77 pm --config c.toml send --to sam@hospital.test --subject s --body-file body.txt
  expect_contains err "is writable by others (mode 0666) [AUD-01]"
  chmod 600 state/audit.jsonl
  ln -s audit.jsonl state/link.jsonl
  sed -i "s|state/audit.jsonl|state/link.jsonl|" c.toml
  expect_exit 1 pm --config c.toml check --only AUD-01
  expect_contains out "is a symbolic link"
}

test_literal_secret_fails_auth04() {
  clean_config c.toml
  sed -i 's/^password_env = .*/password = "hunter2-secret"/' c.toml
  expect_exit 1 pm --config c.toml check
  expect_contains out "fail  AUTH-04"
  expect_not_contains out "hunter2"
  expect_not_contains err "hunter2"
  expect_exit 78 pm --config c.toml keys list
  expect_not_contains err "hunter2"
}

test_noncompliant_tls_fails_and_is_refused() {
  clean_config c.toml
  sed -i 's/^min_tls = .*/min_tls = "1.0"/' c.toml
  expect_exit 1 pm --config c.toml --json check --only TLS-02
  expect_contains out '"status":"fail"'
  expect_contains out 'account.default.min_tls = \"1.0\"'
  expect_exit 78 pm --config c.toml keys check sam@hospital.test
  expect_contains err '[TLS-02]'
}

test_port_25_fails_tls01() {
  clean_config c.toml
  sed -i 's/^port = .*/port = 25/' c.toml
  expect_exit 1 pm --config c.toml check --only TLS-01
  expect_contains out "fail  TLS-01"
}

test_unprotected_signing_key_fails_key05() {
  clean_config c.toml from="Nop Clear <nop@clinic.test>" signing_key="$NOP"
  expect_exit 1 pm --config c.toml check --only KEY-05,SIG-01
  expect_contains out "the signing key's secret part is stored without a passphrase"
  expect_contains out "pass  SIG-01"
}

test_signer_without_uid_fails_sig01() {
  clean_config c.toml from="Bob <bob@clinic.test>"
  expect_exit 1 pm --config c.toml check --only SIG-01
  expect_contains out "signing key $ANA has no user ID for the sender <bob@clinic.test>"
}

test_signer_public_only_fails_sig01() {
  clean_config c.toml from="Sam Lee <sam@hospital.test>" signing_key="$SAM"
  expect_exit 1 pm --config c.toml check --only SIG-01
  expect_contains out "the secret part of signing key $SAM is not in the keyring"
}

test_syntax_error_78() {
  printf '[identity\nfrom = 1\n' >c.toml
  chmod 600 c.toml
  expect_exit 78 pm --config c.toml check
}

test_unknown_key_78() {
  clean_config c.toml extra='[policy]\nencrypt_to_slef = true'
  expect_exit 78 pm --config c.toml check
  expect_contains err 'did you mean "encrypt_to_self"'
}

test_missing_config_66() {
  expect_exit 66 pm --config nope.toml check
}


# issue 12: a GnuPG home that does not exist FAILs KEY-05 with the fix.
test_missing_gnupg_home_fails_key05() {
    clean_config c.toml
    GNUPGHOME=$PWD/no-such-home expect_exit 1 pm --config c.toml check --only KEY-05
    expect_contains out 'fail  KEY-05'
    expect_contains out "GnuPG home $PWD/no-such-home does not exist"
    expect_contains out 'fix: point --gnupg-home'
    expect_not_contains out 'private key file(s) owner-only'
}

# issue 12: the archive key is judged like every other key (KEY-01).
test_weak_archive_key_fails_key01() {
    gpg_home_copy
    local weak
    weak=$(gpg_weak_key "Clinic Archive" archive@clinic.test)
    clean_config c.toml extra="[[peer]]\naddress = \"sam@hospital.test\"\nfingerprint = \"$SAM\"\n[policy]\narchive_key = \"$weak\""
    expect_exit 1 pm --config c.toml check --only KEY-01
    expect_contains out 'fail  KEY-01'
    expect_contains out "archive key $weak (policy.archive_key)"
    expect_contains out 'rsa1024 gives less than 112-bit security'
}

# issue 12: $PEERMAIL_HOST passes the same validation as the file's host.
test_peermail_host_validated_like_the_file() {
    clean_config c.toml
    PEERMAIL_HOST='evil.example:2525' expect_exit 78 pm --config c.toml check
    expect_contains err '$PEERMAIL_HOST: account.default.host: must be a plain host name'
    expect_contains err '[TLS-05]'
    PEERMAIL_HOST='smtp.other.test' expect_exit 0 pm --config c.toml check --only TLS-05
    expect_contains out 'smtp.other.test'
}

# --- evidence: the report header and the record of each run (issue 14) ---------

test_check_run_is_recorded_with_counts_and_config_hash() {
  clean_config c.toml
  expect_exit 0 pm --config c.toml check
  expect_contains out "peermail check: profile hipaa, config c.toml"
  expect_contains out "on $(hostname) by peermail "
  expect_contains out "config c.toml (sha256 $(sha256sum c.toml | cut -d' ' -f1))"
  expect_contains out "GnuPG home $GNUPGHOME"
  expect_contains out "recorded: audit log $PWD/state/audit.jsonl record 1"
  expect_exit 0 pm --config c.toml --json check
  /usr/bin/python3 - out state/audit.jsonl c.toml <<'PY'
import collections, hashlib, json, re, sys
doc = json.load(open(sys.argv[1]))
recs = [json.loads(l) for l in open(sys.argv[2])]
cfg_hash = hashlib.sha256(open(sys.argv[3], "rb").read()).hexdigest()
h = doc["report"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", h["generated"]), h
assert h["config_path"] == "c.toml" and h["config_sha256"] == cfg_hash and h["peermail_version"], h
assert doc["audit_record"]["seq"] == 2 and doc["audit_record"]["error"] == "", doc["audit_record"]
assert len(recs) == 2, recs
r = recs[1]
assert r["action"] == "check" and r["outcome"] == "compliant" and r["user"] == "ana", r
assert r["config_sha256"] == cfg_hash, r
want = collections.Counter(f["status"] for f in doc["findings"])
assert r["counts"]["all"] == {s: want.get(s, 0) for s in ("pass", "warn", "fail", "skip")}, r["counts"]
req = collections.Counter(f["status"] for f in doc["findings"] if f["level"] == "required")
assert {k: v for k, v in r["counts"]["required"].items()} == dict(req), r["counts"]
text = open(sys.argv[2]).read()
assert "evidence" not in text and "clinic.test" not in text and "hospital.test" not in text
PY
  expect_exit 0 pm audit verify --file state/audit.jsonl
}

test_check_not_compliant_and_probe_runs_are_recorded() {
  clean_config c.toml
  sed -i '/^baa = /d' c.toml
  expect_exit 1 pm --config c.toml check --only CFG-01
  # The probe of a host that does not resolve fails TLS-01; still recorded.
  expect_exit 1 pm --config c.toml check --probe --only TLS-01
  /usr/bin/python3 -c '
import json
recs = [json.loads(l) for l in open("state/audit.jsonl")]
assert [(r["action"], r["outcome"]) for r in recs] == [("check", "not-compliant"), ("probe", "not-compliant")], recs
assert recs[0]["counts"]["all"]["fail"] == 1 and recs[0]["counts"]["required"]["fail"] == 1, recs[0]
'
}

test_check_reports_although_its_record_fails() {
  clean_config c.toml
  printf '{"seq": 1, "half a rec\n' >state/audit.jsonl # damaged (a torn line would be kept)
  expect_exit 1 pm --config c.toml check
  expect_contains out "NOT recorded in the audit log: audit log $PWD/state/audit.jsonl"
  expect_contains out "fail  AUD-04"
  expect_contains err "warning: this check is not recorded in the audit log"
  expect_exit 1 pm --config c.toml --json check
  /usr/bin/python3 -c '
import json
d = json.load(open("out"))
a = d["audit_record"]
assert a["seq"] is None and "audit log" in a["error"] and a["fix"], a
assert len(d["findings"]) == 45
'
  expect_eq "$(cat state/audit.jsonl)" '{"seq": 1, "half a rec' "the damaged log is left alone"
}
