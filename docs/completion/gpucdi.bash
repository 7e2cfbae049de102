# bash completion for gpucdi(1)                                  -*- shell-script -*-

_gpucdi() {
        local cur prev words cword
        _init_completion || return

        local verbs="probe generate list validate check hook"
        local roots="--sysfs-root --proc-root --dev-root --host-root --driver-root"

        local verb="" i
        for ((i = 1; i < cword; i++)); do
                if [[ " $verbs " == *" ${words[i]} "* ]]; then
                        verb=${words[i]}
                        break
                fi
        done

        case $prev in
        --sysfs-root | --proc-root | --dev-root | --host-root | --driver-root | --output-dir | \
                --spec-dir | --fhs-libdir | --state-dir)
                _filedir -d
                return
                ;;
        --hook-path | --policy)
                _filedir
                return
                ;;
        --output)
                COMPREPLY=($(compgen -W "-" -- "$cur"))
                _filedir
                return
                ;;
        --layout)
                COMPREPLY=($(compgen -W "nix fhs both" -- "$cur"))
                return
                ;;
        --vendor)
                # A comma-separated list: complete the last element.
                local prefix=${cur%"${cur##*,}"}
                COMPREPLY=($(compgen -P "$prefix" -W "nvidia amd intel render nvidia-imex" -- "${cur##*,}"))
                compopt -o nospace
                return
                ;;
        --cdi-version)
                COMPREPLY=($(compgen -W "0.3.0 0.4.0 0.5.0 0.6.0 0.7.0 0.8.0 1.0.0 1.1.0" -- "$cur"))
                return
                ;;
        esac

        case $verb in
        "")
                COMPREPLY=($(compgen -W "$verbs --help --version" -- "$cur"))
                ;;
        probe)
                COMPREPLY=($(compgen -W "--json --help --version $roots" -- "$cur"))
                ;;
        generate)
                COMPREPLY=($(compgen -W "--output-dir --output --vendor --layout --cdi-version
                        --hook-path --no-hook --fhs-libdir --state-dir --no-create-nodes --spec-dir --help --version $roots" -- "$cur"))
                ;;
        list)
                COMPREPLY=($(compgen -W "--spec-dir --json --names --help --version" -- "$cur"))
                ;;
        validate)
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
                else
                        _filedir json
                fi
                ;;
        check)
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W "--json --policy --cdi-device --spec-dir --proc-root
                                --dev-root --list-rules --help --version" -- "$cur"))
                else
                        _filedir json
                fi
                ;;
        hook)
                COMPREPLY=($(compgen -W "prestart --cdi-device --hooks-d --policy --spec-dir --proc-root
                        --dev-root --list-rules --help --version" -- "$cur"))
                ;;
        esac
} &&
        complete -F _gpucdi gpucdi

# ex: filetype=sh
