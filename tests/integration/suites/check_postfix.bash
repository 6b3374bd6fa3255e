# SPDX-License-Identifier: GPL-3.0-or-later
# `peermail check --postfix DIR`: the checklist over a Postfix configuration,
# from the files Debian 12 ships (fixtures/postfix/debian) and typical
# insecure and secure variants. The file reader runs always
# (PEERMAIL_POSTCONF=none); where Postfix is installed, the same directories
# are read through postconf, and both readings must agree.

FIX="$PEERMAIL_SOURCE_DIR/tests/integration/fixtures/postfix"

# copy NAME: the fixture directory NAME as ./pf, as Postfix wants it (0644).
copy() {
    mkdir pf
    install -m 644 "$FIX/$1/main.cf" "$FIX/$1/master.cf" pf/
}

# have_postconf: true when postconf is installed; else say why the test is
# skipped (a failure under PEERMAIL_NO_SKIP=1, where CI installs postfix).
have_postconf() {
    if command -v postconf >/dev/null 2>&1; then
        return 0
    fi
    if [ "${PEERMAIL_NO_SKIP:-0}" = 1 ]; then
        fail "postconf not found (Debian package postfix)"
        exit 1
    fi
    echo "skipped: postconf not found (Debian package postfix)"
    return 1
}

# The exit status of a report without failures: files owned by someone other
# than root fail AUTH-05 (Postfix wants root's), so 1 unless run as root.
clean_exit() {
    if [ "$(id -u)" = 0 ]; then echo 0; else echo 1; fi
}

# statuses FILE: "ID status" per finding of a --json report.
statuses() {
    /usr/bin/python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["id"], f["status"])' "$1"
}

test_debian_defaults_no_failure_0() {
    copy debian
    expect_exit "$(clean_exit)" env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'peermail check: profile hipaa, postfix pf'
    expect_contains out 'note: without postconf: pf/main.cf and pf/master.cf were read as postconf(5) documents, with Postfix 3.7'"'"'s defaults'
    expect_contains out 'skip  TLS-01'
    expect_contains out "pf/main.cf:42: relayhost is empty: no relayhost: mail goes straight to the recipients' MX hosts"
    expect_contains out 'pf/master.cf: no submission or submissions service'
    expect_contains out 'warn  TLS-10'
    expect_contains out 'pf/main.cf:32: smtp_tls_security_level = may: opportunistic'
    expect_contains out 'fix: postconf -c pf -e smtp_tls_security_level=dane smtp_dns_support_level=dnssec (DANE)'
    expect_contains out 'warn  TLS-02'
    expect_contains out "pf/main.cf: smtp_tls_protocols is not set (Postfix's default: >=TLSv1)"
    expect_contains out 'warn  AUD-04'
    expect_contains out 'fix: postconf -c pf -e smtp_tls_loglevel=1'
    expect_contains out 'skip  AUTH-02'
    if [ "$(id -u)" = 0 ]; then
        expect_contains out 'pass  AUTH-05'
    fi
}

test_insecure_variant_cited_with_fixes_1() {
    copy insecure
    printf '[smtp.provider.example]:587 ws1:Sup3rSecret-4711\n' >pf/sasl_passwd
    chmod 644 pf/sasl_passwd
    expect_exit 1 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'fail  TLS-01'
    expect_contains out 'pf/main.cf:5: smtp_tls_security_level = may: mail to the relayhost [smtp.provider.example]:587 may go in clear text'
    expect_contains out 'pf/master.cf:138: submission inet inherits pf/main.cf:14: smtpd_tls_security_level = may: mail programs may submit in clear text'
    expect_contains out "; postconf -c pf -P 'submission/inet/smtpd_tls_security_level=encrypt'"
    expect_contains out "pf/master.cf:142: smtps inet: smtpd_tls_wrappermode is not set (Postfix's default: no): the port for implicit TLS speaks clear text"
    expect_contains out 'fail  TLS-03'
    expect_contains out 'pf/master.cf:141: submission inet -o smtpd_tls_ciphers=low: admits weak or no encryption'
    expect_contains out 'fail  TLS-04'
    expect_contains out 'fail  AUTH-02'
    expect_contains out 'fail  AUTH-04'
    expect_contains out 'pf/main.cf:8: smtp_sasl_password_maps: hash:pf/sasl_passwd holds the passwords in clear text'
    expect_contains out 'fail  AUTH-05'
    expect_contains out 'fix: chmod 600 pf/sasl_passwd'
    expect_contains out 'NOT COMPLIANT'
    expect_not_contains out 'Sup3rSecret'
    expect_not_contains err 'Sup3rSecret'
    expect_exit 1 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" --json check --postfix pf
    /usr/bin/python3 - out <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["ok"] is False, doc
assert doc["source"] == {"kind": "postfix", "path": "pf", "account": None}, doc["source"]
by = {f["id"]: f for f in doc["findings"]}
assert by["TLS-01"]["status"] == "fail", by["TLS-01"]
assert by["TLS-01"]["evidence"].startswith("pf/main.cf:5: smtp_tls_security_level = may"), by["TLS-01"]
assert by["TLS-02"]["status"] == "warn", by["TLS-02"]
assert "Sup3rSecret" not in json.dumps(doc)
PY
}

test_secure_variant_0() {
    copy secure
    expect_exit "$(clean_exit)" env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'pass  TLS-01'
    expect_contains out 'pf/master.cf:5: submission inet -o smtpd_tls_security_level=encrypt: STARTTLS required on submission'
    expect_contains out 'pf/master.cf:10: submissions inet -o smtpd_tls_wrappermode=yes: implicit TLS'
    expect_contains out 'pass  TLS-02'
    expect_contains out 'pf/main.cf:22: smtpd_tls_mandatory_protocols = $smtpd_tls_protocols (>=TLSv1.2)'
    expect_contains out 'pass  TLS-04'
    expect_contains out 'pass  TLS-05'
    expect_contains out 'pass  AUTH-02'
    expect_contains out 'pass  AUTH-04'
    expect_contains out 'socketmap:unix:/run/credentials/postfix.sock:sasl: the passwords come from a lookup service'
    if [ "$(id -u)" = 0 ]; then
        expect_not_contains out 'fail  '
    fi
}

test_postconf_reads_the_same_as_the_file_reader() {
    have_postconf || return 0
    for variant in debian insecure secure; do
        rm -rf pf
        copy "$variant"
        printf 'x y\n' >pf/sasl_passwd
        chmod 600 pf/sasl_passwd
        local rc=0
        env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" --json check --postfix "$PWD/pf" >files.json 2>err || rc=$?
        local rc2=0
        env -u PEERMAIL_POSTCONF PATH="$(dirname "$(command -v postconf)"):$PATH" \
            "$PEERMAIL_BIN" --json check --postfix "$PWD/pf" >postconf.json 2>err || rc2=$?
        expect_eq "$rc2" "$rc" "$variant: exit status through postconf"
        expect_eq "$(statuses postconf.json)" "$(statuses files.json)" "$variant: verdicts through postconf"
        expect_contains postconf.json "read through $(command -v postconf) -c $PWD/pf (-n, -d, -M)"
    done
    # What the reports cite is what postconf itself resolves.
    rm -rf pf && copy insecure
    expect_eq "$(postconf -c "$PWD/pf" -h smtp_tls_security_level)" may "postconf's smtp_tls_security_level"
    expect_eq "$(postconf -c "$PWD/pf" -P submission/inet/smtpd_tls_ciphers | sed 's/.* = //')" low "postconf's submission ciphers"
    rm -rf pf && copy secure
    expect_eq "$(postconf -c "$PWD/pf" -xh smtpd_tls_mandatory_protocols)" '>=TLSv1.2' "postconf's expansion"
    # The fix, applied with postconf itself, clears the failure.
    rm -rf pf && copy insecure
    postconf -c "$PWD/pf" -P 'submission/inet/smtpd_tls_security_level=encrypt' 'smtps/inet/smtpd_tls_wrappermode=yes' 'submission/inet/smtpd_tls_ciphers=high'
    postconf -c "$PWD/pf" -e 'smtp_tls_security_level=secure' 'smtp_tls_CAfile=/etc/ssl/certs/ca-certificates.crt'
    expect_exit 1 "$PEERMAIL_BIN" check --postfix "$PWD/pf"
    expect_contains out 'pass  TLS-01'
    expect_contains out 'pass  TLS-04'
}

test_unknown_constructs_are_reported_not_guessed_0() {
    mkdir pf
    cat >pf/main.cf <<'EOF'
relayhost = [smtp.example.org]:587
smtp_tls_security_level = ${{$tls} == {on} ? {secure} : {may}}
this is not a parameter
loop_a = $loop_b
loop_b = $loop_a
smtp_tls_CAfile = $loop_a
EOF
    printf 'submission inet n\n' >pf/master.cf
    chmod 644 pf/main.cf pf/master.cf
    expect_exit "$(clean_exit)" env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'note: pf/main.cf:3: not a `name = value` line ("this is not a parameter"): not judged'
    expect_contains out 'note: pf/master.cf:1: not a service entry (fewer than 8 fields: "submission inet n"): not judged'
    expect_contains out 'skip  TLS-01'
    expect_contains out 'an expression form this reader does not evaluate'
    expect_not_contains out 'pass  TLS-01'
    expect_not_contains out 'pass  TLS-04'
}

test_missing_too_large_and_not_a_directory() {
    expect_exit 66 "$PEERMAIL_BIN" check --postfix nope
    expect_contains err 'nope: No such file or directory'
    : >file
    expect_exit 66 "$PEERMAIL_BIN" check --postfix file
    expect_contains err 'file: not a directory'
    mkdir empty
    expect_exit 66 "$PEERMAIL_BIN" check --postfix empty
    expect_contains err 'empty/main.cf'
    mkdir big
    head -c 1100000 /dev/zero | tr '\0' '#' >big/main.cf
    expect_exit 65 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix big
    expect_exit 64 "$PEERMAIL_BIN" check --postfix pf --muttrc x
}

test_default_directory_is_etc_postfix() {
    local rc=0
    "$PEERMAIL_BIN" check --postfix >out 2>err || rc=$?
    if [ -f /etc/postfix/main.cf ]; then
        [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "exit $rc"
        expect_contains out 'postfix /etc/postfix'
        # The fixes for the default directory need no -c.
        expect_not_contains out 'postconf -c /etc/postfix -e'
        expect_not_contains out 'postconf -c /etc/postfix -P'
    else
        expect_eq "$rc" 66 "exit status without /etc/postfix"
        expect_contains err '/etc/postfix'
    fi
}

test_inline_password_is_named_never_quoted_1() {
    mkdir pf
    cat >pf/main.cf <<'CF'
relayhost = [smtp.example.org]:587
smtp_tls_security_level = secure
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = inline:{ [smtp.example.org]:587=ana:Sup3rSecret-4711,
    [backup.example.org]:587=ana:0ther-Secret }
CF
    : >pf/master.cf
    chmod 644 pf/main.cf pf/master.cf
    expect_exit 1 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'fail  AUTH-04'
    expect_contains out 'pf/main.cf:4: smtp_sasl_password_maps: inline: the password is written in main.cf itself'
    expect_exit 1 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" --json check --postfix pf
    for f in out err; do
        expect_not_contains "$f" 'Sup3rSecret'
        expect_not_contains "$f" '0ther-Secret'
    done
    if command -v postconf >/dev/null 2>&1; then
        expect_exit 1 "$PEERMAIL_BIN" check --postfix "$PWD/pf"
        expect_contains out 'inline: the password is written in main.cf itself'
        expect_not_contains out 'Sup3rSecret'
        expect_not_contains err 'Sup3rSecret'
    fi
}

test_ci_gate_example_judges_a_postfix_directory() {
    copy insecure
    PEERMAIL=$PEERMAIL_BIN PEERMAIL_POSTCONF=none REPORT=gate.json expect_exit 1 \
        "$PEERMAIL_SOURCE_DIR/examples/ci/compliance-gate" unused.toml --postfix pf
    expect_contains out 'FAIL  TLS-01'
    expect_contains out 'compliance-gate: FAIL'
    expect_contains gate.json '"kind":"postfix"'
    rm -rf pf && copy secure
    PEERMAIL=$PEERMAIL_BIN PEERMAIL_POSTCONF=none REPORT=gate.json expect_exit "$(clean_exit)" \
        "$PEERMAIL_SOURCE_DIR/examples/ci/compliance-gate" unused.toml --postfix pf
}

test_a_failing_postconf_falls_back_to_the_files_with_a_note() {
    copy insecure
    env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" --json check --postfix pf >files.json || true
    expect_exit 1 env PEERMAIL_POSTCONF=/bin/false "$PEERMAIL_BIN" --json check --postfix pf
    expect_contains out '/bin/false -c pf -n failed (exit status 1): the files were read directly instead'
    expect_eq "$(statuses out)" "$(statuses files.json)" "verdicts after postconf failed"
    expect_exit 1 env PEERMAIL_POSTCONF=/nonexistent/postconf "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'note: /nonexistent/postconf -c pf -n: cannot start /nonexistent/postconf: No such file or directory: the files were read directly instead'
}

test_hostile_directory_never_hangs_reads_secrets_or_becomes_an_option() {
    copy secure
    # A DIR that starts with `-` reaches postconf as a path, not an option.
    mv pf ./-pf
    cat >fake-postconf <<'SH'
#!/bin/sh
printf '%s\n' "$@" >>"${0%/*}/postconf.args"
exit 1
SH
    chmod 755 fake-postconf
    expect_exit "$(clean_exit)" env PEERMAIL_POSTCONF="$PWD/fake-postconf" "$PEERMAIL_BIN" check --postfix=-pf
    expect_eq "$(sed -n 2p postconf.args)" "./-pf" "the directory postconf was given"
    mv ./-pf pf
    # The password table is a link to /etc/shadow: stat()ed, never read.
    printf 'smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:%s/pf/sasl_passwd\n' "$PWD" >>pf/main.cf
    ln -s /etc/shadow pf/sasl_passwd
    expect_exit 1 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'fail  AUTH-04'
    expect_not_contains out 'root:'
    expect_not_contains err 'root:'
    rm pf/sasl_passwd
    # main.cf or master.cf as a FIFO or a device: refused at once, never read.
    mv pf/master.cf master.keep
    mkfifo pf/master.cf
    expect_exit 1 timeout 60 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains out 'pf/master.cf: not a regular file'
    rm pf/master.cf
    mv pf/main.cf pf/main.keep
    mkfifo pf/main.cf
    expect_exit 66 timeout 60 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    expect_contains err 'pf/main.cf: not a regular file'
    rm pf/main.cf
    ln -s /dev/zero pf/main.cf
    expect_exit 66 timeout 60 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf
    # DIR itself a FIFO.
    mkfifo fifo
    expect_exit 66 timeout 60 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix fifo
    expect_contains err 'fifo: not a directory'
}

test_expansion_bomb_is_skip_with_the_reason_1() {
    mkdir pf
    {
        echo 'relayhost = [smtp.example.org]:587'
        echo 'smtp_tls_security_level = $l0'
        # 10 references a level, 12 levels: 10^12 lookups if followed.
        for i in $(seq 0 11); do
            printf 'l%d =' "$i"
            for _ in 1 2 3 4 5 6 7 8 9 10; do printf ' $l%d' $((i + 1)); done
            echo
        done
        echo 'l12 = secure'
    } >pf/main.cf
    : >pf/master.cf
    chmod 644 pf/main.cf pf/master.cf
    expect_exit "$(clean_exit)" timeout 120 env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" --json check --postfix pf
    expect_eq "$(statuses out | grep TLS-01)" "TLS-01 skip" "TLS-01 after a bomb"
    expect_contains out '$smtp_tls_security_level: more than 10000 references to expand'
}

test_cr_nul_and_long_lines_do_not_pass() {
    mkdir pf
    printf 'relayhost = [smtp.example.org]:587\r\nsmtp_tls_security_level = sec\0ure\nsmtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n' >pf/main.cf
    head -c 900000 /dev/zero | tr '\0' 'x' >>pf/main.cf
    printf ' = y\n' >>pf/main.cf
    : >pf/master.cf
    chmod 644 pf/main.cf pf/master.cf
    env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" --json check --postfix pf >out 2>err || true
    expect_not_contains out '"TLS-01","status":"pass"'
    expect_eq "$(statuses out | grep TLS-01)" "TLS-01 skip" "TLS-01 with a NUL in the level"
}

test_terminal_controls_in_values_are_not_printed_raw() {
    mkdir pf
    printf 'relayhost = [smtp.example.org]:587\nsmtp_tls_security_level = \033[2J\033]0;forged\007secure\n' >pf/main.cf
    printf 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=\033[1Amay\n' >pf/master.cf
    chmod 644 pf/main.cf pf/master.cf
    env PEERMAIL_POSTCONF=none "$PEERMAIL_BIN" check --postfix pf >out 2>err || true
    expect_contains out 'not a level this reader knows'
    if grep -q "$(printf '\033')" out err; then
        fail "a terminal control from main.cf or master.cf reached the report"
    fi
    if grep -q "$(printf '\007')" out err; then
        fail "a BEL from main.cf reached the report"
    fi
}
