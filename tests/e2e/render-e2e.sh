#!/usr/bin/env bash
# End-to-end: render-node GPUs (gpucdi.io/render) in real podman containers (TAP).
#
#   render-e2e.sh GPUCDI MKHOST
#
# For the sample hosts with a virtio-gpu (QEMU VM, libkrun VM on Apple Silicon) and Apple's AGX
# under Asahi (tests/hosts/mkhost.py, real device nodes via mknod), `gpucdi generate --vendor render`
# writes gpucdi-render.json where podman reads specs; a busybox container given
# --device gpucdi.io/render=0 (or the path_id name) must see that render node, as the character
# device it is, and nothing else of /dev/dri (the hosts' card0 stays out). Root only; run under
# flock /tmp/gpucdi-engines.lock with the other engine tests.
set -u

gpucdi=$(realpath "$1") mkhost=$(realpath "$2")
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root: mknod of fixture nodes, specs in /etc/cdi, rootful podman"
        exit 0
fi
for tool in podman runc flock; do
        command -v "$tool" >/dev/null || bail "$tool is not installed (CI installs it: .ci/deps --test)"
done
[ -x /bin/busybox ] || bail "/bin/busybox (busybox-static) is not installed"
py=$(command -v python3) || bail "python3 is not installed"

# The spec directory is shared with the other end-to-end tests.
exec 9>/run/lock/gpucdi-e2e.lock
flock -w 900 9 || bail "another gpucdi end-to-end run holds /run/lock/gpucdi-e2e.lock"

work=$(mktemp -d /tmp/gpucdi-render-e2e.XXXXXX)
spec_dir=/etc/cdi created_dir= saved=
cleanup() {
        rm -f "$spec_dir/gpucdi-render.json"
        [ -n "$saved" ] && mv -f "$saved" "$spec_dir/gpucdi-render.json"
        [ -n "$created_dir" ] && rmdir "$created_dir" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ ! -d "$spec_dir" ]; then
        mkdir -p "$spec_dir" && created_dir=$spec_dir
fi
if [ -e "$spec_dir/gpucdi-render.json" ]; then
        saved=$work/saved-gpucdi-render.json
        mv "$spec_dir/gpucdi-render.json" "$saved"
fi

root=$work/rootfs
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# "ok" when /dev/dri holds exactly the one character device 226:<minor> named renderD<minor>.
probe='set -e; cd /dev/dri; for f in *; do echo "$f $(stat -c %F:%t:%T "$f")"; done'
run() {
        # explicit limits: runc may not raise them past this machine's (as in podman-e2e.sh)
        podman run --rm --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network none "$@" \
                --rootfs "$root" /bin/busybox sh -c "$probe" 2>&1
}

for host in virtio-vm libkrun-vm asahi-m1; do
        h=$work/$host
        "$py" "$mkhost" "$host" "$h" --mknod >/dev/null || bail "mkhost $host failed"
        out=$("$gpucdi" generate --sysfs-root "$h/sys" --proc-root "$h/proc" --dev-root "$h/dev" \
                --host-root "$h/root" --vendor render --no-hook --output-dir "$spec_dir" 2>&1)
        if [ $? -eq 0 ] && [ -e "$spec_dir/gpucdi-render.json" ]; then
                ok "$host: generate --vendor render writes gpucdi-render.json"
        else
                not_ok "$host: generate --vendor render writes gpucdi-render.json"
                echo "$out" | diag
                continue
        fi
        id=$("$py" "$mkhost" --describe "$host" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["render"][0]["id"])')
        want="renderD128 character special file:e2:80"
        for dev in 0 "$id"; do
                out=$(run --device "gpucdi.io/render=$dev")
                if [ "$out" = "$want" ]; then
                        ok "$host: --device gpucdi.io/render=$dev gives renderD128 (226:128) and nothing else of /dev/dri"
                else
                        not_ok "$host: --device gpucdi.io/render=$dev gives renderD128 (226:128) and nothing else of /dev/dri"
                        { echo "want: $want"; echo "have: $out"; } | diag
                fi
        done
        # busybox's own words about /dev/dri: any "No such file" (a container that did not start) is not.
        out=$(run)
        case "$out" in
        *"can't cd to /dev/dri"* | *"/dev/dri: No such file"*) ok "$host: without the device the container has no /dev/dri" ;;
        *) not_ok "$host: without the device the container has no /dev/dri"; echo "$out" | diag ;;
        esac
        rm -f "$spec_dir/gpucdi-render.json"
done
echo "1..$n"
exit $failed
