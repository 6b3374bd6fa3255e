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

# --- check --muttrc FILE ----------------------------------------------------

test_muttrc_careful_config_with_sourced_account_0() {
    mkdir -p home/.mutt
    cat >home/.mutt/account.rc <<'RC'
# the submission account, sourced from ~/.muttrc
set smtp_url = "smtps://ana@mail.clinic.example/"
set ssl_force_tls ; unset ssl_use_tlsv1 ssl_use_tlsv1_1
RC
    cat >home/.muttrc <<'RC'
source ~/.mutt/account.rc
set crypt_autosign crypt_autoencrypt \
    pgp_default_key=0x0123456789ABCDEF0123456789ABCDEF01234567
source "~/bin/mutt-colors.sh|"
RC
    chmod 600 home/.muttrc home/.mutt/account.rc
    HOME=$PWD/home expect_exit 0 pm check --muttrc home/.muttrc
    expect_contains out 'peermail check: profile hipaa, mutt home/.muttrc'
    expect_contains out 'pass  TLS-01'
    expect_contains out "$PWD/home/.mutt/account.rc:2: set smtp_url=smtps://ana@mail.clinic.example/: implicit TLS on port 465"
    expect_contains out 'pass  E2E-01'
    expect_contains out 'pass  SIG-01'
    expect_contains out 'warn  AUD-04'
    expect_contains out 'note: home/.muttrc:4: source ~/bin/mutt-colors.sh|: runs a command, which peermail does not run'
    expect_not_contains out 'mutt home/.muttrc, account'
}

test_muttrc_insecure_config_cited_with_fixes_1() {
    cat >muttrc <<'RC'
set smtp_url="smtp://ana:Pw-4711-hidden@mail.clinic.example:587/"
set ssl_force_tls=no ssl_use_tlsv1=yes
set smtp_pass='Sup3rSecret-4711'
set crypt_opportunistic_encrypt
set ssl_verify_host=no
set record="~/Mail/sent"
set pgp_default_key=`gpg-default-key`
RC
    chmod 644 muttrc
    expect_exit 1 pm check --muttrc muttrc
    expect_contains out 'fail  TLS-01'
    expect_contains out 'muttrc:2: set ssl_force_tls=no: Mutt goes on in clear text'
    expect_contains out 'fix: set ssl_force_tls=yes (or smtp_url=smtps://USER@HOST/)'
    expect_contains out 'fail  TLS-02'
    expect_contains out 'fail  TLS-05'
    expect_contains out 'fail  E2E-01'
    expect_contains out 'fail  E2E-05'
    expect_contains out 'muttrc:6: set record=~/Mail/sent: copies of messages sent in clear text are kept there'
    expect_contains out 'fail  AUTH-04'
    expect_contains out 'muttrc:3: set smtp_pass (the secret itself, in the file)'
    expect_contains out 'fail  AUTH-05'
    expect_contains out 'fix: chmod 600 muttrc'
    expect_contains out 'NOT COMPLIANT'
    for f in out err; do
        expect_not_contains "$f" 'Sup3rSecret'
        expect_not_contains "$f" 'Pw-4711'
    done
    chmod 600 muttrc
    expect_exit 1 pm --json check --muttrc muttrc
    /usr/bin/python3 - out <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["ok"] is False, doc
assert doc["source"] == {"kind": "muttrc", "path": "muttrc", "account": None}, doc["source"]
by = {f["id"]: f for f in doc["findings"]}
assert by["TLS-05"]["status"] == "fail", by["TLS-05"]
assert by["TLS-05"]["evidence"].startswith("muttrc:5: set ssl_verify_host=no"), by["TLS-05"]
assert by["TLS-05"]["fix"] == "set ssl_verify_host=yes", by["TLS-05"]
assert by["AUTH-05"]["status"] == "pass", by["AUTH-05"]
text = json.dumps(doc)
assert "Sup3rSecret" not in text and "Pw-4711" not in text
PY
}

test_muttrc_missing_or_not_a_file() {
    expect_exit 66 pm check --muttrc missing.muttrc
    mkdir adir
    expect_exit 66 pm check --muttrc adir
    expect_contains err 'adir: not a regular file'
    head -c 1100000 /dev/zero | tr '\0' '#' >big.muttrc
    expect_exit 65 pm check --muttrc big.muttrc
    expect_exit 64 pm check --muttrc missing.muttrc --msmtprc other.rc
}
