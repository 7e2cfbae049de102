#!/bin/bash
# Each man page builds with scdoc and renders with man(1) without warnings; every verb that
# `gpucdi --help` lists has its page; every gpucdi page named under SEE ALSO exists; every long
# option of the program's option tables is in the page of its verb; probe's JSON schema and the
# hook's rules (ids, defaults) match the code. TAP output.
set -u
srcdir=$1 gpucdi=$2
shift 2
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for src in "$@"; do
        page=$(basename "$src" .scd)            # gpucdi-hook.8
        name=${page%.*} section=${page##*.}
        if ! command -v scdoc >/dev/null; then
                skip "$page: scdoc not installed (Debian package scdoc)"
                continue
        fi
        if ! err=$(scdoc <"$src" 2>&1 >"$tmp/$page"); then
                notok "$page: scdoc" "$err"
                continue
        fi
        th=$(grep -m1 '^\.TH' "$tmp/$page")
        if [[ $th != ".TH \"$name\" \"$section\""* ]]; then
                notok "$page: title line names $name($section)" "$th"
                continue
        fi
        if command -v man >/dev/null; then
                warnings=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$tmp/$page" 2>&1 >/dev/null)
                if [ -n "$warnings" ]; then
                        notok "$page: renders without warnings" "$warnings"
                        continue
                fi
        fi
        ok "$page: builds and renders"
done

# Verbs of the program against pages.
verbs=$("$gpucdi" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
if [ -z "$verbs" ]; then
        notok "gpucdi --help lists verbs"
else
        missing=
        for v in $verbs; do
                case $v in
                hook) f=gpucdi-hook.8.scd ;;
                *) f=gpucdi-$v.1.scd ;;
                esac
                [ -f "$srcdir/$f" ] || missing="$missing $v"
        done
        if [ -z "$missing" ]; then ok "every verb of gpucdi --help has a man page ($(echo $verbs))"; else notok "verbs without a man page:$missing"; fi
fi

# Cross references.
dangling=
for src in "$@"; do
        for ref in $(grep -o '\*gpucdi[a-z.-]*\*([0-9])' "$src" | tr -d '*' | sort -u); do
                f="${ref%(*}.${ref#*(}"
                f="${f%)}.scd"
                [ -f "$srcdir/$f" ] || dangling="$dangling $(basename "$src"):$ref"
        done
done
if [ -z "$dangling" ]; then ok "every gpucdi page referenced exists"; else notok "dangling references:$dangling"; fi

# Every key gpucdi probe --json prints (on the mixed fixture host) is documented in gpucdi-probe(1).
mkhost=$srcdir/../tests/hosts/mkhost.py
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if [ -f "$mkhost" ] && "$py" "$mkhost" mixed "$tmp/host" >/dev/null 2>&1; then
        keys=$("$gpucdi" probe --json --sysfs-root "$tmp/host/sys" --proc-root "$tmp/host/proc" \
                --dev-root "$tmp/host/dev" --host-root "$tmp/host/root" | grep -oE '"[a-z_]+":' | tr -d '":' | sort -u)
        documented=$(sed -n '/^# JSON OUTPUT/,/^# EXIT STATUS/p' "$srcdir/gpucdi-probe.1.scd")
        missing=
        for k in $keys; do grep -q "\"$k\"" <<<"$documented" || missing="$missing $k"; done
        if [ -n "$keys" ] && [ -z "$missing" ]; then
                ok "gpucdi-probe(1) documents every JSON key probe prints ($(echo $keys | wc -w) keys)"
        else
                notok "gpucdi-probe(1) documents every JSON key probe prints" "undocumented:${missing:- (no output)}"
        fi
else
        n=$((n + 1)); echo "ok $n # SKIP tests/hosts/mkhost.py unavailable: probe JSON keys not compared"
fi

# Every rule of the hook is documented in gpucdi-policy.conf(5), and nothing else is.
rules_c=$srcdir/../hook/rules.c
if [ -f "$rules_c" ]; then
        code=$(sed -n '/^const struct rule rules_table/,/^};/p' "$rules_c" |
                grep -oE '(\{ |CAP_RULE\(|NS_RULE\()"[a-z0-9-]+"' | grep -oE '[a-z0-9-]+' | sort)
        doc=$(sed -n '/^# RULES/,/^# FILES/p' "$srcdir/gpucdi-policy.conf.5.scd" | grep -oE '^\*[a-z0-9-]+\*' | tr -d '*' | sort)
        if [ -n "$code" ] && [ "$code" = "$doc" ]; then
                ok "gpucdi-policy.conf(5) documents the $(echo "$code" | wc -l) rules of hook/rules.c"
        else
                notok "gpucdi-policy.conf(5) and hook/rules.c list the same rules" \
                        "$(diff <(echo "$code") <(echo "$doc") | grep '^[<>]')"
        fi
fi

# probe's JSON schema in gpucdi-probe(1) is the comment block at the top of cdi/probe-print.c, verbatim.
print_c=$srcdir/../cdi/probe-print.c
if [ -f "$print_c" ]; then
        code=$(sed -n '/^ \* {$/,/(a placeholder/p' "$print_c" | sed -E 's/^ \*( |$)//')
        doc=$(sed -n '/^{$/,/(a placeholder/p' "$srcdir/gpucdi-probe.1.scd")
        if [ -n "$code" ] && [ "$code" = "$doc" ]; then
                ok "gpucdi-probe(1)'s JSON schema is cdi/probe-print.c's ($(echo "$code" | wc -l) lines)"
        else
                notok "gpucdi-probe(1)'s JSON schema is cdi/probe-print.c's" "$(diff <(echo "$code") <(echo "$doc") | grep '^[<>]')"
        fi
fi

# Every rule's default (on/off, as the program prints it) is the one gpucdi-policy.conf(5) gives.
if listed=$("$gpucdi" check --list-rules 2>/dev/null) && [ -n "$listed" ]; then
        code=$(cut -f1,2 <<<"$listed" | tr '\t' ' ' | sort)
        doc=$(sed -n '/^# RULES/,/^# FILES/p' "$srcdir/gpucdi-policy.conf.5.scd" |
                sed -nE 's/^\*([a-z0-9-]+)\* \((on|off)[,)].*/\1 \2/p' | sort)
        if [ "$code" = "$doc" ]; then
                ok "gpucdi-policy.conf(5) gives each rule the default gpucdi check --list-rules prints"
        else
                notok "gpucdi-policy.conf(5) gives each rule the default gpucdi check --list-rules prints" \
                        "$(diff <(echo "$code") <(echo "$doc") | grep '^[<>]')"
        fi
        # Each rule's refusal has an entry with its fix in the troubleshooting guide.
        missing=
        for id in $(cut -f1 <<<"$listed"); do
                grep -q "\`\[$id\]" "$srcdir/troubleshooting.md" || missing="$missing $id"
        done
        if [ -z "$missing" ]; then ok "docs/troubleshooting.md has an entry for every rule"; else notok "rules missing from docs/troubleshooting.md:$missing"; fi
else
        skip "gpucdi was built without the hook: rule defaults not compared"
fi

# Long options (without --help and --version) of the C option tables in file $1; ROOT_OPTIONS
# expanded from cdi/verb.h.
options_of() {
        local file=$1 table
        table=$(sed -n '/struct option [a-z_]*\[\] = {/,/^ *};/p' "$file")
        if grep -q 'ROOT_OPTIONS' <<<"$table"; then
                table+=$'\n'$(sed -n '/^#define ROOT_OPTIONS \\/,/^$/p' "$srcdir/../cdi/verb.h")
        fi
        grep -oE '\{ "[a-z0-9-]+",' <<<"$table" | grep -oE '[a-z0-9-]+' | grep -vx -e help -e version | sort -u
}

# Options the page does not mention as *--NAME*.
undocumented() {
        local page=$1 opt missing=
        shift
        for opt in "$@"; do
                grep -qF -- "*--$opt*" "$srcdir/$page" || missing="$missing --$opt"
        done
        echo "$missing"
}

# The exit codes of a page's EXIT STATUS section (*N*), and of an "Exit status:" block of --help.
page_codes() { sed -n '/^# EXIT STATUS/,/^# [A-Z]/p' "$srcdir/$1" | grep -oE '\*[0-9]+\*' | tr -d '*' | sort -nu; }
help_codes() { sed -n '/^Exit status:/,/^$/p' | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }' | sort -nu; }

# Each verb: its file's option table, its --help and its page name the same options; its --help
# and its page give the same exit codes (hook/exit-status.h).
if [ -f "$srcdir/../cdi/verb.h" ]; then
        for v in $verbs; do
                file=$srcdir/../cdi/verb-$v.c page=gpucdi-$v.1.scd
                if [ "$v" = hook ]; then
                        file=$srcdir/../hook/hook-command.c page=gpucdi-hook.8.scd
                fi
                opts=$(options_of "$file")
                if ! help=$("$gpucdi" "$v" --help) || ! grep -q "^Usage: gpucdi[ -]" <<<"$help"; then
                        notok "gpucdi $v --help prints its usage" "$help"
                        continue
                fi
                if [ "$help" = "$("$gpucdi" --help)" ]; then
                        notok "gpucdi $v --help is the verb's own, not the global usage"
                        continue
                fi
                missing=$(undocumented $page $opts)
                if [ -n "$opts" ] && [ -z "$missing" ]; then
                        ok "${page%.scd} documents every option of $(basename "$file")'s table ($(echo $opts | wc -w))"
                elif [ -z "$opts" ]; then
                        ok "${page%.scd}: $(basename "$file") has no options beyond --help and --version"
                else
                        notok "${page%.scd} documents every option of $(basename "$file")'s table" "missing:$missing"
                fi
                missing= stale=
                for opt in $opts; do grep -qE -- "--$opt([^a-z-]|$)" <<<"$help" || missing="$missing --$opt"; done
                for opt in $(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u); do
                        case $opt in --help | --version) continue ;; esac
                        grep -qx -- "${opt#--}" <<<"$opts" || stale="$stale $opt"
                done
                if [ -z "$missing$stale" ]; then
                        ok "gpucdi $v --help names the options of its table, and no other"
                else
                        notok "gpucdi $v --help names the options of its table, and no other" \
                                "not in --help:${missing:- none}; not in the table:${stale:- none}"
                fi
                hc=$(help_codes <<<"$help") pc=$(page_codes $page)
                if [ -n "$hc" ] && [ "$hc" = "$pc" ]; then
                        ok "${page%.scd} and gpucdi $v --help give the same exit codes ($(echo $hc))"
                else
                        notok "${page%.scd} and gpucdi $v --help give the same exit codes" "--help: $(echo $hc); page: $(echo $pc)"
                fi
                out=$("$gpucdi" "$v" --version)
                if [ "$out" = "$("$gpucdi" --version)" ] && [ "$(wc -l <<<"$out")" = 1 ]; then
                        ok "gpucdi $v --version prints the one version line"
                else
                        notok "gpucdi $v --version prints the one version line" "$out"
                fi
        done
        opts=$(sed -n '/^#define ROOT_OPTIONS \\/,/^$/p' "$srcdir/../cdi/verb.h" | grep -oE '\{ "[a-z0-9-]+",' | grep -oE '[a-z0-9-]+')
        missing=$(undocumented gpucdi.1.scd $opts)
        if [ -n "$opts" ] && [ -z "$missing" ]; then
                ok "gpucdi(1) documents the root options ($(echo $opts | wc -w))"
        else
                notok "gpucdi(1) documents the root options" "missing:${missing:- (none found in ROOT_OPTIONS)}"
        fi
        # The exit codes of gpucdi(1) are those of its verbs together.
        all=$(for v in $verbs; do "$gpucdi" "$v" --help | help_codes; done | sort -nu)
        pc=$(page_codes gpucdi.1.scd)
        if [ -n "$all" ] && [ "$all" = "$pc" ]; then
                ok "gpucdi(1) gives the exit codes of every verb ($(echo $all))"
        else
                notok "gpucdi(1) gives the exit codes of every verb" "verbs: $(echo $all); page: $(echo $pc)"
        fi
fi

echo "1..$n"
exit $fail
