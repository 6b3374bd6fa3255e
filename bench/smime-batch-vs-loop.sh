#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark: `peermail batch` to S/MIME peers against the obvious shell loop,
# all sending the same N personal messages, signed by the sender's X.509
# certificate and enveloped with AES-256 to the recipient's certificate and
# the sender's own, to the same local TLS server (tests/servers/smtp_sink.py,
# implicit TLS + AUTH):
#   (a) peermail batch           (workers, one gpgsm per worker, one TLS session each)
#   (b) a shell loop: openssl cms -sign | openssl cms -encrypt + curl per message
#   (c) the same loop with msmtp instead of curl
# The loops judge nothing (no chain, revocation or address check: what
# peermail does before it sends); they are the floor of the work. Prints
# ms/message for each and the ratios. The certificates come from a
# throwaway OpenSSL CA made here (tests/integration/smime.bash), N of them.
#
# Usage: bench/smime-batch-vs-loop.sh [N]        (N <= 200, default 50)
#   PEERMAIL_BIN=path/to/peermail (default: build/cli/peermail)
#   BENCH_KEEP=1 keeps the work directory; BENCH_WORKERS=N sets batch --workers.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-50}
bin=${PEERMAIL_BIN:-$src/build/cli/peermail}
[ -x "$bin" ] || { echo "peermail not found at $bin (set PEERMAIL_BIN)" >&2; exit 2; }
[ "$n" -ge 1 ] && [ "$n" -le 200 ] || { echo "N must be 1..200" >&2; exit 2; }
for c in gpg gpgsm curl msmtp openssl /usr/bin/python3; do
    command -v "$c" >/dev/null || { echo "$c is needed" >&2; exit 2; }
done

export PEERMAIL_SOURCE_DIR=$src
SUITE_DIR=$(mktemp -d /tmp/pmbench.XXXXXX)
export SUITE_DIR
# shellcheck source=../tests/integration/lib.bash
. "$src/tests/integration/lib.bash"
# shellcheck source=../tests/integration/tls.bash
. "$src/tests/integration/tls.bash"
# shellcheck source=../tests/integration/smime.bash
. "$src/tests/integration/smime.bash"
cleanup() {
    suite_cleanup
    if [ "${BENCH_KEEP:-}" = 1 ]; then echo "kept $SUITE_DIR"; else rm -rf "$SUITE_DIR"; fi
}
trap cleanup EXIT
cd "$SUITE_DIR"

# --- fixtures ----------------------------------------------------------------
PASSWORD=bench-pw-4711
# shellcheck disable=SC2034 # read by setup_server (smime.bash)
BODY_MARK='bench'
clinic_suite_setup >/dev/null 2>&1
x509_lab >/dev/null 2>&1
# shellcheck disable=SC1091 # written by the two above
. "$SUITE_DIR/env.sh"
peers=""
(
    cd "$X509"
    for i in $(seq -f '%03g' 1 "$n"); do
        x509_cert ca "p$i" "p$i@people.test" "$X509_NOW" "$X509_LATER" "${X509_MAIL[@]}"
    done
    gpgsm --batch --import p[0-9][0-9][0-9].pem 2>/dev/null
) >/dev/null
for i in $(seq -f '%03g' 1 "$n"); do
    peers+=$(peer "p$i@people.test" "$(sha1_of "$X509/p$i.pem")")
done
setup_server "" "$peers" >/dev/null

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
password $PASSWORD
from ana@clinic.test
RC
chmod 600 msmtprc

# Warm up gpg-agent (every contender starts from a running agent).
gpgsm --batch --list-secret-keys >/dev/null 2>&1

now_ms() { echo $(($(date +%s%N) / 1000000)); }

check_count() { # WHAT BEFORE
    local got=$(($(spool_count) - $2))
    [ "$got" -eq "$n" ] || { echo "$1: $got of $n messages delivered" >&2; exit 1; }
}

# The signed and enveloped message for row (email,name,code), the way a
# shell script would make it with OpenSSL: sign the body entity (detached,
# SHA-256), envelope that with AES-256 to the recipient and self, with the
# outer headers; into out.eml.
protect_loop_message() { # EMAIL NAME CODE
    local num=${1#p}
    num=${num%%@*}
    printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nDear %s,\r\n\r\nthe next peer-support session is on Tuesday at 18:00 in room 4.\r\nYour personal access code is %s.\r\n' \
        "$2" "$3" >inner.txt
    openssl cms -sign -in inner.txt -signer "$X509/ana.pem" -inkey "$X509/ana.key" -md sha256 \
        -out signed.txt
    openssl cms -encrypt -aes256 -in signed.txt -from ana@clinic.test -to "$1" \
        -subject 'Peer-support session on Tuesday' -out out.crlf "$X509/p$num.pem" "$X509/ana.pem"
    sed 's/\r*$/\r/' <out.crlf >out.eml # SMTP's CRLF (curl sends the file as it is)
}

# --- (a) peermail batch ------------------------------------------------------
before=$(spool_count)
t0=$(now_ms)
PM_TEST_PASSWORD=$PASSWORD "$bin" --config c.toml batch --recipients people.csv \
    ${BENCH_WORKERS:+--workers "$BENCH_WORKERS"} --template notice.eml --journal a.journal \
    -q >a.out 2>a.err || { cat a.err >&2; exit 1; }
t1=$(now_ms)
check_count "peermail batch" "$before"
ms_a=$((t1 - t0))
[ "$(grep -l 'application/pkcs7-mime' "$SMTP_SPOOL"/msg-*.eml | wc -l)" -eq "$n" ] || { echo "peermail batch: not every message is S/MIME" >&2; exit 1; }

# --- (b) openssl + curl loop ---------------------------------------------------
before=$(spool_count)
t0=$(now_ms)
tail -n +2 people.csv | while IFS=, read -r email name code; do
    protect_loop_message "$email" "$name" "$code"
    curl --silent --show-error --ssl-reqd --cacert "$TEST_CA/ca.pem" \
        --url "smtps://localhost:$SMTP_PORT" --user "ana:$PASSWORD" \
        --mail-from ana@clinic.test --mail-rcpt "$email" --upload-file out.eml
done
t1=$(now_ms)
check_count "openssl + curl loop" "$before"
ms_b=$((t1 - t0))

# --- (c) openssl + msmtp loop --------------------------------------------------
before=$(spool_count)
t0=$(now_ms)
tail -n +2 people.csv | while IFS=, read -r email name code; do
    protect_loop_message "$email" "$name" "$code"
    msmtp -C msmtprc "$email" <out.eml
done
t1=$(now_ms)
check_count "openssl + msmtp loop" "$before"
ms_c=$((t1 - t0))

# --- report ------------------------------------------------------------------
per() { awk -v t="$1" -v n="$n" 'BEGIN { printf "%.1f", t / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cores=$(nproc)
echo "peermail batch (S/MIME) vs shell loops: $n recipients, own certificates, local TLS server, $cores cores"
printf '  %-42s %8s ms total  %7s ms/message\n' \
    "(a) peermail batch ($cores workers, judged)" "$ms_a" "$(per "$ms_a")" \
    "(b) openssl cms -sign/-encrypt + curl" "$ms_b" "$(per "$ms_b")" \
    "(c) openssl cms -sign/-encrypt + msmtp" "$ms_c" "$(per "$ms_c")"
echo "  (b) takes $(ratio "$ms_b" "$ms_a")x the time of (a), (c) $(ratio "$ms_c" "$ms_a")x"
