#!/bin/bash
# Drives the bash completion as bash would (COMP_WORDS/COMP_CWORD) and checks what it offers
# against the options the program accepts. TAP output.
# bash_completion itself is not written for set -u.
comp=$1 gpucdi=$2
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }

bc=
for f in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
        [ -r "$f" ] && bc=$f && break
done
if [ -z "$bc" ]; then
        echo "1..0 # SKIP bash-completion is not installed (Debian package bash-completion)"
        exit 0
fi
# shellcheck disable=SC1090
source "$bc"
# shellcheck disable=SC1090
source "$comp"

# complete_line "gpucdi generate --lay" -> prints the candidates, one per line
complete_line() {
        local line=$1
        read -r -a COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$line COMP_POINT=${#line}
        COMPREPLY=()
        _gpucdi gpucdi "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort
}

expect() { # expect DESCRIPTION LINE WORD... : each WORD is among the candidates
        local desc=$1 line=$2 got w
        shift 2
        got=$(complete_line "$line")
        for w in "$@"; do
                if ! grep -qxF -- "$w" <<<"$got"; then
                        notok "$desc" "'$line' offered: $(echo $got), missing $w"
                        return
                fi
        done
        ok "$desc"
}

expect "verbs" "gpucdi " probe generate list validate check hook
expect "verb prefix" "gpucdi gen" generate
expect "generate options" "gpucdi generate --" --output-dir --output --vendor --layout --cdi-version --hook-path --no-hook --fhs-libdir --state-dir --sysfs-root --driver-root
expect "layout values" "gpucdi generate --layout " nix fhs both
expect "vendor list continues after a comma" "gpucdi generate --vendor nvidia,a" nvidia,amd
expect "probe options" "gpucdi probe --" --json --sysfs-root --proc-root --dev-root --host-root --driver-root
expect "list options" "gpucdi list --" --spec-dir
expect "check options" "gpucdi check --" --json --policy --cdi-device --spec-dir --proc-root --dev-root --list-rules
expect "hook options" "gpucdi hook --" --cdi-device --hooks-d --policy --spec-dir --list-rules

# Every option the completion offers for a verb is in that verb's own --help: a completion that
# offers an option the verb rejects is worse than none.
for v in probe generate list validate check hook; do
        bad=
        for o in $(complete_line "gpucdi $v --"); do
                [[ $o == --* ]] || continue
                "$gpucdi" "$v" --help 2>/dev/null | grep -qE -- "$o([^a-z-]|\$)" || bad="$bad $o"
        done
        if [ -z "$bad" ]; then ok "every option offered for $v is in gpucdi $v --help"; else notok "options offered for $v but not in gpucdi $v --help:$bad"; fi
done

echo "1..$n"
exit $fail
