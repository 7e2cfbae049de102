#!/bin/bash
# Each man page builds with scdoc and renders with man(1) without warnings; every verb that
# `gpucdi --help` lists has its page and every verb page a verb; every gpucdi page named under SEE
# ALSO exists; the options each page documents are those the program's usage texts name (gpucdi
# --help, gpucdi VERB --help); probe's JSON keys are those `gpucdi probe --json` prints on the
# fixture hosts; the hook's rules (ids, defaults) are those `gpucdi check --list-rules` prints.
# Everything is read from the program's own output, nothing from its source. TAP output.
#
# args: SRCDIR GPUCDI PAGE.scd...; GPUCDI_HOOK (optional): gpucdi-hook, whose --list-rules must agree
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
        if ! command -v man >/dev/null; then
                ok "$page: builds"
                skip "$page: renders without warnings: man(1) is not installed"
                continue
        fi
        warnings=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$tmp/$page" 2>&1 >/dev/null)
        if [ -n "$warnings" ]; then
                notok "$page: renders without warnings" "$warnings"
                continue
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
# ... and every page of a verb names one that gpucdi --help lists.
orphans=
for src in "$srcdir"/gpucdi-*.[18].scd; do
        v=$(basename "$src" .scd)
        v=${v#gpucdi-}
        v=${v%.[18]}
        grep -qx -- "$v" <<<"$verbs" || orphans="$orphans $(basename "$src")"
done
if [ -n "$verbs" ] && [ -z "$orphans" ]; then ok "every verb page is of a verb gpucdi --help lists"; else notok "pages of verbs gpucdi --help does not list:${orphans:- (no verbs)}"; fi

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

# probe's JSON keys against gpucdi-probe(1)'s schema (the block under JSON OUTPUT), on every fixture
# host: each key the program prints is documented, and each key the schema shows is printed on some
# host.
mkhost=$srcdir/../tests/hosts/mkhost.py
py=/usr/bin/python3
[ -x "$py" ] || py=python3
schema_keys=$(sed -n '/^# JSON OUTPUT/,/^# EXIT STATUS/p' "$srcdir/gpucdi-probe.1.scd" | grep -oE '"[a-z_]+":' | tr -d '":' | sort -u)
if [ -f "$mkhost" ] && hosts=$("$py" "$mkhost" --list 2>/dev/null) && [ -n "$hosts" ]; then
        printed= probed=0 failed=
        for h in $hosts; do
                if ! "$py" "$mkhost" "$h" "$tmp/hosts/$h" >/dev/null 2>&1; then
                        failed="$failed $h(mkhost)"
                        continue
                fi
                # Hosts that exist to break probe (broken-*) exit non-zero: their keys are not counted.
                # The fixtures' device nodes are empty files (no mknod): accepted as nodes.
                if out=$(GPUCDI_ACCEPT_PLAIN_NODES=1 "$gpucdi" probe --json --sysfs-root "$tmp/hosts/$h/sys" --proc-root "$tmp/hosts/$h/proc" \
                        --dev-root "$tmp/hosts/$h/dev" --host-root "$tmp/hosts/$h/root" 2>/dev/null); then
                        probed=$((probed + 1))
                        printed+=$'\n'$(grep -oE '"[a-z_]+":' <<<"$out" | tr -d '":')
                fi
        done
        printed=$(grep -v '^$' <<<"$printed" | sort -u)
        if [ -n "$failed" ]; then
                notok "fixture hosts for probe --json" "mkhost failed:$failed"
        elif [ "$probed" -eq 0 ] || [ -z "$printed" ]; then
                notok "gpucdi probe --json prints keys on the fixture hosts" "no host probed"
        else
                undocumented=$(comm -23 <(echo "$printed") <(echo "$schema_keys"))
                if [ -z "$undocumented" ]; then
                        ok "gpucdi-probe(1) documents every JSON key probe prints on $probed hosts ($(echo $printed | wc -w) keys)"
                else
                        notok "gpucdi-probe(1) documents every JSON key probe prints" "undocumented: $(echo $undocumented)"
                fi
                never=$(comm -13 <(echo "$printed") <(echo "$schema_keys"))
                if [ -n "$schema_keys" ] && [ -z "$never" ]; then
                        ok "every key of gpucdi-probe(1)'s schema is printed on some fixture host ($(echo $schema_keys | wc -w) keys)"
                else
                        notok "every key of gpucdi-probe(1)'s schema is printed on some fixture host" \
                                "never printed: ${never:-(no keys in the schema)}"
                fi
        fi
else
        skip "tests/hosts/mkhost.py unavailable: probe JSON keys not compared"
fi

# The hook's rules, as the program lists them (gpucdi check --list-rules: id, default, why), against
# gpucdi-policy.conf(5): the same rules, each with the default the program gives it, and an entry
# with its fix in the troubleshooting guide. Only a gpucdi built without the hook has no check verb.
policy_rules=$(sed -n '/^# RULES/,/^# FILES/p' "$srcdir/gpucdi-policy.conf.5.scd")
if grep -qw check <<<"$verbs"; then
        listed=$("$gpucdi" check --list-rules 2>&1)
        rc=$?
        ids=$(cut -f1 <<<"$listed" | sort)
        if [ $rc -ne 0 ] || [ -z "$listed" ] || grep -qvE '^[a-z0-9-]+'$'\t''(on|off)'$'\t' <<<"$listed"; then
                notok "gpucdi check --list-rules prints one 'id<TAB>on|off<TAB>why' line per rule" "exit $rc
$listed"
        else
                doc=$(grep -oE '^\*[a-z0-9-]+\*' <<<"$policy_rules" | tr -d '*' | sort)
                if [ "$ids" = "$doc" ]; then
                        ok "gpucdi-policy.conf(5) documents the $(echo "$ids" | wc -l) rules gpucdi check --list-rules prints, and no other"
                else
                        notok "gpucdi-policy.conf(5) and gpucdi check --list-rules name the same rules" \
                                "$(diff <(echo "$ids") <(echo "$doc") | grep '^[<>]')"
                fi
                code=$(cut -f1,2 <<<"$listed" | tr '\t' ' ' | sort)
                doc=$(sed -nE 's/^\*([a-z0-9-]+)\* \((on|off)[,)].*/\1 \2/p' <<<"$policy_rules" | sort)
                if [ "$code" = "$doc" ]; then
                        ok "gpucdi-policy.conf(5) gives each rule the default gpucdi check --list-rules prints"
                else
                        notok "gpucdi-policy.conf(5) gives each rule the default gpucdi check --list-rules prints" \
                                "$(diff <(echo "$code") <(echo "$doc") | grep '^[<>]')"
                fi
                missing=
                for id in $ids; do
                        grep -q "\`\[$id\]" "$srcdir/troubleshooting.md" || missing="$missing $id"
                done
                if [ -z "$missing" ]; then ok "docs/troubleshooting.md has an entry for every rule"; else notok "rules missing from docs/troubleshooting.md:$missing"; fi
                # The hook program itself lists the same rules.
                if [ -n "${GPUCDI_HOOK:-}" ]; then
                        hook_listed=$("$GPUCDI_HOOK" --list-rules 2>&1)
                        if [ "$hook_listed" = "$listed" ]; then
                                ok "gpucdi-hook --list-rules and gpucdi check --list-rules agree"
                        else
                                notok "gpucdi-hook --list-rules and gpucdi check --list-rules agree" \
                                        "$(diff <(echo "$hook_listed") <(echo "$listed"))"
                        fi
                fi
        fi
else
        skip "gpucdi --help lists no check verb (built without the hook): rules not compared"
fi

# Options: what the program's usage texts name (gpucdi --help, gpucdi VERB --help) against the pages.
# Long options in text on stdin, less --help (every verb has it, no page need list it).
options_in() { grep -oE -- '--[a-z][a-z0-9-]+' | grep -vx -- --help | sort -u; }
# Options in a page's OPTIONS sections (OPTIONS, ROOT OPTIONS): those it documents as its own.
options_section() {
        awk '/^# / { on = ($0 ~ /OPTIONS$/) } on' "$srcdir/$1" | grep -oE '\*--[a-z0-9-]+\*' | tr -d '*' | options_in
}
# Options a page names anywhere as *--NAME*.
options_named() { grep -oE '\*--[a-z0-9-]+\*' "$srcdir/$1" | tr -d '*' | options_in; }
# The part of the program's one usage text about verb $1: its line under "Verbs:" and the sections
# whose heading names it ("Generate options:", "Host options (probe, generate):").
usage_part() {
        awk -v v="$1" '
                /^$/ { sec = 0; inverbs = 0; next }
                /^[^ ].*:$/ { h = tolower($0); inverbs = (h == "verbs:"); sec = (h ~ ("(^|[^a-z])" v "([^a-z]|$)")); next }
                sec { print; next }
                inverbs && $1 == v { print }'
}
page_of() { case $1 in hook) echo gpucdi-hook.8.scd ;; *) echo "gpucdi-$1.1.scd" ;; esac; }

usage=$("$gpucdi" --help)
usage_opts=$(options_in <<<"$usage")
root_named=$(options_named gpucdi.1.scd)
# gpucdi(1) documents the program's options and those several verbs share (ROOT OPTIONS).
every_opts=$( { echo "$usage_opts"; for v in $verbs; do "$gpucdi" "$v" --help 2>/dev/null | options_in; done; } | grep -v '^$' | sort -u)
stale=$(comm -23 <(options_section gpucdi.1.scd) <(echo "$every_opts"))
if [ -n "$usage_opts" ] && [ -z "$stale" ]; then
        ok "gpucdi(1)'s options are in gpucdi --help or a verb's --help"
else
        notok "gpucdi(1)'s options are in gpucdi --help or a verb's --help" "in no usage text:${stale:- (gpucdi --help names no options)}"
fi
for v in $verbs; do
        page=$(page_of "$v")
        if ! vusage=$("$gpucdi" "$v" --help 2>&1); then
                notok "gpucdi $v --help exits 0" "$vusage"
                continue
        fi
        # Every option the page documents is one the program's usage names.
        stale=$(comm -23 <(options_section "$page") <(options_in <<<"$vusage"$'\n'"$usage"))
        if [ -z "$stale" ]; then
                ok "${page%.scd}: every option it documents is in gpucdi $v --help or gpucdi --help"
        else
                notok "${page%.scd}: every option it documents is in gpucdi $v --help or gpucdi --help" "not in either:$(echo " "$stale)"
        fi
        # Every option the verb's usage names is documented in its page or gpucdi(1). A verb without a
        # usage text of its own prints the program's: the part of it about the verb counts.
        if [ "$vusage" = "$usage" ]; then
                vopts=$(usage_part "$v" <<<"$usage" | options_in)
                from="gpucdi --help about $v"
        else
                vopts=$(options_in <<<"$vusage")
                from="gpucdi $v --help"
        fi
        missing=$(comm -23 <(echo "$vopts" | grep -v '^$') <(echo "$(options_named "$page")"$'\n'"$root_named" | sort -u))
        if [ -z "$missing" ]; then
                ok "${page%.scd} or gpucdi(1) documents every option $from names ($(echo $vopts | wc -w))"
        else
                notok "${page%.scd} or gpucdi(1) documents every option $from names" "missing:$(echo " "$missing)"
        fi
done

# Each verb's usage and exit codes, from the program: its --help is its own (not the program's),
# names the exit codes its page gives (one table per verb in hook/exit-status.h), and --version
# prints the one version line. gpucdi(1) gives the exit codes of all verbs together.
page_codes() { sed -n '/^# EXIT STATUS/,/^# [A-Z]/p' "$srcdir/$1" | grep -oE '\*[0-9]+\*' | tr -d '*' | sort -nu; }
help_codes() { sed -n '/^Exit status:/,/^$/p' | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }' | sort -nu; }
all_codes=
for v in $verbs; do
        page=$(page_of "$v")
        vusage=$("$gpucdi" "$v" --help 2>&1)
        if [ "$vusage" = "$usage" ] || ! grep -q "^Usage: gpucdi[ -]" <<<"$vusage"; then
                notok "gpucdi $v --help is the verb's own usage, not the program's" "$vusage"
                continue
        fi
        hc=$(help_codes <<<"$vusage") pc=$(page_codes "$page")
        all_codes+=$'\n'$hc
        if [ -n "$hc" ] && [ "$hc" = "$pc" ]; then
                ok "${page%.scd} and gpucdi $v --help give the same exit codes ($(echo $hc))"
        else
                notok "${page%.scd} and gpucdi $v --help give the same exit codes" "--help: $(echo $hc); page: $(echo $pc)"
        fi
        out=$("$gpucdi" "$v" --version 2>&1)
        if [ "$out" = "$("$gpucdi" --version)" ] && [ "$(wc -l <<<"$out")" = 1 ]; then
                ok "gpucdi $v --version prints the one version line"
        else
                notok "gpucdi $v --version prints the one version line" "$out"
        fi
done
all_codes=$(grep -v '^$' <<<"$all_codes" | sort -nu)
pc=$(page_codes gpucdi.1.scd)
if [ -n "$all_codes" ] && [ "$all_codes" = "$pc" ]; then
        ok "gpucdi(1) gives the exit codes of every verb ($(echo $all_codes))"
else
        notok "gpucdi(1) gives the exit codes of every verb" "verbs: $(echo $all_codes); page: $(echo $pc)"
fi

echo "1..$n"
exit $fail
