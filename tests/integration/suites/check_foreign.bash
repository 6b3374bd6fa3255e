# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail check --msmtprc FILE [--account NAME]`: the checklist over the
# msmtp configurations people already have, starting from the examples
# Debian ships (/usr/share/doc/msmtp/examples). Each verdict on TLS is
# cross-checked against what msmtp itself resolves (`msmtp --pretend`): the
# parser must read the file as msmtp does.

EXAMPLES=/usr/share/doc/msmtp/examples

suite_probe() {
    [ -d "$EXAMPLES" ] || { echo "absent data: $EXAMPLES (Debian package msmtp)"; return 1; }
    need_cmd msmtp
}

# pretend FILE ACCOUNT SETTING: the value msmtp resolves for SETTING.
pretend() {
    msmtp --pretend -C "$1" -a "$2" </dev/null 2>/dev/null | sed -n "s/^$3 = //p"
}

test_debian_user_example_no_failure_0() {
    install -m 600 "$EXAMPLES/msmtprc-user.example" msmtprc
    expect_exit 0 pm check --msmtprc msmtprc
    expect_contains out 'msmtp msmtprc, account freemail'
    expect_contains out 'pass  TLS-01'
    expect_contains out 'msmtprc:15: tls on: STARTTLS required on port 587'
    expect_contains out 'pass  AUTH-04'
    expect_contains out 'warn  AUD-04'
    expect_contains out 'fix: syslog LOG_MAIL'
    expect_contains out 'skip  TLS-02'
    expect_eq "$(pretend msmtprc company tls)" on "msmtp's own tls"
    expect_eq "$(pretend msmtprc company port)" 587 "msmtp's own port"
    # The company account keeps its password in the keyring (or ~/.netrc).
    expect_exit 0 pm check --msmtprc msmtprc --account company
    expect_contains out 'warn  AUTH-04'
}

test_debian_system_example_implicit_tls_0() {
    install -m 600 "$EXAMPLES/msmtprc-system.example" msmtprc
    expect_exit 0 pm check --msmtprc msmtprc
    expect_contains out 'account default'
    expect_contains out 'msmtprc:'
    expect_contains out 'implicit TLS on port 465'
    expect_contains out 'pass  AUD-04'
    expect_eq "$(pretend msmtprc default tls_starttls)" off "msmtp's own tls_starttls"
}

test_insecure_variants_cited_with_fixes_1() {
    cat >msmtprc <<'RC'
defaults
logfile ~/.msmtp.log

account cron
host 192.0.2.10
auth cram-md5
user backup
password Sup3rSecret-4711
tls_certcheck off
RC
    chmod 644 msmtprc
    expect_exit 1 pm check --msmtprc msmtprc --account cron
    expect_eq "$(pretend msmtprc cron tls)" off "msmtp's own tls"
    expect_contains out 'fail  TLS-01'
    expect_contains out "msmtprc: tls is not set (msmtp's default: off): mail and the password travel in clear text"
    expect_contains out 'fix: tls on'
    expect_contains out 'fail  AUTH-02'
    expect_contains out 'fail  AUTH-03'
    expect_contains out 'msmtprc:8: password (the secret itself, in the file)'
    expect_contains out 'fail  AUTH-05'
    expect_contains out 'fix: chmod 600 msmtprc'
    expect_contains out 'NOT COMPLIANT'
    expect_not_contains out 'Sup3rSecret'
    expect_not_contains err 'Sup3rSecret'
    # With TLS on, the certificate check that is off is the failure.
    sed -i 's/^tls_certcheck off/tls on\ntls_certcheck off/' msmtprc
    chmod 600 msmtprc
    expect_eq "$(pretend msmtprc cron tls_certcheck)" off "msmtp's own tls_certcheck"
    expect_exit 1 pm --json check --msmtprc msmtprc --account cron
    /usr/bin/python3 - out <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["ok"] is False, doc
assert doc["source"] == {"kind": "msmtprc", "path": "msmtprc", "account": "cron"}, doc["source"]
by = {f["id"]: f for f in doc["findings"]}
assert by["TLS-04"]["status"] == "fail", by["TLS-04"]
assert by["TLS-04"]["evidence"].startswith("msmtprc:10: tls_certcheck off"), by["TLS-04"]
assert by["TLS-04"]["fix"] == "tls_certcheck on (and remove tls_nocertcheck)", by["TLS-04"]
assert by["TLS-01"]["status"] == "fail" and "port 25" in by["TLS-01"]["evidence"], by["TLS-01"]
assert "Sup3rSecret" not in json.dumps(doc)
PY
}

test_eval_and_unknown_commands_are_reported_not_guessed() {
    printf 'account a\nhost m.example.org\nport 465\ntls on\ntls_starttls off\neval cat /etc/extra\n' >msmtprc
    chmod 600 msmtprc
    expect_exit 0 pm check --msmtprc msmtprc
    expect_contains out "msmtprc:6: eval: the configuration comes from a command's output"
}

test_unknown_account_64_lists_the_accounts() {
    install -m 600 "$EXAMPLES/msmtprc-user.example" msmtprc
    expect_exit 64 pm check --msmtprc msmtprc --account nope
    expect_contains err 'msmtprc: no account nope'
    expect_contains err 'freemail, freemail2, company'
    expect_exit 66 pm check --msmtprc missing.rc
}
