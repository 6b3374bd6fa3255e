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
BENCH_DEFAULT_N=200
BENCH_TOOLS=(gpg curl msmtp openssl /usr/bin/python3)
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"

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

bench_recipients

start_smtp smtps --user ana --password "$pw" >/dev/null
write_config c.toml signing_key="$sender" port="$SMTP_PORT" tls=implicit ca_file="$TEST_CA/ca.pem"
bench_msmtprc "$pw"

# Warm up gpg-agent (all three start from a running agent).
gpg --batch --quiet --list-secret-keys >/dev/null

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

# --- the three runs and the report --------------------------------------------
bench_runs "$pw" "gpg + curl loop" "gpg + msmtp loop"

bench_report 34 "peermail batch vs shell loops: $n recipients, own keys, local TLS server, $cores cores" \
    "(a) peermail batch ($cores workers)" \
    "(b) gpg --sign --encrypt + curl" \
    "(c) gpg --sign --encrypt + msmtp"
echo "  batch is $(ratio "$ms_b" "$ms_a")x faster than (b), $(ratio "$ms_c" "$ms_a")x faster than (c)"
