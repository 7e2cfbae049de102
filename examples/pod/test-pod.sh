#!/bin/bash
# End to end with real podman: examples/pod/run-pod.sh runs a pod with an Ollama stand-in (the
# ollama-standin program, not Ollama) and the real Rust client, the GPU coming from a spec that
# gpucdi generated on a fixture host (tests/hosts/mkhost.py). Root only; TAP output.
#
# args: SRCROOT GPUCDI OLLAMA_STANDIN HOOK CARGO_TARGET_DIR
set -u
SRC=$1 GPUCDI=$2 STANDIN=$3 HOOK=$4 TARGET_DIR=$5
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# The namespace, podman's storage, the two-GPU fixture host and gpucdi's spec for it in /etc/cdi,
# the root filesystems $o (the stand-in) and $a (the client); run-pod.sh runs them with --rootfs.
FIXTURE_IMAGES=no
# shellcheck source=podman-fixture.sh
. "$SRC/examples/pod/podman-fixture.sh"
cleanup() {
        "$tmp/bin/podman" pod rm -f gpucdi-test-pod >/dev/null 2>&1
        "$tmp/bin/podman" volume rm -f gpucdi-test-models >/dev/null 2>&1
        fixture_cleanup
}
trap cleanup EXIT
# run-pod.sh's podman: the fixture's storage, and libpod's temporary files of its own too.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/podman" <<WRAP
#!/bin/sh
exec $(command -v podman) --root $tmp/storage --runroot $tmp/runroot --tmpdir $tmp/libpod "\$@"
WRAP
chmod +x "$tmp/bin/podman"

export PATH="$tmp/bin:$PATH" TMPDIR=$tmp
export POD=gpucdi-test-pod POD_NETWORK="--network none" MODELS_VOLUME=gpucdi-test-models
export OLLAMA_IMAGE="--rootfs $o /bin/ollama-standin serve" APP_IMAGE="--rootfs $a /bin/ollama-ask"
export WAIT_SECONDS=30

# GPU 1 only: the stand-in must see /dev/nvidia1, the control nodes and the driver, not /dev/nvidia0.
prompt='Why is the sky "blue"?'
if out=$(GPU=nvidia.com/gpu=1 MODEL=tiny bash "$SRC/examples/pod/run-pod.sh" "$prompt" 2>&1); then
        ok "run-pod.sh: the client got an answer through the pod's localhost"
else
        notok "run-pod.sh: the client got an answer through the pod's localhost" "$out"
fi
echo "# $out"
for want in "ollama-standin saw:" "/dev/nvidia1(char)" "/dev/nvidiactl(char)" "/dev/nvidia-uvm(char)" \
        "/run/opengl-driver/lib/libcuda.so.1(file)" "; prompt: $prompt"; do
        if grep -qF -- "$want" <<<"$out"; then ok "answer shows '$want'"; else notok "answer shows '$want'" "$out"; fi
done
# The devices the stand-in reported: only a report that lists GPU 1 can show that GPU 0 is absent.
saw=$(grep -o 'ollama-standin saw:[^;]*' <<<"$out")
if ! grep -qF "/dev/nvidia1(char)" <<<"$saw"; then
        notok "GPU 0 is not in a container that asked for GPU 1" "no device report listing /dev/nvidia1: $out"
elif grep -qF "/dev/nvidia0" <<<"$saw"; then
        notok "GPU 0 is not in a container that asked for GPU 1" "$saw"
else
        ok "GPU 0 is not in a container that asked for GPU 1 ($saw)"
fi

# Ollama's error for a model that is not there reaches the user.
if out=$(GPU=nvidia.com/gpu=all MODEL=missing-model bash "$SRC/examples/pod/run-pod.sh" hi 2>&1); then
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
