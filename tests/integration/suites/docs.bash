# SPDX-License-Identifier: GPL-3.0-or-later
# The documentation stays in sync with the binary: man pages lint clean, every
# command has its page, every option in `--help` and every config key is
# documented (and no page documents an option that is gone), and
# `cmake --install` installs binary, man pages and completion.

MAN=$PEERMAIL_SOURCE_DIR/man

suite_probe() { need_cmd groff; }

# commands_of [CMD...]: the sub-commands listed by `peermail CMD... --help`.
commands_of() {
  pm "$@" --help | awk '/^[A-Za-z]+:/ { s = $1; next } /^$/ { s = "" } s == "Subcommands:" && /^  [a-z]/ { print $1 }'
}

# options_of [CMD...]: every option name in `peermail CMD... --help`.
options_of() {
  pm "$@" --help | awk '/^[A-Za-z]+:/ { s = $1; next } /^$/ { s = "" }
    s == "Options:" && /^  -/ { n = split($1, a, ","); for (i = 1; i <= n; i++) print a[i] }'
}

# documented PAGE OPTION: OPTION appears in the roff source of PAGE as a whole
# word ("\-r" does not count as found inside "\-\-recipient").
documented() {
  local roff=${2//-/\\\\-}
  grep -Eq -- "(^|[^-a-zA-Z0-9])${roff}([^-a-zA-Z0-9]|$)" "$1"
}

test_man_pages_lint_clean() {
  local f n=0
  for f in "$MAN"/*.[15]; do
    n=$((n + 1))
    groff -man -ww -z "$f" >lint 2>&1 || fail "groff failed on $f"
    if [ -s lint ]; then
      cat lint >&2
      fail "$(basename "$f") is not lint clean"
    fi
  done
  [ "$n" -ge 12 ] || fail "expected at least 12 man pages, found $n"
}

test_every_command_has_a_complete_page() {
  local cmds c page s
  cmds=$(commands_of)
  [ "$(echo "$cmds" | wc -l)" -ge 10 ] || fail "peermail --help lists too few commands: $cmds"
  for c in $cmds; do
    page=$MAN/peermail-$c.1
    [ -f "$page" ] || fail "no man page for command $c (man/peermail-$c.1)"
    grep -q "^\.TH PEERMAIL\\\\-${c^^} 1 " "$page" || fail "$page: .TH does not name PEERMAIL\\-${c^^}"
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS '"EXIT STATUS"' EXAMPLES '"SEE ALSO"'; do
      grep -qx "\.SH $s" "$page" || fail "$page: missing section $s"
    done
    grep -q "^peermail\\\\-$c \\\\- " "$page" || fail "$page: NAME line is not 'peermail\\-$c \\- ...'"
    documented "$MAN/peermail.1" "peermail-$c" || fail "peermail(1) does not refer to peermail-$c(1)"
  done
}

test_every_option_in_help_is_documented() {
  local c sub o missing=() n=0
  for o in $(options_of); do
    n=$((n + 1))
    documented "$MAN/peermail.1" "$o" || missing+=("peermail(1): $o")
  done
  for c in $(commands_of); do
    for o in $(options_of "$c"); do
      n=$((n + 1))
      documented "$MAN/peermail-$c.1" "$o" || missing+=("peermail-$c(1): $o")
    done
    for sub in $(commands_of "$c"); do
      grep -Eq "^\.(B|BI|BR) ($c )?$sub( |\$)" "$MAN/peermail-$c.1" ||
        missing+=("peermail-$c(1): sub-command $sub")
      for o in $(options_of "$c" "$sub"); do
        n=$((n + 1))
        documented "$MAN/peermail-$c.1" "$o" || missing+=("peermail-$c(1): $c $sub $o")
      done
    done
  done
  [ "$n" -ge 50 ] || fail "found only $n options in --help; is the help format still parsed?"
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'undocumented: %s\n' "${missing[@]}" >&2
    fail "${#missing[@]} option(s) in --help are not in their man page"
  fi
}

# page_options PAGE: the option names in the tags (.TP) of PAGE's OPTIONS section.
page_options() {
  awk '/^\.SH / { on = ($0 == ".SH OPTIONS"); next }
       on && tag { while (match($0, /\\-(\\-)?[a-zA-Z][-a-zA-Z0-9\\]*/)) {
                     o = substr($0, RSTART, RLENGTH); gsub(/\\-/, "-", o); print o
                     $0 = substr($0, RSTART + RLENGTH) }
                   tag = 0; next }
       on && /^\.TP/ { tag = 1 }' "$1" | sort -u
}

test_no_man_page_documents_a_removed_option() {
  local c sub o stale=() n=0
  options_of | sort -u >have
  for o in $(page_options "$MAN/peermail.1"); do
    n=$((n + 1))
    grep -qxF -- "$o" have || stale+=("peermail(1): $o")
  done
  for c in $(commands_of); do
    { options_of "$c"; for sub in $(commands_of "$c"); do options_of "$c" "$sub"; done; } | sort -u >have
    for o in $(page_options "$MAN/peermail-$c.1"); do
      n=$((n + 1))
      grep -qxF -- "$o" have || stale+=("peermail-$c(1): $o")
    done
  done
  [ "$n" -ge 50 ] || fail "found only $n options in the OPTIONS sections; is the roff still parsed?"
  if [ ${#stale[@]} -gt 0 ]; then
    printf 'not in --help: %s\n' "${stale[@]}" >&2
    fail "${#stale[@]} option(s) in the man pages no longer exist"
  fi
}

test_every_config_key_is_documented() {
  local src=$PEERMAIL_SOURCE_DIR/lib/peermail/config/keys.hpp page=$MAN/peermail.toml.5
  # The key tables: inline constexpr Key k_<table>_keys[] = { {"name", ...}, ... };
  awk '/^(inline )?constexpr (Key|std::string_view) k_[a-z]+_keys\[\]/ { on = 1 }
       on { while (match($0, /"[a-z0-9_]+"/)) { print substr($0, RSTART + 1, RLENGTH - 2);
                                               $0 = substr($0, RSTART + RLENGTH) } }
       on && /;/ { on = 0 }' "$src" | sort -u >keys
  [ "$(wc -l <keys)" -ge 25 ] || { cat keys >&2; fail "parsed too few keys from config/keys.hpp"; }
  local k missing=()
  while read -r k; do
    grep -Eq "^\.(B|BR|BI|TP) \"?\\[?\\[?${k}([] ,.]|\$)" "$page" ||
      grep -Eq "^\.SH \"\\[+${k}[].]" "$page" || missing+=("$k")
  done <keys
  if [ ${#missing[@]} -gt 0 ]; then
    fail "config keys not documented in peermail.toml(5): ${missing[*]}"
  fi
  # And no key is documented that the loader no longer knows.
  awk '/^\.SH "\[/ { on = 1; next } /^\.SH / { on = 0 }
       on && tag && /^\.B [a-z0-9_]+$/ { print $2 } { tag = on && /^\.TP/ }' "$page" | sort -u >documented
  [ "$(wc -l <documented)" -ge 20 ] || fail "parsed too few keys from peermail.toml(5)"
  local stale
  stale=$(comm -23 documented keys | tr '\n' ' ')
  [ -z "$stale" ] || fail "peermail.toml(5) documents keys config/keys.hpp does not know: $stale"
  # The tables themselves are sections.
  for k in identity account policy peer audit compliance; do
    grep -Eq "^\.SH \"\\[+$k" "$page" || fail "peermail.toml(5) has no section for [$k]"
  done
}

test_help_of_every_command_reads_well() {
  local c
  for c in $(commands_of); do
    expect_exit 0 pm "$c" --help
    expect_contains out "Usage: peermail $c "
    # Every option has a description (CLI11 prints it after the name).
    if awk '/^[A-Za-z]+:/ { s = $1; next } /^$/ { s = "" } s == "Options:" && /^  -/ && NF < 2' out | grep -q .; then
      fail "peermail $c --help: an option has no description"
    fi
  done
}

test_cmake_install_into_destdir() {
  local build root=$PWD/root c
  build=$(cd "$(dirname "$PEERMAIL_BIN")/.." && pwd)
  [ -f "$build/cmake_install.cmake" ] || fail "no cmake build dir at $build"
  DESTDIR=$root cmake --install "$build" --prefix /usr >install.log 2>&1 ||
    { cat install.log >&2; fail "cmake --install failed"; }
  [ -x "$root/usr/bin/peermail" ] || fail "binary not installed"
  [ -L "$root/usr/bin/peermail-sendmail" ] || fail "peermail-sendmail link not installed"
  [ -f "$root/usr/share/man/man1/peermail.1" ] || fail "peermail.1 not installed"
  [ -f "$root/usr/share/man/man5/peermail.toml.5" ] || fail "peermail.toml.5 not installed"
  for c in $(commands_of); do
    [ -f "$root/usr/share/man/man1/peermail-$c.1" ] || fail "peermail-$c.1 not installed"
  done
  [ -f "$root/usr/share/bash-completion/completions/peermail" ] || fail "bash completion not installed"
  expect_exit 0 "$root/usr/bin/peermail" --version
  expect_contains out "peermail "
}

# complete WORDS...: run the installed-style completion for the command line
# WORDS (the last one is being completed); print the candidates.
complete_words() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _peermail; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$PEERMAIL_SOURCE_DIR/completion/peermail.bash" "$PEERMAIL_BIN" "$@"
}

test_bash_completion() {
  complete_words ch >c1
  expect_eq "$(cat c1)" check "peermail ch<TAB>"
  complete_words send --b >c2
  expect_contains c2 --bcc
  expect_contains c2 --body-file
  complete_words audit v >c3
  expect_eq "$(cat c3)" verify "peermail audit v<TAB>"
  complete_words audit verify --exp >c4
  expect_eq "$(cat c4)" --expect-seq "peermail audit verify --exp<TAB>"
  complete_words init --tls s >c5
  expect_eq "$(cat c5)" starttls "peermail init --tls s<TAB>"
  : >conf-one.toml
  complete_words --config conf- >c6
  expect_eq "$(cat c6)" conf-one.toml "peermail --config conf-<TAB>"
  complete_words --gnupg-home /tmp/x check --pr >c7
  expect_eq "$(cat c7)" --probe "peermail --gnupg-home DIR check --pr<TAB>"
  # Checklist IDs for --only (after a comma too), and directories for
  # --save-attachments.
  complete_words check --only tls-0 >c8
  expect_contains c8 TLS-02
  expect_eq "$(wc -l <c8)" 9 "TLS-01..09"
  complete_words check --only TLS-02,AUD-0 >c9
  expect_contains c9 TLS-02,AUD-05
  local listed documented
  listed=$(sed -n '/local ids=/,/"$/p' "$PEERMAIL_SOURCE_DIR/completion/peermail.bash" \
    | grep -oE '[A-Z0-9]+-[0-9]{2}' | sort -u | tr '\n' ' ')
  documented=$(grep -oE '\b(TLS|E2E|SIG|KEY|AUTH|AUD|CFG)-[0-9]{2}\b' "$PEERMAIL_SOURCE_DIR/docs/CHECKLIST.md" \
    | sort -u | tr '\n' ' ')
  expect_eq "$listed" "$documented" "checklist IDs in the completion"
  mkdir -p attdir
  complete_words verify --save-attachments attd >c10
  expect_eq "$(cat c10)" attdir "peermail verify --save-attachments attd<TAB>"
}
