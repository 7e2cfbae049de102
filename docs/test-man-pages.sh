#!/bin/bash
# Each man page builds with scdoc and renders with man(1) without warnings; every verb that
# `gpucdi --help` lists has its page; every gpucdi page named under SEE ALSO exists. TAP output.
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

echo "1..$n"
exit $fail
