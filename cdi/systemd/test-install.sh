#!/bin/bash
# `meson install --destdir` places every file a package needs; with --podman (root), podman loads the
# installed hooks.d file and the hook it names refuses a GPU container with a dangerous capability.
# TAP output.
#
# args: BUILDDIR PREFIX [--podman] -- EXPECTED-ABSOLUTE-PATH...
set -u
build=$1 prefix=$2
shift 2
podman_check=false
if [ "${1:-}" = --podman ]; then podman_check=true; shift; fi
[ "${1:-}" = -- ] && shift
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

if $podman_check; then
        [ "$(id -u)" -eq 0 ] || skip_all "needs root (rootful podman)"
        command -v podman >/dev/null || skip_all "podman is not installed"
        command -v unshare >/dev/null || skip_all "unshare (util-linux) is missing"
        [ -x /bin/busybox ] || skip_all "busybox-static is not installed"
        # Our own mount namespace: the installed tree is bind-mounted over the prefix there only.
        if [ -z "${GPUCDI_INSTALL_TEST_NS:-}" ]; then
                GPUCDI_INSTALL_TEST_NS=1 exec unshare --mount --propagation private "$0" "$build" "$prefix" --podman -- "$@"
        fi
fi

dest=$(mktemp -d /tmp/gpucdi-install-test.XXXXXX)
cleanup() {
        grep -o " $dest[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
        rm -rf "$dest"
}
trap cleanup EXIT

if out=$(meson install -C "$build" --no-rebuild --destdir "$dest" 2>&1); then
        ok "meson install --destdir"
else
        notok "meson install --destdir" "$(tail -20 <<<"$out")"
        echo "1..$n"
        exit 1
fi

if ! $podman_check; then
        for f in "$@"; do
                if [ -f "$dest$f" ] && [ -s "$dest$f" ]; then ok "installed $f"; else notok "installed $f"; fi
        done
        # Installed units run the installed binary.
        unit=$(printf '%s\n' "$@" | grep 'gpucdi-generate.service$')
        exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$dest$unit" 2>/dev/null)
        if [ -n "$exe" ] && [ -x "$dest$exe" ]; then ok "gpucdi-generate.service runs the installed $exe"; else notok "gpucdi-generate.service runs an installed binary" "ExecStart: $exe"; fi
        # The hooks.d file is valid JSON naming the installed hook.
        hooks=$(printf '%s\n' "$@" | grep 'hooks.d/.*json$')
        hookpath=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' "$dest$hooks" 2>&1)
        if [ -x "$dest$hookpath" ]; then ok "hooks.d file names the installed hook $hookpath"; else notok "hooks.d file names the installed hook" "$hookpath"; fi
        echo "1..$n"
        exit $fail
fi

# podman: make the installed prefix appear at its real place, in this namespace only.
mount --bind "$dest$prefix" "$prefix" || skip_all "cannot bind-mount over $prefix"
hooksdir=$dest$(printf '%s\n' "$@" | grep 'hooks.d/.*json$' | xargs dirname)
root=$dest/rootfs
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# A GPU container (a character device with NVIDIA's major, given raw) with CAP_SYS_ADMIN: the hook
# run from the hooks.d file must refuse it.
mknod "$dest/nvidia0" c 195 0
flags=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network none)

out=$(podman --hooks-dir "$hooksdir" run --rm "${flags[@]}" --rootfs "$root" /bin/sh -c 'echo started' 2>&1)
if [ "$out" = started ]; then
        ok "podman loads the installed hooks.d file; a container without a GPU starts"
else
        notok "podman loads the installed hooks.d file; a container without a GPU starts" "$out"
fi
out=$(podman --hooks-dir "$hooksdir" run --rm "${flags[@]}" --device "$dest/nvidia0:/dev/nvidia0" --cap-add SYS_ADMIN \
        --rootfs "$root" /bin/sh -c 'echo started' 2>&1)
rc=$?
rules=$(grep -o 'gpucdi: refused container [0-9a-f]*: \[[a-z0-9-]*\]' <<<"$out" | grep -o '\[[a-z0-9-]*\]' | tr '\n' ' ')
if [ $rc -eq 126 ] && [ -n "$rules" ]; then
        ok "the installed hook refuses a GPU container with CAP_SYS_ADMIN (podman exit 126: $rules)"
else
        notok "the installed hook refuses a GPU container with CAP_SYS_ADMIN" "exit $rc: $out"
fi
echo "1..$n"
exit $fail
