#!/bin/bash
# gpucdi-hook start-up cost, the way runc pays it: a fresh process per container start, empty
# environment, the OCI state on stdin. Prints median, 95th percentile and peak RSS for a container
# without GPU, GPU containers that start, one that is refused, /bin/true as the floor, and
# `gpucdi hook` (the same code in the full gpucdi binary) for comparison. Needs root (the fake
# host has device nodes); no thresholds: numbers only. Then the ratios to /bin/true, measured side by
# side: ROUNDS rounds, each running /bin/true and the hook on the same stdin RUNS/ROUNDS times in
# turn, the ratio taken per round and its median printed (a busy machine slows both alike).
#
#   sudo tests/bench/hook-bench.sh BUILD-DIR [RUNS]
set -euo pipefail
build=$(realpath "${1:?usage: hook-bench.sh BUILD-DIR [RUNS]}")
runs=${2:-1000}
src=$(realpath "$(dirname "$0")/../..")
hook=$build/hook/gpucdi-hook
gpucdi=$build/cdi/gpucdi
spawn=$build/tests/bench/spawn-bench
for f in "$hook" "$spawn"; do
        [[ -x $f ]] || { echo "hook-bench.sh: $f not built (ninja -C $build)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "hook-bench.sh: needs root for the fake host's device nodes" >&2; exit 1; }

tmp=$(mktemp -d /tmp/gpucdi-hook-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# Bundles and states from the podman corpus, with the arguments of each config's first gpucdi
# entry (what runc would run).
/usr/bin/python3 - "$src/tests/hook" "$tmp" "$hook" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import fakehost, hooktest
tmp, hook = sys.argv[2], sys.argv[3]
host = fakehost.build(f"{tmp}/host", hook)
for name in ("nongpu-default", "gpu0-default", "gpu-all", "many"):
    cfg = hooktest.load_config(name, host, hook)
    b = hooktest.write_bundle(f"{tmp}/{name}", cfg)
    open(f"{tmp}/{name}.state", "w").write(hooktest.state_for(b))
    open(f"{tmp}/{name}.args", "w").write("\n".join(hooktest.gpucdi_entries(cfg)[0]["args"]) + "\n")
PY

bench() {  # LABEL CASE PROGRAM [VERB]
        local label=$1 case=$2 prog=$3 verb=${4:-}
        local -a args
        mapfile -t args <"$tmp/$case.args"
        if [[ -n $verb ]]; then
                args=(gpucdi "$verb" "${args[@]:1}")
        fi
        printf '%-44s ' "$label"
        "$spawn" "$runs" "$tmp/$case.state" "$prog" "${args[@]}"
}

echo "gpucdi-hook start-up, $runs runs each ($(file -b "$hook" | grep -o "static-pie linked\|dynamically linked\|statically linked"))"
printf '%-44s ' "floor: /bin/true"
"$spawn" "$runs" "$tmp/nongpu-default.state" /bin/true true
bench "non-GPU container" nongpu-default "$hook"
bench "GPU container, nvidia.com/gpu=0" gpu0-default "$hook"
bench "GPU container, nvidia.com/gpu=all" gpu-all "$hook"
bench "GPU container refused (5 rules)" many "$hook"
if [[ -x $gpucdi ]]; then
        bench "gpucdi hook: non-GPU container" nongpu-default "$gpucdi" hook
        bench "gpucdi hook: GPU container, gpu=0" gpu0-default "$gpucdi" hook
fi

# Side by side with /bin/true.
rounds=10
per=$(( runs / rounds > 20 ? runs / rounds : 20 ))
ratio() {  # LABEL CASE
        local label=$1 case=$2 r
        local -a args wall cpu
        mapfile -t args <"$tmp/$case.args"
        for ((r = 0; r < rounds; r++)); do
                t=$("$spawn" "$per" "$tmp/$case.state" /bin/true true)
                h=$("$spawn" "$per" "$tmp/$case.state" "$hook" "${args[@]}")
                wall+=("$(awk -v t="$t" -v h="$h" 'BEGIN { split(t, a, " "); split(h, b, " "); printf "%.3f", b[2] / a[2] }')")
                cpu+=("$(awk -v t="$t" -v h="$h" 'BEGIN { split(t, a, " "); split(h, b, " "); printf "%.3f", b[8] / a[8] }')")
        done
        printf '%-44s wall %s x  cpu %s x  (median of %d rounds of %d runs)\n' "$label" \
                "$(printf '%s\n' "${wall[@]}" | sort -n | sed -n "$((rounds / 2 + 1))p")" \
                "$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$((rounds / 2 + 1))p")" "$rounds" "$per"
}
echo "ratio to /bin/true reading the same stdin, side by side"
ratio "non-GPU container" nongpu-default
ratio "GPU container, nvidia.com/gpu=0" gpu0-default
ratio "GPU container refused (5 rules)" many
