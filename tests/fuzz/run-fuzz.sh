#!/usr/bin/env bash
# Fuzz one target for a while: tests/fuzz/run-fuzz.sh TARGET SECONDS [libFuzzer options...]
#   TARGET: ldcache, nvidia, sysfs, cdi, policy, oci, json (tests/fuzz/fuzz-TARGET.c)
# Builds the libFuzzer binaries with clang, ASan and UBSan in $FUZZ_BUILD_DIR (default build-fuzz),
# fuzzes from the seed corpus tests/fuzz/corpus-TARGET (left untouched: new inputs go to
# $FUZZ_BUILD_DIR/fuzz-corpus/TARGET), and leaves crashing inputs in
# $FUZZ_BUILD_DIR/fuzz-artifacts/TARGET/. Add each one to corpus-TARGET once fixed.
set -euo pipefail
if [ $# -lt 2 ]; then
        echo "usage: $0 TARGET SECONDS [libFuzzer options...]" >&2
        exit 2
fi
target=$1 seconds=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}

if [ ! -f "$src/tests/fuzz/fuzz-$target.c" ]; then
        echo "$0: no fuzz target $target (tests/fuzz/fuzz-$target.c)" >&2
        exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" "$src" -Dfuzz=true -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" "tests/fuzz/fuzz-$target" >/dev/null

work="$build/fuzz-corpus/$target"
artifacts="$build/fuzz-artifacts/$target"
mkdir -p "$work" "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$build/tests/fuzz/fuzz-$target" "$work" "$src/tests/fuzz/corpus-$target" \
        -max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
