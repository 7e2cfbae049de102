#!/bin/bash
# examples/kube/ollama.yaml through `podman kube play` (podman >= 5.4: a CDI device name as a
# resource limit): the pod starts with the image names the YAML gives (stand-ins imported here),
# Ollama's container gets both GPUs of the fixture host through gpucdi's spec, the client in the pod
# gets an answer over the pod's localhost, and `kube down` removes it. Root only; TAP output.
#
# args: SRCROOT GPUCDI OLLAMA_STANDIN HOOK CARGO_TARGET_DIR
set -u
SRC=$1 GPUCDI=$2 STANDIN=$3 HOOK=$4 TARGET_DIR=$5
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

command -v podman >/dev/null || skip_all "podman is not installed"
version=$(podman version --format '{{.Client.Version}}' 2>/dev/null)
printf '%s\n5.4\n' "$version" | sort -V -C 2>/dev/null && [ "$version" != 5.4 ] &&
        skip_all "podman $version: kube play takes CDI devices from 5.4 on"
# shellcheck source=../pod/podman-fixture.sh
. "$SRC/examples/pod/podman-fixture.sh"
# The YAML as shipped, less its published port: the machine's network is left alone (--network none).
yaml=$tmp/ollama.yaml
sed '/^ *ports:$/,/^ *hostPort:/d' "$SRC/examples/kube/ollama.yaml" >"$yaml"
cleanup() { podman kube down "$yaml" >/dev/null 2>&1; podman pod rm -f ollama >/dev/null 2>&1; fixture_cleanup; }
trap cleanup EXIT

if out=$(podman kube play --network none "$yaml" 2>&1); then
        ok "podman kube play examples/kube/ollama.yaml"
else
        notok "podman kube play examples/kube/ollama.yaml" "$out"
        echo "1..$n"
        exit 1
fi
state=$(podman pod inspect ollama --format '{{.State}}' 2>&1)
if [ "$state" = Running ]; then ok "pod ollama is running"; else notok "pod ollama is running" "$state"; fi

answer=""
for _ in $(seq 60); do
        if answer=$(podman run --rm --pod ollama --cap-drop all localhost/ollama-ask:latest \
                --host http://127.0.0.1:11434 --model tiny "Why is the sky blue?" 2>&1); then
                break
        fi
        sleep 0.5
done
printf '%s\n' "$answer" | sed 's/^/# /'
for want in "ollama-standin saw:" "/dev/nvidia0(char)" "/dev/nvidia1(char)" "/dev/nvidiactl(char)" \
        "/run/opengl-driver/lib/libcuda.so.1(file)"; do
        if grep -qF -- "$want" <<<"$answer"; then ok "the GPU container sees $want"; else notok "the GPU container sees $want" "$answer"; fi
done
devs=$(oci_devices ollama-ollama)
if grep -qw "/dev/nvidia0" <<<"$devs" && grep -qw "/dev/nvidia1" <<<"$devs"; then
        ok "podman inspect: the container's OCI spec holds the CDI devices ($devs)"
else
        notok "podman inspect: the container's OCI spec holds the CDI devices" "$devs"
fi

# podman pod exists: 1 when the pod is gone (an error is 125, which proves nothing).
out=$(podman kube down "$yaml" 2>&1)
down_rc=$?
podman pod exists ollama
exists_rc=$?
if [ $down_rc -eq 0 ] && [ $exists_rc -eq 1 ]; then
        ok "podman kube down removes the pod"
else
        notok "podman kube down removes the pod" "$out"
fi
echo "1..$n"
exit $fail
