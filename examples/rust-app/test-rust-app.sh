#!/bin/bash
# Builds the example client and runs its unit and integration tests, offline, with the lock file
# as committed (what Nix's buildRustPackage will use). TAP output.
set -u
dir=$1 target=$2
if ! command -v cargo >/dev/null; then
        echo "1..0 # SKIP cargo is not installed (Debian package cargo)"
        exit 0
fi
n=0 fail=0
step() { # step DESCRIPTION COMMAND...   (the output stays in $out)
        local desc=$1
        shift
        n=$((n + 1))
        if out=$("$@" 2>&1); then
                echo "ok $n - $desc"
        else
                fail=1
                echo "not ok $n - $desc"
        fi
        printf '%s\n' "$out" | grep -E '^(test |error|warning|running|     Running)' | sed 's/^/# /'
}
echo "# $(cargo --version), $(rustc --version)"
step "cargo build --offline --locked" cargo build --offline --locked --manifest-path "$dir/Cargo.toml" --target-dir "$target"
step "cargo test --offline --locked (unit tests and the stand-in server tests)" \
        cargo test --offline --locked --manifest-path "$dir/Cargo.toml" --target-dir "$target"
# cargo test passes with no test at all: count those that ran.
passed=$(grep -oE '^test result: ok\. [0-9]+ passed' <<<"$out" | awk '{ s += $4 } END { print s + 0 }')
n=$((n + 1))
if [ "$passed" -gt 0 ]; then echo "ok $n - cargo test ran $passed tests"; else fail=1; echo "not ok $n - cargo test ran no test"; fi
# No crate may sneak in: the lock file lists the package itself and nothing else.
pkgs=$(grep -c '^\[\[package\]\]' "$dir/Cargo.lock")
n=$((n + 1))
if [ "$pkgs" -eq 1 ]; then echo "ok $n - Cargo.lock has no dependencies"; else fail=1; echo "not ok $n - Cargo.lock lists $pkgs packages"; fi
echo "1..$n"
exit $fail
