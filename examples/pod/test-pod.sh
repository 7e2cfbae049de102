#!/bin/bash
# End to end with real podman: examples/pod/run-pod.sh runs a pod with an Ollama stand-in (the
# ollama-standin program, not Ollama) and the real Rust client, the GPU coming from a spec that
# gpucdi generated on a fixture host (tests/hosts/mkhost.py). Root only; TAP output.
#
# args: SRCROOT GPUCDI OLLAMA_STANDIN HOOK CARGO_TARGET_DIR
set -u
src=$1 gpucdi=$2 standin=$3 hook=$4 target_dir=$5
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root (rootful podman and /etc/cdi)"
command -v podman >/dev/null || skip_all "podman is not installed"
command -v cargo >/dev/null || skip_all "cargo is not installed (Debian package cargo)"
[ -f "$src/tests/hosts/mkhost.py" ] || skip_all "tests/hosts/mkhost.py is missing"
command -v unshare >/dev/null || skip_all "unshare (util-linux) is missing"

# Run in a mount namespace of our own where /etc/cdi and /run/cdi are empty tmpfs: podman sees our
# spec and nothing else, and the host's specs (and other tests') are neither read nor touched.
if [ -z "${GPUCDI_POD_TEST_NS:-}" ]; then
        mkdir -p /etc/cdi
        GPUCDI_POD_TEST_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=0755 gpucdi-test-cdi /etc/cdi || skip_all "cannot mount a tmpfs on /etc/cdi"
if [ -d /run/cdi ]; then mount -t tmpfs -o mode=0755 gpucdi-test-cdi /run/cdi; fi

tmp=$(mktemp -d /tmp/gpucdi-pod-test.XXXXXX)
cleanup() {
        "$tmp/bin/podman" pod rm -f gpucdi-test-pod >/dev/null 2>&1
        "$tmp/bin/podman" volume rm -f gpucdi-test-models >/dev/null 2>&1
        # podman may leave its storage mounts behind; unmount before removing.
        grep -o " $tmp[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
        rm -rf "$tmp"
}
trap cleanup EXIT

# podman with storage of its own (nothing of the host's containers, images or volumes is touched)
# and this machine's needs: runc, lowered ulimits (also for the pod's infra container).
mkdir -p "$tmp/bin"
cat >"$tmp/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
cat >"$tmp/bin/podman" <<WRAP
#!/bin/sh
CONTAINERS_CONF=$tmp/containers.conf exec $(command -v podman) --root $tmp/storage --runroot $tmp/runroot --tmpdir $tmp/libpod "\$@"
WRAP
chmod +x "$tmp/bin/podman"

# A two-GPU NVIDIA fixture host with real device nodes, and gpucdi's spec for it.
if ! out=$(/usr/bin/python3 "$src/tests/hosts/mkhost.py" nvidia2 "$tmp/host" --mknod 2>&1); then
        notok "fixture host nvidia2" "$out"
        echo "1..$n"
        exit 1
fi
hookargs=(--no-hook)
[ -x "$hook" ] && hookargs=(--hook-path "$hook")
if out=$("$gpucdi" generate --sysfs-root "$tmp/host/sys" --proc-root "$tmp/host/proc" --dev-root "$tmp/host/dev" \
        --host-root "$tmp/host/root" "${hookargs[@]}" --output-dir "$tmp/cdi" 2>&1) && [ -f "$tmp/cdi/gpucdi-nvidia.json" ]; then
        ok "gpucdi generate on the fixture host (${hookargs[*]})"
else
        notok "gpucdi generate on the fixture host" "$out"
        echo "1..$n"
        exit 1
fi
install -m 0644 "$tmp/cdi/gpucdi-nvidia.json" /etc/cdi/gpucdi-nvidia.json

# The stand-in's root filesystem: one static program.
o=$tmp/ollama-root
mkdir -p "$o/bin" "$o/dev" "$o/proc" "$o/sys" "$o/tmp" "$o/run" "$o/etc" "$o/models"
install -m 0755 "$standin" "$o/bin/ollama-standin"

# The client's root filesystem: the real ollama-ask and the libraries it links.
if ! out=$(cargo build --offline --release --manifest-path "$src/examples/rust-app/Cargo.toml" \
        --target-dir "$target_dir" 2>&1); then
        notok "cargo build --release ollama-ask" "$out"
        echo "1..$n"
        exit 1
fi
a=$tmp/app-root
mkdir -p "$a/bin" "$a/dev" "$a/proc" "$a/sys" "$a/tmp" "$a/etc"
install -m 0755 "$target_dir/release/ollama-ask" "$a/bin/ollama-ask"
for lib in $(ldd "$a/bin/ollama-ask" | grep -o '/[^ ]*'); do
        mkdir -p "$a$(dirname "$lib")"
        cp -L "$lib" "$a$lib"
done
ok "root filesystems: ollama-standin, ollama-ask with $(ldd "$a/bin/ollama-ask" | grep -c '/') libraries"

export PATH="$tmp/bin:$PATH" TMPDIR=$tmp
export POD=gpucdi-test-pod POD_NETWORK="--network none" MODELS_VOLUME=gpucdi-test-models
export OLLAMA_IMAGE="--rootfs $o /bin/ollama-standin serve" APP_IMAGE="--rootfs $a /bin/ollama-ask"
export WAIT_SECONDS=30

# GPU 1 only: the stand-in must see /dev/nvidia1, the control nodes and the driver, not /dev/nvidia0.
prompt='Why is the sky "blue"?'
if out=$(GPU=nvidia.com/gpu=1 MODEL=tiny bash "$src/examples/pod/run-pod.sh" "$prompt" 2>&1); then
        ok "run-pod.sh: the client got an answer through the pod's localhost"
else
        notok "run-pod.sh: the client got an answer through the pod's localhost" "$out"
fi
echo "# $out"
for want in "ollama-standin saw:" "/dev/nvidia1(char)" "/dev/nvidiactl(char)" "/dev/nvidia-uvm(char)" \
        "/run/opengl-driver/lib/libcuda.so.1(file)" "; prompt: $prompt"; do
        if grep -qF -- "$want" <<<"$out"; then ok "answer shows '$want'"; else notok "answer shows '$want'" "$out"; fi
done
if grep -qF "/dev/nvidia0" <<<"$out"; then notok "GPU 0 is not in a container that asked for GPU 1" "$out"; else ok "GPU 0 is not in a container that asked for GPU 1"; fi

# Ollama's error for a model that is not there reaches the user.
if out=$(GPU=nvidia.com/gpu=all MODEL=missing-model bash "$src/examples/pod/run-pod.sh" hi 2>&1); then
        notok "a missing model fails" "$out"
elif grep -qF 'answered 404 Not Found: model "missing-model" not found, try pulling it first' <<<"$out"; then
        ok "a missing model fails with Ollama's message"
else
        notok "a missing model fails with Ollama's message" "$out"
fi

# With Ollama stopped, the client says where it looked and how to start it.
podman stop -t 1 gpucdi-test-pod-ollama >/dev/null 2>&1
# shellcheck disable=SC2086
out=$(podman run --rm --pod gpucdi-test-pod $APP_IMAGE --host http://127.0.0.1:11434 hi 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -qF "cannot reach Ollama at http://127.0.0.1:11434" <<<"$out" && grep -qF "podman run -d --name ollama" <<<"$out"; then
        ok "Ollama stopped: the client names the address and says how to start it"
else
        notok "Ollama stopped: the client names the address and says how to start it (rc $rc)" "$out"
fi

echo "1..$n"
exit $fail
