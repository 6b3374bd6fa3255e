# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# What the batch-vs-loop benchmarks share: the arguments and tool checks, a
# work directory with the integration helpers (tests/integration/lib.bash and
# tls.bash), the recipients and template, an msmtprc, the three timed runs
# ((a) peermail batch, (b) a loop with curl, (c) a loop with msmtp, each
# checked to have delivered N messages) and the report.
#
# Source it at the top of a benchmark after setting
#   BENCH_DEFAULT_N   N when the caller gives none
#   BENCH_TOOLS       (array) the commands that must be on PATH
# It sets src, n, bin, cores, SUITE_DIR and cds there; on exit it stops the servers
# and removes the directory (BENCH_KEEP=1 keeps it). The script defines
# protect_loop_message EMAIL NAME CODE, which writes out.eml for the loops.

src=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-$BENCH_DEFAULT_N}
bin=${PEERMAIL_BIN:-$src/build/cli/peermail}
[ -x "$bin" ] || { echo "peermail not found at $bin (set PEERMAIL_BIN)" >&2; exit 2; }
[ "$n" -ge 1 ] && [ "$n" -le 200 ] || { echo "N must be 1..200" >&2; exit 2; }
for c in "${BENCH_TOOLS[@]}"; do
    command -v "$c" >/dev/null || { echo "$c is needed" >&2; exit 2; }
done

# shellcheck disable=SC2034 # read by the benchmarks (labels)
cores=$(nproc)
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
cd "$SUITE_DIR" || exit 2

# people.csv (N rows: email,name,code) and the template notice.eml.
bench_recipients() {
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
}

bench_msmtprc() { # PASSWORD: msmtprc for ana at the running server
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
password $1
from ana@clinic.test
RC
    chmod 600 msmtprc
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

check_count() { # WHAT BEFORE
    local got=$(($(spool_count) - $2))
    [ "$got" -eq "$n" ] || { echo "$1: $got of $n messages delivered" >&2; exit 1; }
}

# Runs COMMAND..., checks that it delivered N messages (else names WHAT and
# exits 1) and sets bench_ms to the milliseconds it took.
bench_time() { # WHAT COMMAND...
    local what=$1 before t0 t1
    shift
    before=$(spool_count)
    t0=$(now_ms)
    "$@"
    t1=$(now_ms)
    check_count "$what" "$before"
    bench_ms=$((t1 - t0))
}

# The three runs, one after the other, each timed and counted: sets ms_a,
# ms_b and ms_c. WHAT_B and WHAT_C name the loops in an error. A script
# may define bench_check_batch, called right after (a).
bench_runs() { # PASSWORD WHAT_B WHAT_C
    bench_time "peermail batch" bench_batch "$1"
    ms_a=$bench_ms
    if declare -F bench_check_batch >/dev/null; then bench_check_batch; fi
    bench_time "$2" bench_curl_loop "$1"
    ms_b=$bench_ms
    bench_time "$3" bench_msmtp_loop
    ms_c=$bench_ms
}

bench_batch() { # PASSWORD: (a) peermail batch over people.csv with c.toml
    PM_TEST_PASSWORD=$1 "$bin" --config c.toml batch --recipients people.csv \
        ${BENCH_WORKERS:+--workers "$BENCH_WORKERS"} --template notice.eml --journal a.journal \
        -q >a.out 2>a.err || { cat a.err >&2; exit 1; }
}

bench_curl_loop() { # PASSWORD: (b) protect_loop_message + curl per row
    tail -n +2 people.csv | while IFS=, read -r email name code; do
        protect_loop_message "$email" "$name" "$code"
        curl --silent --show-error --ssl-reqd --cacert "$TEST_CA/ca.pem" \
            --url "smtps://localhost:$SMTP_PORT" --user "ana:$1" \
            --mail-from ana@clinic.test --mail-rcpt "$email" --upload-file out.eml
    done
}

bench_msmtp_loop() { # (c) protect_loop_message + msmtp per row
    tail -n +2 people.csv | while IFS=, read -r email name code; do
        protect_loop_message "$email" "$name" "$code"
        msmtp -C msmtprc "$email" <out.eml
    done
}

per() { awk -v t="$1" -v n="$n" 'BEGIN { printf "%.1f", t / n }'; }
ratio() { # A B [DIGITS]: A / B
    awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { printf "%." d "f", a / b }'
}

# The report: HEADLINE, then a row per run: label, total ms and ms/message,
# the labels padded to WIDTH.
bench_report() { # WIDTH HEADLINE LABEL_A LABEL_B LABEL_C
    local fmt="  %-${1}s %8s ms total  %7s ms/message\n"
    echo "$2"
    # shellcheck disable=SC2059 # the format holds the width
    printf "$fmt" "$3" "$ms_a" "$(per "$ms_a")" "$4" "$ms_b" "$(per "$ms_b")" \
        "$5" "$ms_c" "$(per "$ms_c")"
}
