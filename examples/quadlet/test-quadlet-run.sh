#!/bin/bash
# The Quadlet pod units (examples/quadlet/pod) for real: podman's Quadlet generator turns them into
# systemd services, run-units.py starts those as systemd would (no systemd here: a CI chroot), and
# the client's container, started by its service, gets an answer from the Ollama stand-in whose
# container holds both GPUs of the fixture host through gpucdi's spec. podman >= 5.0 (Pod=); root
# only; TAP output. The units are used as shipped except the pod's PublishPort=, replaced by
# Network=none so that the machine's network is left alone.
#
# args: SRCROOT GPUCDI OLLAMA_STANDIN HOOK CARGO_TARGET_DIR
set -u
SRC=$1 GPUCDI=$2 STANDIN=$3 HOOK=$4 TARGET_DIR=$5
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

quadlet=/usr/libexec/podman/quadlet
[ -x "$quadlet" ] || skip_all "no Quadlet generator ($quadlet): podman < 4.4"
command -v podman >/dev/null || skip_all "podman is not installed"
version=$(podman version --format '{{.Client.Version}}' 2>/dev/null)
printf '5.0\n%s\n' "$version" | sort -V -C 2>/dev/null || skip_all "podman $version: Pod= units need 5.0"
# shellcheck source=../pod/podman-fixture.sh
. "$SRC/examples/pod/podman-fixture.sh"

units=$tmp/units gen=$tmp/generated
mkdir -p "$units" "$gen"
cp "$SRC"/examples/quadlet/pod/* "$units/"
sed -i 's/^PublishPort=.*/Network=none/' "$units/llm.pod"
services=(models-volume.service llm-pod.service ollama.service)
run_units=(python3 "$SRC/examples/quadlet/run-units.py")
cleanup() {
        "${run_units[@]}" stop "$gen" "${services[@]}" >/dev/null 2>&1
        podman pod rm -f llm >/dev/null 2>&1
        fixture_cleanup
}
trap cleanup EXIT

out=$(QUADLET_UNIT_DIRS=$units "$quadlet" -v "$gen" 2>&1)
if [ -f "$gen/ollama.service" ] && [ -f "$gen/rust-app.service" ] && [ -f "$gen/llm-pod.service" ] &&
        [ -f "$gen/models-volume.service" ]; then
        ok "quadlet generates ollama, rust-app, llm-pod and models-volume services"
else
        notok "quadlet generates the services" "$out
$(ls "$gen")"
        echo "1..$n"
        exit 1
fi
# The client's answer is read from its service's output: podman's passthrough log driver.
if ! grep -q '^ExecStart=.*--log-driver passthrough' "$gen/rust-app.service"; then
        echo "# this Quadlet does not default to --log-driver passthrough: LogDriver=passthrough added"
        sed -i 's/^\[Container\]$/[Container]\nLogDriver=passthrough/' "$units/rust-app.container"
        QUADLET_UNIT_DIRS=$units "$quadlet" "$gen" >/dev/null 2>&1
fi
if grep -q '^ExecStart=.*--device nvidia.com/gpu=all' "$gen/ollama.service"; then
        ok "ollama.service runs podman with --device nvidia.com/gpu=all"
else
        notok "ollama.service runs podman with --device nvidia.com/gpu=all" "$(grep ExecStart "$gen/ollama.service")"
fi
if grep -q '^Requires=ollama.service' "$gen/rust-app.service"; then
        ok "rust-app.service requires ollama.service"
else
        notok "rust-app.service requires ollama.service"
fi

if out=$("${run_units[@]}" start "$gen" "${services[@]}" 2>&1); then
        ok "the volume, pod and ollama services start (Type=notify: READY=1 from conmon)"
else
        notok "the volume, pod and ollama services start" "$out"
fi
devs=$(oci_devices ollama)
if grep -qw /dev/nvidia0 <<<"$devs" && grep -qw /dev/nvidia1 <<<"$devs"; then
        ok "container ollama holds the CDI devices in its OCI spec ($devs)"
else
        notok "container ollama holds the CDI devices" "$devs"
fi

# The client's service as generated (its question and model), in the pod. Quadlet runs containers
# with --log-driver passthrough: the answer comes out on the service's own output, which stays open
# until the container exits. Restart=on-failure: started again while Ollama does not answer yet.
answer=""
for _ in $(seq 20); do
        answer=$(timeout 60 "${run_units[@]}" start "$gen" rust-app.service 2>&1)
        grep -q "ollama-standin saw:" <<<"$answer" && break
        sleep 0.5
done
printf '%s\n' "$answer" | sed 's/^/# /'
for want in "ollama-standin saw:" "/dev/nvidia0(char)" "/dev/nvidia1(char)" "/dev/nvidia-uvm(char)" \
        "/run/opengl-driver/lib/libcuda.so.1(file)" "Say hello in one short sentence."; do
        if grep -qF -- "$want" <<<"$answer"; then ok "the client's answer shows '$want'"; else notok "the client's answer shows '$want'" "$answer"; fi
done

# podman pod exists: 1 when the pod is gone (an error is 125, which proves nothing).
"${run_units[@]}" stop "$gen" rust-app.service "${services[@]}" >/dev/null 2>&1
stop_rc=$?
podman pod exists llm
exists_rc=$?
if [ $stop_rc -eq 0 ] && [ $exists_rc -eq 1 ]; then
        ok "stopping the services removes the pod"
else
        notok "stopping the services removes the pod" "$(podman pod ls 2>&1)"
fi
echo "1..$n"
exit $fail
