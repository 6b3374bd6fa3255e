# SPDX-License-Identifier: GPL-3.0-or-later
# TLS fixtures for integration suites: a throwaway test CA and a recording SMTP
# server (tests/servers/smtp_sink.py) on 127.0.0.1, port chosen at run time.
#
# Usage in a suite (after lib.bash, which the runner sources):
#   . "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"
#   suite_probe() { probe_smtp; }
#   suite_setup() { make_test_ca "$SUITE_DIR/ca"; echo "export TEST_CA=$SUITE_DIR/ca" >"$SUITE_DIR/env.sh"; }
#   test_x() {
#     start_smtp starttls --user ana --password s3cret   # exports SMTP_PORT, SMTP_SPOOL
#     write_config c.toml host=localhost port=$SMTP_PORT tls=starttls ca_file=$TEST_CA/ca.pem
#     PM_TEST_PASSWORD=s3cret expect_exit 0 pm --config c.toml send --message m.eml
#     spool_count      # number of messages the server accepted (0 = nothing delivered)
#     expect_clear_ok  # no AUTH/MAIL/RCPT/DATA crossed before TLS
#   }
#
# make_test_ca DIR
#   Writes into DIR (PEM, EC P-256 keys, all for "localhost" + 127.0.0.1 unless said):
#     ca.pem ca.key                  the test CA (point ca_file here)
#     server.pem server.key          valid, signed by the CA
#     expired.pem expired.key        signed by the CA, notAfter in 2021
#     wronghost.pem wronghost.key    signed by the CA, only for wrong.example
#     selfsigned.pem selfsigned.key  self-signed (not from the CA)
#
# start_smtp MODE [--cert NAME] [sink options...]
#   MODE: plain | starttls | smtps. --cert NAME picks $TEST_CA/NAME.pem/.key
#   (default "server"; needs TEST_CA exported). Other options go to
#   smtp_sink.py: --user U --password P (AUTH PLAIN/LOGIN, auth required),
#   --auth-before-tls, --rcpt-reply "550 ..." [--rcpt-fail ADDR]...,
#   --data-reply "451 ...", --drop-mid-data, --stall-at mail|starttls|data-end,
#   --starttls-reply "454 ...", --inject-after-starttls, --tls-max 1.1.
#   Exports SMTP_PORT and SMTP_SPOOL (./spool.N of the current directory: the
#   transcript.log and msg-N.eml/.json files). The server is killed when the
#   suite ends (register_pid).
#
# clinic_suite_setup [NAME EMAIL VAR]...
#   The usual suite_setup: make_test_ca "$SUITE_DIR/ca" and gpg_clinic_keys
#   (extra keys as there); $SUITE_DIR/env.sh exports GNUPGHOME, TEST_CA,
#   ANA_FPR, SAM_FPR and each VAR (a suite may append more lines).
#
# start_smtps_config [SINK_OPTION...] [-- KEY=VALUE...]
#   start_smtp smtps requiring AUTH as ana with $PASSWORD (plus the sink
#   options), and ./c.toml for it (write_config: signing key $ANA_FPR,
#   implicit TLS, the test CA, plus the KEY=VALUE pairs).
#
# spool_count            print how many messages the last server accepted
# expect_clear_ok        fail if the transcript shows AUTH, MAIL, RCPT or DATA
#                        outside TLS
# tls_can_offer_v1_1     return 0 if the local OpenSSL can still do TLS 1.0/1.1
#                        (server side, SECLEVEL=0), else print why and return 1

_smtp_n=0

make_test_ca() {
    local dir=$1
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
        # shellcheck disable=SC2086
        openssl req -x509 $ec -keyout ca.key -out ca.pem -days 3650 \
            -subj "/CN=peermail test CA (INSECURE)" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        mkdir -p db
        : >db/index.txt
        echo 1000 >db/serial
        cat >ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
database = db/index.txt
serial = db/serial
new_certs_dir = db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
CNF
        local name san start end
        for spec in "server|DNS:localhost,IP:127.0.0.1|" \
            "wronghost|DNS:wrong.example|" \
            "expired|DNS:localhost,IP:127.0.0.1|-startdate 20200101000000Z -enddate 20210101000000Z"; do
            IFS='|' read -r name san start <<<"$spec"
            # shellcheck disable=SC2086
            openssl req $ec -keyout "$name.key" -out "$name.csr" \
                -subj "/CN=${san%%,*}" -addext "subjectAltName=$san" 2>/dev/null
            end="-days 365"
            [ -n "$start" ] && end=""
            # shellcheck disable=SC2086
            openssl ca -batch -config ca.cnf -extensions ext -notext $start $end \
                -in "$name.csr" -out "$name.pem" 2>/dev/null
        done
        # shellcheck disable=SC2086
        openssl req -x509 $ec -keyout selfsigned.key -out selfsigned.pem -days 30 \
            -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
        chmod 600 ./*.key
    )
    [ -s "$dir/expired.pem" ] && [ -s "$dir/server.pem" ] && [ -s "$dir/selfsigned.pem" ]
}

start_smtp() {
    local mode=$1
    shift
    local cert=server args=()
    while [ $# -gt 0 ]; do
        if [ "$1" = --cert ]; then
            cert=$2
            shift 2
        else
            args+=("$1")
            shift
        fi
    done
    _smtp_n=$((_smtp_n + 1))
    SMTP_SPOOL=$PWD/spool.$_smtp_n
    mkdir -p "$SMTP_SPOOL"
    local port_file=$SMTP_SPOOL/port
    rm -f "$port_file"
    local tls_args=()
    if [ "$mode" != plain ] || [ -n "${TEST_CA:-}" ]; then
        tls_args=(--cert "$TEST_CA/$cert.pem" --key "$TEST_CA/$cert.key")
    fi
    /usr/bin/python3 "$PEERMAIL_SOURCE_DIR/tests/servers/smtp_sink.py" --mode "$mode" \
        --port-file "$port_file" --spool "$SMTP_SPOOL" "${tls_args[@]}" "${args[@]}" \
        >"$SMTP_SPOOL/server.log" 2>&1 &
    local pid=$!
    register_pid "$pid"
    local _
    for _ in $(seq 1 100); do
        [ -s "$port_file" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$SMTP_SPOOL/server.log" >&2
            fail "smtp_sink.py exited"
            return 1
        fi
        sleep 0.05
    done
    [ -s "$port_file" ] || { fail "smtp_sink.py did not start"; return 1; }
    SMTP_PORT=$(cat "$port_file")
    export SMTP_PORT SMTP_SPOOL
}

clinic_suite_setup() {
    make_test_ca "$SUITE_DIR/ca"
    gpg_clinic_keys "$@"
    {
        echo "export GNUPGHOME=$GNUPGHOME"
        echo "export TEST_CA=$SUITE_DIR/ca"
        echo "export ANA_FPR=$ANA_FPR SAM_FPR=$SAM_FPR"
        while [ $# -ge 3 ]; do
            echo "export $3=${!3}"
            shift 3
        done
    } >"$SUITE_DIR/env.sh"
}

start_smtps_config() {
    local sink=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        sink+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    start_smtp smtps --user ana --password "$PASSWORD" "${sink[@]}" || return 1
    write_config c.toml signing_key="$ANA_FPR" port="$SMTP_PORT" tls=implicit \
        ca_file="$TEST_CA/ca.pem" "$@"
}

spool_count() {
    find "$SMTP_SPOOL" -name 'msg-*.eml' | wc -l
}

expect_clear_ok() {
    local t=$SMTP_SPOOL/transcript.log
    [ -f "$t" ] || return 0
    if grep -E '^C plain (AUTH|MAIL|RCPT|DATA)' "$t" >/dev/null; then
        cat "$t" >&2
        fail "credentials or message data crossed without TLS"
    fi
}

tls_can_offer_v1_1() {
    if /usr/bin/python3 - <<'PY' 2>/dev/null; then
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1
ctx.maximum_version = ssl.TLSVersion.TLSv1_1
ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
PY
        return 0
    fi
    echo "local OpenSSL cannot offer TLS 1.0/1.1"
    return 1
}
