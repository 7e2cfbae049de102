#!/bin/bash
# gpucdi's cost, one table: probe and generate on fake hosts with 1, 8 and 16 NVIDIA GPUs and a
# mixed three-vendor host, the real host when it has an NVIDIA driver (side by side with
# `nvidia-ctk cdi generate` where that is installed), then the hook (tests/bench/hook-bench.sh,
# as root). Each figure is a fresh process per run, empty environment, output to /dev/null
# (spawn-bench): median and 95th percentile wall time, peak RSS of the child. Numbers only, no
# thresholds.
#
#   tests/bench/bench.sh [BUILD-DIR (default: build)] [RUNS (default: 500)]
set -euo pipefail
src=$(realpath "$(dirname "$0")/../..")
build=$(realpath "${1:-$src/build}")
runs=${2:-500}
gpucdi=$build/cdi/gpucdi
spawn=$build/tests/bench/spawn-bench
for f in "$gpucdi" "$spawn"; do
        [[ -x $f ]] || { echo "bench.sh: $f not built (ninja -C $build)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/gpucdi-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

hosts=(h100 nvidia8 nvidia16 mixed)
for h in "${hosts[@]}"; do
        /usr/bin/python3 "$src/tests/hosts/mkhost.py" "$h" "$tmp/$h" $([[ $(id -u) == 0 ]] && echo --mknod) >/dev/null
done

declare -A median
row() {  # LABEL PROGRAM ARGV0 [ARG...]: one line of the table
        local label=$1
        shift
        local out
        out=$("$spawn" "$runs" /dev/null "$@")
        # "median 1.234 ms  p95 1.456 ms  [cpu 1.2 ms  ]peak RSS 2345 KiB  exit 0"
        field() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p" <<<"$out"; }
        median[$label]=$(field median)
        printf '%-40s %9s %9s %10s %5s\n' "$label" "${median[$label]}" "$(field p95)" "$(field 'peak RSS')" "$(field exit)"
}

echo "$("$gpucdi" --version 2>/dev/null | head -1 || true), $runs runs each, $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
printf '%-40s %9s %9s %10s %5s\n' "case" "median ms" "p95 ms" "peak KiB" "exit"
row "floor: /bin/true" /bin/true true
for h in "${hosts[@]}"; do
        d=$tmp/$h
        roots=(--sysfs-root "$d/sys" --proc-root "$d/proc" --dev-root "$d/dev" --host-root "$d/root")
        row "$h: probe" "$gpucdi" gpucdi probe "${roots[@]}"
        if [[ $h == mixed ]]; then
                # Three vendors: one spec each, into a directory (unchanged after the first run).
                row "$h: generate --output-dir" "$gpucdi" gpucdi generate "${roots[@]}" --no-hook --output-dir "$tmp/cdi-$h"
        else
                row "$h: generate --output -" "$gpucdi" gpucdi generate "${roots[@]}" --no-hook --output -
        fi
done

# This machine's own GPUs, and NVIDIA's generator on the same driver.
if [[ -e /proc/driver/nvidia/version ]]; then
        row "this host: probe" "$gpucdi" gpucdi probe
        row "this host: generate --output -" "$gpucdi" gpucdi generate --vendor nvidia --no-hook --output -
        if ctk=$(command -v nvidia-ctk); then
                row "this host: nvidia-ctk cdi generate" "$ctk" nvidia-ctk cdi generate
                awk -v a="${median[this host: generate --output -]}" -v b="${median[this host: nvidia-ctk cdi generate]}" \
                        'BEGIN { if (a > 0) printf "nvidia-ctk cdi generate / gpucdi generate (medians): %.1fx\n", b / a }'
        else
                echo "(nvidia-ctk not installed: no comparison)"
        fi
fi

if [[ -x $build/hook/gpucdi-hook && -x $src/tests/bench/hook-bench.sh ]]; then
        echo
        if [[ $(id -u) == 0 ]]; then
                "$src/tests/bench/hook-bench.sh" "$build" "$runs"
        else
                echo "(hook: tests/bench/hook-bench.sh needs root for its fake host's device nodes)"
        fi
fi
