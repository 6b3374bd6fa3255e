# SPDX-License-Identifier: GPL-3.0-or-later
# bash completion for peermail(1): commands, sub-commands, options and files.
#
# Options come from the binary's own --help, so completion follows the
# installed version; the lists below are the fallback when that fails.

_peermail_help_words() {
    # _peermail_help_words CMD...: options and sub-commands from `peermail CMD... --help`.
    local cache_key="${*:-_top}"
    cache_key=${cache_key// /_}
    local var="_peermail_cache_${cache_key//[^a-zA-Z0-9_]/_}"
    if [ -z "${!var+x}" ]; then
        local words
        words=$("${_peermail_bin:-peermail}" "$@" --help 2>/dev/null | awk '
            /^[A-Za-z]+:/ { section = $1; next }
            /^$/ { section = "" }
            section == "Options:" && /^  -/ {
                n = split($1, names, ",")
                for (i = 1; i <= n; i++) if (names[i] ~ /^-/) print names[i]
            }
            section == "Subcommands:" && /^  [a-z]/ { print $1 }')
        printf -v "$var" '%s' "$words"
    fi
    printf '%s\n' "${!var}"
}

_peermail() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    _peermail_bin=${COMP_WORDS[0]}

    local commands="init check keys encrypt sign verify send sendmail batch audit"
    local cmd="" sub="" i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --config | --account | --gnupg-home) ((i++)) ;;
        -*) ;;
        *)
            if [ -z "$cmd" ]; then
                cmd=$w
            elif [ -z "$sub" ] && { [ "$cmd" = keys ] || [ "$cmd" = audit ]; }; then
                sub=$w
            fi
            ;;
        esac
    done

    # Option arguments.
    case $prev in
    --config | --template | --recipients | --journal | --body-file | --subject-file | --attach | \
        --message | \
        -o | --output | --file | --audit-path)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
        ;;
    --gnupg-home | --save-attachments | --postfix)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
        ;;
    --account)
        local cfg=${PEERMAIL_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/peermail/config.toml}
        [ -r "$cfg" ] && mapfile -t COMPREPLY < <(compgen -W \
            "$(sed -n 's/^\[account\.\([A-Za-z0-9_-]*\)\].*/\1/p' "$cfg")" -- "$cur")
        return
        ;;
    --tls)
        mapfile -t COMPREPLY < <(compgen -W "implicit starttls" -- "$cur")
        return
        ;;
    --only)
        # Checklist IDs (docs/CHECKLIST.md; the docs suite keeps this list
        # equal to it), completed after the last comma of ID,ID,...
        local ids="AUD-01 AUD-02 AUD-03 AUD-04 AUD-05 AUD-06 AUTH-01 AUTH-02 AUTH-03 AUTH-04
            AUTH-05 AUTH-06 AUTH-07 CFG-01 CFG-02 CFG-03 CFG-04 CFG-05 CFG-06 E2E-01 E2E-02
            E2E-03 E2E-04 E2E-05 E2E-06 E2E-07 KEY-01 KEY-02 KEY-03 KEY-04 KEY-05 SIG-01
            SIG-02 SIG-03 SIG-04 TLS-01 TLS-02 TLS-03 TLS-04 TLS-05 TLS-06 TLS-07 TLS-08
            TLS-09 TLS-10"
        local done_part="" last=$cur
        if [[ $cur == *,* ]]; then
            done_part=${cur%,*},
            last=${cur##*,}
        fi
        mapfile -t COMPREPLY < <(compgen -P "$done_part" -W "$ids" -- "${last^^}")
        return
        ;;
    --to | --cc | --bcc | -r | --recipient | --from | --host | --port | --username | \
        --password-command | --password-env | --signing-key | --subject | --workers | --rate | \
        --max-attempts | --shard | --since | --until | --outcome | --action | --user | --expect-seq | \
        --anchor | --passphrase-command | -f | -F)
        return
        ;;
    esac

    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$(_peermail_help_words) --version" -- "$cur")
        else
            local words
            words=$(_peermail_help_words | grep -v '^-')
            mapfile -t COMPREPLY < <(compgen -W "${words:-$commands}" -- "$cur")
        fi
        return
    fi

    local path=("$cmd")
    [ -n "$sub" ] && path+=("$sub")
    local words
    words=$(_peermail_help_words "${path[@]}")
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(grep '^-' <<<"$words")" -- "$cur")
        return
    fi
    if [ -z "$sub" ] && { [ "$cmd" = keys ] || [ "$cmd" = audit ]; }; then
        mapfile -t COMPREPLY < <(compgen -W "$(grep -v '^-' <<<"$words")" -- "$cur")
        return
    fi
    # Positional arguments: files (messages, keys), except addresses.
    case $cmd/$sub in
    keys/check | sendmail/) return ;;
    esac
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _peermail peermail
