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
BENCH_DEFAULT_N=50
BENCH_TOOLS=(gpg gpgsm curl msmtp openssl /usr/bin/python3)
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
# shellcheck source=../tests/integration/smime.bash
. "$src/tests/integration/smime.bash"

# --- fixtures ----------------------------------------------------------------
PASSWORD=bench-pw-4711
# shellcheck disable=SC2034 # read by setup_server (smime.bash)
BODY_MARK='bench'
x509_suite_setup >/dev/null 2>&1
# shellcheck disable=SC1091 # written by x509_suite_setup
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

bench_recipients
bench_msmtprc "$PASSWORD"

# Warm up gpg-agent (every contender starts from a running agent).
gpgsm --batch --list-secret-keys >/dev/null 2>&1

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

# --- the three runs and the report --------------------------------------------
bench_check_batch() {
    [ "$(grep -l 'application/pkcs7-mime' "$SMTP_SPOOL"/msg-*.eml | wc -l)" -eq "$n" ] ||
        { echo "peermail batch: not every message is S/MIME" >&2; exit 1; }
}
bench_runs "$PASSWORD" "openssl + curl loop" "openssl + msmtp loop"

bench_report 42 \
    "peermail batch (S/MIME) vs shell loops: $n recipients, own certificates, local TLS server, $cores cores" \
    "(a) peermail batch ($cores workers, judged)" \
    "(b) openssl cms -sign/-encrypt + curl" \
    "(c) openssl cms -sign/-encrypt + msmtp"
echo "  (b) takes $(ratio "$ms_b" "$ms_a" 2)x the time of (a), (c) $(ratio "$ms_c" "$ms_a" 2)x"
