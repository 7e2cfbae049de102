#!/bin/bash
# `meson install` of a build configured with --prefix P writes only under P: run with /etc and /usr
# read-only (a private mount namespace as root; unprivileged they are not writable anyway), every
# file in meson's install log under P, the policy installed once and kept when edited, `ninja
# uninstall` removing all but the policy. With prefix /usr the defaults are where podman and the
# hook look. TAP output.
#
# args: SOURCE-DIR
set -u
src=$(realpath "$1")
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
check() { if eval "$2"; then ok "$1"; else notok "$1" "${3:-}"; fi; }

if [ "$(id -u)" -eq 0 ] && [ -z "${GPUCDI_PREFIX_TEST_NS:-}" ]; then
        # Our own mount namespace with /etc and /usr read-only: a write there fails the install.
        exec env GPUCDI_PREFIX_TEST_NS=1 unshare --mount --propagation private bash -c '
                for d in /etc /usr; do mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 1; done
                exec "$0" "$@"' "$0" "$@"
fi
if touch /etc/.gpucdi-prefix-test 2>/dev/null || touch /usr/.gpucdi-prefix-test 2>/dev/null; then
        rm -f /etc/.gpucdi-prefix-test /usr/.gpucdi-prefix-test
        echo "1..0 # SKIP /etc or /usr is writable here: cannot prove the install stays out of them"
        exit 0
fi
echo "# /etc and /usr are read-only for this test"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpucdi-prefix.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
prefix=$tmp/x build=$tmp/build

if out=$(meson setup "$build" "$src" --prefix "$prefix" -Dtests=false --buildtype=plain 2>&1) &&
        out=$(ninja -C "$build" 2>&1); then
        ok "meson setup --prefix $prefix and build"
else
        notok "meson setup --prefix $prefix and build" "$(tail -20 <<<"$out")"
        echo "1..$n"
        exit 1
fi

out=$(meson install -C "$build" --no-rebuild 2>&1)
rc=$?
check "meson install succeeds with /etc and /usr read-only" '[ $rc -eq 0 ]' "$(tail -20 <<<"$out")"
log=$build/meson-logs/install-log.txt
outside=$(grep -v '^#' "$log" | grep -v -e "^$prefix/" -e "^$prefix\$")
check "every file in meson's install log is under the prefix ($(grep -vc '^#' "$log") files)" \
        '[ -f "$log" ] && [ -z "$outside" ]' "outside: $outside"
hooks=$prefix/share/containers/oci/hooks.d/gpucdi-hook.json
check "the hooks.d file is under the prefix" '[ -s "$hooks" ]'
hookpath=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' "$hooks" 2>&1)
check "it names the installed hook ($hookpath)" '[ "$hookpath" = "$prefix/libexec/gpucdi/gpucdi-hook" ] && [ -x "$hookpath" ]'
policy=$prefix/etc/gpucdi/policy.conf
check "the default policy is installed at $policy" 'cmp -s "$src/hook/policy.conf" "$policy"'
check "and as an example in share/doc/gpucdi" 'cmp -s "$src/hook/policy.conf" "$prefix/share/doc/gpucdi/policy.conf"'
check "the installed hook reads that policy" 'grep -qaF "$policy" "$prefix/libexec/gpucdi/gpucdi-hook"'

echo "allow = privileged" >>"$policy"
edited=$(cat "$policy")
out=$(meson install -C "$build" --no-rebuild 2>&1)
check "a reinstall keeps an edited policy" '[ "$(cat "$policy")" = "$edited" ]' "$out"

out=$(ninja -C "$build" uninstall 2>&1)
left=$(cd "$prefix" && find . ! -type d | sort)
check "ninja uninstall removes every installed file but the policy" \
        '[ "$left" = "./etc/gpucdi/policy.conf" ]' "left: $left
$(tail -5 <<<"$out")"

dest=$tmp/dest
out=$(meson install -C "$build" --no-rebuild --destdir "$dest" 2>&1)
rc=$?
check "meson install --destdir puts everything under DESTDIR/prefix" \
        '[ $rc -eq 0 ] && [ -z "$(find "$dest" -mindepth 1 -maxdepth 1 ! -name tmp)" ] && [ -s "$dest$policy" ]' \
        "$(find "$dest" -maxdepth 3)"

# Prefix /usr: configured only (nothing is built or installed), the defaults podman and the hook use.
usr=$tmp/build-usr
out=$(meson setup "$usr" "$src" --prefix /usr -Dtests=false 2>&1)
installed=$(meson introspect "$usr" --installed 2>&1)
check "prefix /usr: the hooks.d file goes to /usr/share/containers/oci/hooks.d" \
        'grep -q "\"/usr/share/containers/oci/hooks.d/gpucdi-hook.json\"" <<<"$installed"' "$out
$installed"
check "prefix /usr: the hook reads /etc/gpucdi/policy.conf" \
        'grep -q "GPUCDI_POLICY_FILE \"/etc/gpucdi/policy.conf\"" "$usr/config.h"'
echo "1..$n"
exit $fail
