# bash completion for keyhold(1). Installed as bash-completion's
# completions/keyhold, loaded the first time `keyhold` is completed; needs
# nothing from bash-completion itself, so `source` works too.
#
# Source and secret names come from `keyhold source list` and `keyhold secret
# list`, which open the store. They run without a controlling terminal
# (setsid), so a passphrase store without KEYHOLD_PASSPHRASE fails instead of
# asking in the middle of a command line, and under `timeout`, so a Secret
# Service that does not answer costs at most a second; with the key cached
# (after any use, for 15 minutes) each takes a few milliseconds.

_keyhold_store_names() {
    local program=$1 what=$2
    command -v setsid >/dev/null 2>&1 || return 0
    command -v timeout >/dev/null 2>&1 || return 0
    case $what in
        sources) setsid -w timeout 1 "$program" source list </dev/null 2>/dev/null | cut -f1 ;;
        secrets) setsid -w timeout 1 "$program" secret list </dev/null 2>/dev/null | cut -d= -f1 ;;
    esac
}

_keyhold() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local program=${COMP_WORDS[0]}
    COMPREPLY=()

    # --option=value: bash splits it into "--option" "=" "value" (COMP_WORDBREAKS).
    if [[ $cur == "=" && $prev == --* ]]; then
        cur=""
    elif [[ $prev == "=" && COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi

    # The command path (e.g. "source add") and where an exec command starts.
    local -a path=()
    local i word skip=false exec_start=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if $skip; then
            skip=false
            continue
        fi
        case $word in
            =) continue ;;
            --backend | --tpm2-pcrs | --type | --url | --ca-file | --git-host | --max-age | --if-older-than | --timeout | --secret | --registry | \
                --socket | --allow | --allow-uid | --ttl)
                [[ ${COMP_WORDS[i+1]} == "=" ]] || skip=true
                continue ;;
            -*)
                if [[ ${path[0]} == exec && $word == -- ]]; then
                    exec_start=$((i + 1))
                    break
                fi
                continue ;;
        esac
        if [[ ${path[0]} == exec ]]; then
            exec_start=$i  # `keyhold exec [OPTIONS] COMMAND ...` without --
            break
        fi
        path+=("$word")
    done

    if ((exec_start > 0)); then
        if ((COMP_CWORD == exec_start)); then
            mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
    fi

    # Values of the options that take one.
    case $prev in
        --backend)
            # `keyhold init --help` lists them (platform/linux/protector_table.cpp).
            mapfile -t COMPREPLY < <(compgen -W "secret-service passphrase tpm2" -- "$cur")
            return 0 ;;
        --type)
            # `keyhold source add --help` lists them (src/sync/source_types.cpp).
            mapfile -t COMPREPLY < <(compgen -W "ignite gitpod" -- "$cur")
            return 0 ;;
        --ca-file | --socket)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0 ;;
        --allow | --allow-uid | --ttl)
            return 0 ;;
        --secret)
            mapfile -t COMPREPLY < <(compgen -W "$(_keyhold_store_names "$program" secrets)" -- "$cur")
            return 0 ;;
        --url | --git-host | --max-age | --if-older-than | --timeout | --registry | --tpm2-pcrs)
            return 0 ;;
    esac

    local words="" options="--help"
    case "${path[*]}" in
        "")
            words="init status lock unlock doctor rekey configure source sync secret exec import agent"
            options="--help --version" ;;
        init | rekey) options="--backend --tpm2-pcrs --help" ;;
        status | lock | unlock | doctor) ;;
        import) options="--dry-run --help" ;;
        configure) words="git docker containers" ;;
        "configure git") options="--undo --unconfigure --help" ;;
        "configure docker" | "configure containers") options="--registry --undo --help" ;;
        source) words="add list remove" ;;
        "source add") options="--type --url --ca-file --git-host --max-age --help" ;;
        "source list") ;;
        "source remove") words=$(_keyhold_store_names "$program" sources) ;;
        sync)
            words=$(_keyhold_store_names "$program" sources)
            options="--if-older-than --timeout --help" ;;
        secret) words="get list" ;;
        "secret get") words=$(_keyhold_store_names "$program" secrets) ;;
        "secret list") ;;
        exec) options="--secret --all-secrets --help --" ;;
        agent) options="--socket --allow --allow-uid --ttl --help" ;;
        *) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    fi
    return 0
}

complete -F _keyhold keyhold
