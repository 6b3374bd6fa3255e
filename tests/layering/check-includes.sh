#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The layering rules of ARCHITECTURE.md, enforced: every `#include
# <peermail/MODULE/...>` in lib/peermail/<folder>/ must name a module that
# folder may depend on; cli/ includes no gpgme/curl/gmime/openssl header;
# the library never prints or exits; no loose files at lib/peermail/.
# Usage: check-includes.sh [SOURCE_DIR]   (exit 0: clean, 1: a forbidden edge)
set -u
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
lib=$src/lib/peermail

# folder → the modules it may include (besides itself). Keep in step with
# the table in ARCHITECTURE.md.
declare -A allowed=(
    # domain modules
    [util]=""
    [address]="util"
    [foreign]="util"
    [config]="util address"
    [mime]="util address"
    [crypto]="util"
    [transport]="util address config"
    [audit]="util crypto"
    # batch data; protect: the scheduler's Protector and the preflight's key
    # plan (known exception, to move to batch_run/, see ARCHITECTURE.md)
    [batch]="util address config mime crypto transport audit protect"
    [policy]="util address config crypto transport foreign"
    [runtime]="util"
    # use cases
    [protect]="util address config mime crypto"
    [verify]="util address mime crypto audit"
    [check]="util address config crypto transport audit policy protect foreign"
    [send]="util address config mime crypto transport audit policy check protect"
    [batch_run]="util address config mime crypto transport audit batch policy check protect send"
)

bad=0
complain() { echo "check-includes: $*" >&2; bad=1; }

for f in "$lib"/*; do
    [[ -f $f ]] && complain "${f#"$src"/}: loose file; put it in the folder of its module"
done

for dir in "$lib"/*/; do
    mod=$(basename "$dir")
    if [[ ! -v allowed[$mod] ]]; then
        complain "lib/peermail/$mod/: a folder the layering rules do not know; add it to ARCHITECTURE.md and $(basename "$0")"
        continue
    fi
    while IFS=: read -r file line dep; do
        [[ $dep == "$mod" ]] && continue
        [[ " ${allowed[$mod]} " == *" $dep "* ]] && continue
        complain "${file#"$src"/}:$line: $mod may not include peermail/$dep/ (allowed: ${allowed[$mod]:-nothing})"
    done < <(grep -rnoE '^#include <peermail/[a-z_]+/' "$dir" | sed -E 's|#include <peermail/([a-z_]+)/$|\1|')
done

# The library never prints and never exits: the CLI renders.
while IFS= read -r hit; do
    complain "${hit#"$src"/}: the library never prints or exits; return it to the CLI"
done < <(grep -rnE '(fmt::print|std::cout|std::cerr|std::puts|(^|[^A-Za-z0-9_])f?printf\(|(^|[^A-Za-z0-9_.>])(_?exit|quick_exit|abort)\()' \
    "$lib" | grep -vE '^[^:]+:[0-9]+:\s*//')

# cli/ talks to the library only: no gpgme, libcurl, GMime or OpenSSL headers.
while IFS= read -r hit; do
    complain "${hit#"$src"/}: cli/ includes no gpgme/curl/gmime/openssl header; call the library"
done < <(grep -rnE '^#include <(gpgme|curl/|gmime/|openssl/)' "$src/cli")

exit $bad
