#!/bin/bash
# Checks the systemd units with systemd-analyze verify (unknown keys, bad values, missing
# executables) and the udev rule's syntax. TAP output.
set -u
src=$1 build=$2 rules=$3
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

tmp=$(mktemp -d)
# Debian's python3 where there is one (CI), else the one on PATH (a Nix build).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
trap 'rm -rf "$tmp"' EXIT
cp "$build/verify-gpucdi-generate.service" "$tmp/gpucdi-generate.service"
cp "$build/verify-gpucdi-refresh.service" "$tmp/gpucdi-refresh.service"
cp "$src/gpucdi-refresh.path" "$tmp/gpucdi-refresh.path"

# verify <unit>: systemd-analyze only warns about unknown keys and sections, so read its output too.
verify() {
        local out rc
        out=$(cd "$tmp" && systemd-analyze verify --man=no "./$1" 2>&1)
        rc=$?
        if [ $rc -ne 0 ] || grep -qiE 'unknown|ignoring|failed|invalid|not executable' <<<"$out"; then
                echo "$out"
                return 1
        fi
        return 0
}

if ! command -v systemd-analyze >/dev/null; then
        skip "systemd-analyze not installed (Debian package systemd)"
        skip "systemd-analyze not installed"
        skip "systemd-analyze not installed"
        skip "systemd-analyze not installed"
else
        for u in gpucdi-generate.service gpucdi-refresh.service gpucdi-refresh.path; do
                if out=$(verify "$u"); then ok "systemd-analyze verify $u"; else notok "systemd-analyze verify $u" "$out"; fi
        done
        # The check must catch a misspelt key, or the three passes above prove nothing.
        sed 's/^ProtectSystem=/ProtectSystm=/' "$tmp/gpucdi-generate.service" > "$tmp/gpucdi-broken.service"
        if verify gpucdi-broken.service >/dev/null; then
                notok "a misspelt key is reported"
        else
                ok "a misspelt key is reported"
        fi
fi

# The installed units must run the installed binary, and both services write the same directory.
g=$(grep '^ExecStart=' "$build/gpucdi-generate.service")
r=$(grep '^ExecStart=' "$build/gpucdi-refresh.service")
if [ "$g" = "$r" ] && grep -q '^ExecStart=/.*/gpucdi generate --output-dir /' <<<"$g"; then
        ok "both services run '${g#ExecStart=}'"
else
        notok "both services run the same absolute gpucdi generate" "$g / $r"
fi

if out=$("$py" "$src/check-udev-rules.py" "$rules" 2>&1); then
        ok "60-gpucdi.rules: syntax, labels, absolute RUN program"
else
        notok "60-gpucdi.rules: syntax, labels, absolute RUN program" "$out"
fi
printf 'SUBSYSTEM=="drm", GOTO="nowhere"\nRUN+="systemctl start x"\nFOO{bar}="1"\n' > "$tmp/bad.rules"
if out=$("$py" "$src/check-udev-rules.py" "$tmp/bad.rules" 2>&1); then
        notok "the udev checker rejects a broken rule file"
else
        c=$(grep -c 'bad.rules:' <<<"$out")
        if [ "$c" -ge 3 ]; then ok "the udev checker rejects a broken rule file ($c problems)"; else notok "the udev checker reports all 3 problems" "$out"; fi
fi

# Traps: a burst of triggers must not hit the start limit; "incomplete" (75) is not a failure; a run
# in progress must not swallow a later event; nvidia-uvm is loaded first; nodes may be created.
# section KEY FILE: the values of KEY inside [Unit]/[Service]
keyval() { awk -v k="$1" -F= '/^\[/ { sec = $0 } $1 == k && sec == "['"$2"']" { print substr($0, length(k) + 2) }' "$3"; }
incomplete=$(sed -n 's/^ *EXIT_INCOMPLETE = \([0-9]*\),.*/\1/p' "$src/../../hook/exit-status.h")
for u in gpucdi-generate.service gpucdi-refresh.service; do
        f=$build/$u
        v=$(keyval SuccessExitStatus Service "$f")
        if [ -n "$incomplete" ] && [ "$v" = "$incomplete" ]; then ok "$u: exit $incomplete (incomplete) is success"; else notok "$u: SuccessExitStatus=$incomplete (gpucdi's EXIT_INCOMPLETE)" "got '$v'"; fi
        v=$(keyval ExecStartPre Service "$f")
        if grep -qE '^-\+/.*modprobe.* nvidia-uvm' <<<"$v"; then ok "$u: loads nvidia-uvm first, unsandboxed, failure ignored"; else notok "$u: ExecStartPre=-+... modprobe nvidia-uvm" "got '$v'"; fi
        v=$(keyval CapabilityBoundingSet Service "$f")
        if grep -qw CAP_MKNOD <<<"$v"; then ok "$u: may create device nodes (CAP_MKNOD)"; else notok "$u: CapabilityBoundingSet has CAP_MKNOD" "got '$v'"; fi
done
v=$(keyval StartLimitIntervalSec Unit "$build/gpucdi-refresh.service")
if [ "$v" = 0 ]; then ok "gpucdi-refresh.service: no start limit (bursts of udev events)"; else notok "gpucdi-refresh.service: StartLimitIntervalSec=0 in [Unit]" "got '$v'"; fi
if grep -q 'RUN+=".*systemctl --no-block restart gpucdi-refresh.service"' "$rules" && ! grep -q -- '--no-block start' "$rules"; then
        ok "60-gpucdi.rules restarts the refresh unit (an event during a run causes another run)"
else
        notok "60-gpucdi.rules: systemctl --no-block restart gpucdi-refresh.service" "$(grep RUN "$rules")"
fi
# The module rule must see nvidia_uvm loading after the unit ran.
if grep -q 'SUBSYSTEM=="module".*nvidia_uvm' "$rules"; then ok "60-gpucdi.rules: nvidia_uvm loading later triggers a refresh"; else notok "60-gpucdi.rules: module rule names nvidia_uvm"; fi

echo "1..$n"
exit $fail
