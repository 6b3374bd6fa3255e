#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark: `peermail batch` against the obvious alternatives, all sending the
# same N personal, signed and encrypted messages to the same local TLS
# server (tests/servers/smtp_sink.py, implicit TLS + AUTH) and recipients:
#   (a) peermail batch           (N workers, one TLS session each)
#   (b) a shell loop: gpg --sign --encrypt + curl --ssl-reqd per message
#   (c) a shell loop: gpg --sign --encrypt + msmtp per message
# Prints ms/message for each and the ratios. Keys come from the fixture
# keyring (tests/fixtures/keys/batch-keyring: 200 recipients, each with its
# own ed25519/cv25519 key certified by the sender).
#
# Usage: bench/batch-vs-loop.sh [N]        (N <= 200, default 200)
#   PEERMAIL_BIN=path/to/peermail (default: build/cli/peermail)
#   BENCH_KEEP=1 keeps the work directory; BENCH_WORKERS=N sets batch --workers.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}
bin=${PEERMAIL_BIN:-$src/build/cli/peermail}
[ -x "$bin" ] || { echo "peermail not found at $bin (set PEERMAIL_BIN)" >&2; exit 2; }
[ "$n" -ge 1 ] && [ "$n" -le 200 ] || { echo "N must be 1..200" >&2; exit 2; }
for c in gpg curl msmtp openssl /usr/bin/python3; do
    command -v "$c" >/dev/null || { echo "$c is needed" >&2; exit 2; }
done

export PEERMAIL_SOURCE_DIR=$src
SUITE_DIR=$(mktemp -d /tmp/pmbench.XXXXXX)
export SUITE_DIR
# shellcheck source=../tests/integration/lib.bash
. "$src/tests/integration/lib.bash"
# shellcheck source=../tests/integration/tls.bash
. "$src/tests/integration/tls.bash"
cleanup() {
    suite_cleanup
    if [ "${BENCH_KEEP:-}" = 1 ]; then echo "kept $SUITE_DIR"; else rm -rf "$SUITE_DIR"; fi
}
trap cleanup EXIT
cd "$SUITE_DIR"

# --- fixtures ----------------------------------------------------------------
make_test_ca "$SUITE_DIR/ca" >/dev/null
export TEST_CA=$SUITE_DIR/ca
gpg_home_new
fix=$src/tests/fixtures/keys/batch-keyring
cp "$fix/pubring.kbx" "$fix/trustdb.gpg" "$GNUPGHOME/"
mkdir -p "$GNUPGHOME/private-keys-v1.d" && chmod 700 "$GNUPGHOME/private-keys-v1.d"
cp "$fix/private-keys-v1.d/"*.key "$GNUPGHOME/private-keys-v1.d/"
chmod 600 "$GNUPGHOME/private-keys-v1.d/"*.key # KEY-05, or peermail refuses (78)
sender=$(cat "$fix/sender.fpr")
pw=bench-pw-4711

{
    echo "email,name,code"
    for i in $(seq -f '%03g' 1 "$n"); do echo "p$i@people.test,Person $i,C-$i"; done
} >people.csv
cat >notice.eml <<'EML'
From: Ana Ruiz <ana@clinic.test>
To: {{name}} <{{email}}>
Subject: Peer-support session on Tuesday

Dear {{name}},

the next peer-support session is on Tuesday at 18:00 in room 4.
Your personal access code is {{code}}.

-- 
Ana Ruiz, peer-support coordinator
EML

start_smtp smtps --user ana --password "$pw" >/dev/null
write_config c.toml signing_key="$sender" port="$SMTP_PORT" tls=implicit ca_file="$TEST_CA/ca.pem"
cat >msmtprc <<RC
defaults
tls on
tls_starttls off
tls_trust_file $TEST_CA/ca.pem
tls_min_dh_prime_bits 2048
account default
host localhost
port $SMTP_PORT
auth on
user ana
password $pw
from ana@clinic.test
RC
chmod 600 msmtprc

# Warm up gpg-agent (all three start from a running agent).
gpg --batch --quiet --list-secret-keys >/dev/null

now_ms() { echo $(($(date +%s%N) / 1000000)); }
delivered() { spool_count; }

check_count() { # WHAT BEFORE
    local got=$(($(delivered) - $2))
    [ "$got" -eq "$n" ] || { echo "$1: $got of $n messages delivered" >&2; exit 1; }
}

# A message for row (email,name,code), the way a shell script would do it.
render() { # EMAIL NAME CODE
    sed -e "s/{{email}}/$1/g" -e "s/{{name}}/$2/g" -e "s/{{code}}/$3/g" notice.eml
}

# Sign+encrypt the body for EMAIL (and self) with ONE gpg call, wrap it in a
# message with the rendered headers; write it to out.eml.
protect_loop_message() { # EMAIL NAME CODE
    render "$1" "$2" "$3" >plain.eml
    sed -n '1,/^$/p' plain.eml | sed '/^$/d' >hdr
    sed '1,/^$/d' plain.eml |
        gpg --batch --quiet --yes --armor --sign --encrypt --local-user "$sender" \
            --recipient "$1" --recipient "$sender" --output body.asc
    { cat hdr; echo "Message-ID: <$(date +%s%N).$RANDOM@clinic.test>"; echo "MIME-Version: 1.0";
      echo "Content-Type: text/plain; charset=us-ascii"; echo; cat body.asc; } >out.eml
}

# --- (a) peermail batch ------------------------------------------------------
before=$(delivered)
t0=$(now_ms)
PM_TEST_PASSWORD=$pw "$bin" --config c.toml batch --recipients people.csv ${BENCH_WORKERS:+--workers "$BENCH_WORKERS"} \
    --template notice.eml --journal a.journal -q >a.out 2>a.err || {
    cat a.err >&2; exit 1; }
t1=$(now_ms)
check_count "peermail batch" "$before"
ms_a=$((t1 - t0))

# --- (b) gpg + curl loop -----------------------------------------------------
before=$(delivered)
t0=$(now_ms)
tail -n +2 people.csv | while IFS=, read -r email name code; do
    protect_loop_message "$email" "$name" "$code"
    curl --silent --show-error --ssl-reqd --cacert "$TEST_CA/ca.pem" \
        --url "smtps://localhost:$SMTP_PORT" --user "ana:$pw" \
        --mail-from ana@clinic.test --mail-rcpt "$email" --upload-file out.eml
done
t1=$(now_ms)
check_count "gpg + curl loop" "$before"
ms_b=$((t1 - t0))

# --- (c) gpg + msmtp loop ----------------------------------------------------
before=$(delivered)
t0=$(now_ms)
tail -n +2 people.csv | while IFS=, read -r email name code; do
    protect_loop_message "$email" "$name" "$code"
    msmtp -C msmtprc "$email" <out.eml
done
t1=$(now_ms)
check_count "gpg + msmtp loop" "$before"
ms_c=$((t1 - t0))

# --- report ------------------------------------------------------------------
per() { awk -v t="$1" -v n="$n" 'BEGIN { printf "%.1f", t / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
cores=$(nproc)
echo "peermail batch vs shell loops: $n recipients, own keys, local TLS server, $cores cores"
printf '  %-34s %8s ms total  %7s ms/message\n' \
    "(a) peermail batch ($cores workers)" "$ms_a" "$(per "$ms_a")" \
    "(b) gpg --sign --encrypt + curl" "$ms_b" "$(per "$ms_b")" \
    "(c) gpg --sign --encrypt + msmtp" "$ms_c" "$(per "$ms_c")"
echo "  batch is $(ratio "$ms_b" "$ms_a")x faster than (b), $(ratio "$ms_c" "$ms_a")x faster than (c)"
