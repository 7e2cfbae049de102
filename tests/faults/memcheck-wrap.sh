#!/bin/sh
# `meson test --wrapper` that runs the test programs built in this tree under valgrind memcheck,
# errors and definitely lost blocks fatal. Interpreters and tools that merely start a test (python3
# for scripts) run as they are; umockdev-run's child after "--" is the test program, so memcheck
# goes there. meson runs tests from the build directory, which is how programs built here are told
# apart.
memcheck="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
case "$1" in
"$PWD"/*)
        exec $memcheck "$@" ;;
*/umockdev-run)
        prog=$1
        shift
        n=0
        for a in "$@"; do
                n=$((n + 1))
                [ "$a" = "--" ] && break
        done
        if [ "$n" -lt "$#" ]; then
                # Rebuild the arguments with memcheck inserted after the n-th one ("--").
                i=0
                for a in "$@"; do
                        i=$((i + 1))
                        set -- "$@" "$a"
                        [ "$i" -eq "$n" ] && set -- "$@" $memcheck
                done
                shift "$i"
        fi
        exec "$prog" "$@" ;;
*)
        exec "$@" ;;
esac
