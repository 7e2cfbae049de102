#!/bin/bash
# The shipped programs are built with _FORTIFY_SOURCE: they call glibc's checked functions
# (__snprintf_chk, __memcpy_chk, ...; __stack_chk_fail is the stack protector, not FORTIFY). And
# gpucdi never calls __readlink_chk, which umockdev 0.17 does not intercept (its tests run gpucdi
# under umockdev-run). TAP output.
#
# args: on|off PROGRAM...   (off: the build has no FORTIFY, -O0 or a sanitizer: skip)
set -u
mode=$1
shift
if [ "$mode" != on ]; then
        echo "1..0 # SKIP this build has no _FORTIFY_SOURCE (optimization 0 or a sanitizer)"
        exit 0
fi
command -v nm >/dev/null || { echo "1..0 # SKIP nm (binutils) is not installed"; exit 0; }
n=0 fail=0
if [ $# -eq 0 ]; then
        echo "not ok 1 - programs to check are given"
        echo "1..1"
        exit 1
fi
for p in "$@"; do
        syms=$(nm "$p" 2>&1) || syms=$(nm -D "$p" 2>&1)
        chk=$(grep -oE '\b__[a-z0-9_]+_chk\b' <<<"$syms" | grep -vx '__stack_chk_fail\|__stack_chk_guard' | sort -u)
        n=$((n + 1))
        if [ -n "$chk" ]; then
                echo "ok $n - $(basename "$p") is fortified ($(wc -l <<<"$chk") checked functions: $(head -3 <<<"$chk" | tr '\n' ' ')...)"
        else
                fail=1
                echo "not ok $n - $(basename "$p") is fortified (no __*_chk symbol)"
        fi
        n=$((n + 1))
        if grep -q '__readlink_chk' <<<"$syms"; then
                fail=1
                echo "not ok $n - $(basename "$p") does not call __readlink_chk (umockdev cannot intercept it: use readlinkat)"
        else
                echo "ok $n - $(basename "$p") does not call __readlink_chk"
        fi
done
echo "1..$n"
exit $fail
