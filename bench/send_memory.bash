#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Peak memory of `peermail send` with a large attachment (issue 5: peak RSS
# must not grow with attachment size; goal <= 128 MiB for 100 MB).
#
#   PEERMAIL_BIN=build/cli/peermail bench/send_memory.bash [SIZE_MB...]
#
# Uses a throwaway GNUPGHOME, a test CA and the recording SMTP server on
# loopback (as the integration suites do), and /usr/bin/time -v.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PEERMAIL_BIN:?PEERMAIL_BIN must point at the peermail binary}"
export PEERMAIL_SOURCE_DIR=${PEERMAIL_SOURCE_DIR:-$(cd "$here/.." && pwd)}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 10 20 100)

. "$PEERMAIL_SOURCE_DIR/tests/integration/lib.bash"
. "$PEERMAIL_SOURCE_DIR/tests/integration/tls.bash"
SUITE_DIR=$(mktemp -d /tmp/pmbench.XXXXXX)
export SUITE_DIR
trap 'suite_cleanup; rm -rf "$SUITE_DIR"' EXIT
cd "$SUITE_DIR"

make_test_ca "$SUITE_DIR/ca"
export TEST_CA=$SUITE_DIR/ca
gpg_home_new
ana=$(gpg_gen_key "Ana Ruiz" ana@clinic.test)
sam=$(gpg_gen_key "Sam Lee" sam@hospital.test)
gpg_trust_ultimate "$ana"
gpg_certify "$ana" "$sam"
start_smtp smtps --user ana --password bench
write_config c.toml signing_key="$ana" port="$SMTP_PORT" ca_file="$TEST_CA/ca.pem"
echo "body" >body.txt

printf '%-8s %-8s %12s %10s\n' size mode max_rss_kib seconds
for mb in "${sizes[@]}"; do
    head -c $((mb * 1000 * 1000)) /dev/urandom >att.bin
    for mode in dry-run send; do
        # smtp_sink.py (aiosmtpd) refuses messages over 32 MiB.
        if [ "$mode" = send ] && [ "$mb" -gt 20 ]; then
            printf '%-8s %-8s %12s %10s\n' "${mb}MB" "$mode" "(server limit)" "-"
            continue
        fi
        extra=()
        [ "$mode" = dry-run ] && extra=(--dry-run)
        PM_TEST_PASSWORD=bench /usr/bin/time -v -o time.txt "$PEERMAIL_BIN" --config c.toml \
            send "${extra[@]}" --to sam@hospital.test --subject bench --body-file body.txt \
            --attach att.bin >/dev/null 2>err.txt || { cat err.txt; exit 1; }
        rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' time.txt)
        secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' time.txt)
        printf '%-8s %-8s %12s %10s\n' "${mb}MB" "$mode" "$rss" "$secs"
    done
    rm -f att.bin "$SMTP_SPOOL"/msg-*
done
