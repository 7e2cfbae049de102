# Sourced by the example tests that run podman for real (test-pod.sh, test-quadlet-run.sh,
# test-kube-play.sh): a private mount namespace with empty /etc/cdi and /run/cdi, private podman
# storage and configuration (exported: the commands Quadlet generates run the plain /usr/bin/podman),
# gpucdi's spec for a two-GPU fixture host with real device nodes in /etc/cdi, two root filesystems
# checked by running their program in them, $o (ollama-standin, a stand-in for Ollama's API that
# reports the devices and driver files it sees) and $a (the Rust client ollama-ask and the libraries
# it links), and, unless FIXTURE_IMAGES=no, two images imported from them:
# localhost/ollama-cuda:latest and localhost/ollama-ask:latest.
#
# Before sourcing: SRC GPUCDI STANDIN HOOK TARGET_DIR set; ok/notok/skip_all defined; "$0" "$@"
# re-executable (the script re-runs itself in the namespace). After: $tmp $o $a, PATH unchanged;
# fixture_cleanup for the caller's EXIT trap.
[ "$(id -u)" -eq 0 ] || skip_all "needs root (rootful podman and /etc/cdi)"
command -v podman >/dev/null || skip_all "podman is not installed"
command -v cargo >/dev/null || skip_all "cargo is not installed (Debian package cargo)"
command -v unshare >/dev/null || skip_all "unshare (util-linux) is missing"
[ -f "$SRC/tests/hosts/mkhost.py" ] || skip_all "tests/hosts/mkhost.py is missing"
if [ -z "${GPUCDI_PODMAN_FIXTURE_NS:-}" ]; then
        mkdir -p /etc/cdi
        GPUCDI_PODMAN_FIXTURE_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=0755 gpucdi-test-cdi /etc/cdi || skip_all "cannot mount a tmpfs on /etc/cdi"
if [ -d /run/cdi ]; then mount -t tmpfs -o mode=0755 gpucdi-test-cdi /run/cdi; fi

tmp=$(mktemp -d /tmp/gpucdi-podman-example.XXXXXX)
fixture_cleanup() {
        grep -o " $tmp[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
        rm -rf "$tmp"
}
# oci_devices CONTAINER: the device paths in its OCI spec (what CDI gave runc), on one line. Not
# podman inspect's .HostConfig.Devices: podman 5 fills that by finding each device number under
# the host's /dev, where the fixture's nodes are not (it warns and leaves them out).
oci_devices() {
        local cfg
        cfg=$(podman inspect "$1" --format '{{.OCIConfigPath}}' 2>/dev/null) || { echo "podman inspect $1 failed"; return 1; }
        python3 -c 'import json, sys; print(*(d["path"] for d in json.load(open(sys.argv[1]))["linux"].get("devices", [])))' "$cfg" 2>&1
}
cat >"$tmp/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
cat >"$tmp/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$tmp/storage"
runroot = "$tmp/runroot"
CONF
export CONTAINERS_CONF=$tmp/containers.conf CONTAINERS_STORAGE_CONF=$tmp/storage.conf TMPDIR=$tmp

if ! out=$(python3 "$SRC/tests/hosts/mkhost.py" nvidia2 "$tmp/host" --mknod 2>&1); then
        notok "fixture host nvidia2" "$out"
        echo "1..$n"
        exit 1
fi
hookargs=(--no-hook)
[ -x "$HOOK" ] && hookargs=(--hook-path "$HOOK")
if out=$("$GPUCDI" generate --sysfs-root "$tmp/host/sys" --proc-root "$tmp/host/proc" --dev-root "$tmp/host/dev" \
        --host-root "$tmp/host/root" "${hookargs[@]}" --output-dir /etc/cdi --state-dir "$tmp/state" 2>&1) &&
        [ -f /etc/cdi/gpucdi-nvidia.json ]; then
        ok "gpucdi generate on the two-GPU fixture host into /etc/cdi (${hookargs[*]})"
else
        notok "gpucdi generate on the two-GPU fixture host" "$out"
        echo "1..$n"
        exit 1
fi

o=$tmp/ollama-root
mkdir -p "$o/bin" "$o/dev" "$o/proc" "$o/sys" "$o/tmp" "$o/run" "$o/etc" "$o/models"
install -m 0755 "$STANDIN" "$o/bin/ollama-standin"
if ! out=$(cargo build --offline --release --manifest-path "$SRC/examples/rust-app/Cargo.toml" \
        --target-dir "$TARGET_DIR" 2>&1); then
        notok "cargo build --release ollama-ask" "$out"
        echo "1..$n"
        exit 1
fi
a=$tmp/app-root
mkdir -p "$a/bin" "$a/dev" "$a/proc" "$a/sys" "$a/tmp" "$a/etc"
install -m 0755 "$TARGET_DIR/release/ollama-ask" "$a/bin/ollama-ask"
for lib in $(ldd "$a/bin/ollama-ask" | grep -o '/[^ ]*'); do
        mkdir -p "$a$(dirname "$lib")"
        cp -L "$lib" "$a$lib"
done
# Each program runs in its root filesystem: the client with only the libraries copied there, the
# stand-in (static) printing its usage.
app_out=$(chroot "$a" /bin/ollama-ask --help 2>&1)
app_rc=$?
standin_out=$(chroot "$o" /bin/ollama-standin 2>&1)
standin_rc=$?
if [ $app_rc -eq 0 ] && grep -q '^Usage: ollama-ask ' <<<"$app_out" &&
        [ $standin_rc -eq 2 ] && grep -q '^usage: ollama-standin serve' <<<"$standin_out"; then
        ok "root filesystems: ollama-standin and ollama-ask (with $(find "$a" -name '*.so*' | wc -l) libraries) run in them"
else
        notok "root filesystems: ollama-standin and ollama-ask run in them" \
                "ollama-ask --help: exit $app_rc: $app_out
ollama-standin: exit $standin_rc: $standin_out"
        echo "1..$n"
        exit 1
fi
if [ "${FIXTURE_IMAGES:-yes}" != no ]; then
        if out=$(tar -C "$o" -cf - . | podman import --change 'ENTRYPOINT ["/bin/ollama-standin"]' --change 'CMD ["serve"]' \
                        - localhost/ollama-cuda:latest 2>&1) &&
                out=$(tar -C "$a" -cf - . | podman import --change 'ENTRYPOINT ["/bin/ollama-ask"]' \
                        - localhost/ollama-ask:latest 2>&1); then
                ok "images localhost/ollama-cuda (the stand-in) and localhost/ollama-ask imported"
        else
                notok "images imported" "$out"
                echo "1..$n"
                exit 1
        fi
fi
