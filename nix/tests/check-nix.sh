#!/bin/bash
# TAP: nix-instantiate --parse on every .nix file, then the evaluation checks of eval-module.nix
# (the NixOS module) and eval-images.nix (the images), one TAP line each. Needs only
# nix-instantiate (Debian package nix-bin); the dummy store keeps it from touching /nix or a daemon.
set -u
dir=$1
if ! command -v nix-instantiate >/dev/null; then
        echo "1..0 # SKIP nix-instantiate is not installed (Debian package nix-bin)"
        exit 0
fi
export NIX_STATE_DIR=${TMPDIR:-/tmp}/gpucdi-nix-state.$$ NIX_CONF_DIR=/nonexistent
trap 'rm -rf "$NIX_STATE_DIR"' EXIT
nix=(nix-instantiate --store dummy://)
n=0 fail=0
echo "# $(nix-instantiate --version)"

while read -r f; do
        n=$((n + 1))
        if out=$("${nix[@]}" --parse "$f" 2>&1 >/dev/null); then
                echo "ok $n - parses: ${f#"$dir"/}"
        else
                fail=1
                echo "not ok $n - parses: ${f#"$dir"/}"
                printf '%s\n' "$out" | sed 's/^/# /'
        fi
done < <(find "$dir" -name '*.nix' | sort)

# The flake's shape: inputs and an outputs function taking self and nixpkgs.
n=$((n + 1))
shape=$("${nix[@]}" --eval --strict --json -E "let f = import $dir/flake.nix; in
        { url = f.inputs.nixpkgs.url; args = builtins.attrNames (builtins.functionArgs f.outputs); }" 2>&1)
if [ "$shape" = '{"args":["nixpkgs","self"],"url":"github:NixOS/nixpkgs/nixos-unstable"}' ]; then
        echo "ok $n - flake.nix: nixpkgs input, outputs { self, nixpkgs }"
else
        fail=1
        echo "not ok $n - flake.nix: nixpkgs input, outputs { self, nixpkgs }"
        echo "# $shape"
fi

# eval-module.nix: the NixOS module; eval-images.nix: the images for x86_64 and aarch64.
for what in module images; do
        if ! json=$("${nix[@]}" --eval --strict --json "$dir/tests/eval-$what.nix" 2>&1); then
                n=$((n + 1))
                fail=1
                echo "not ok $n - eval-$what.nix evaluates"
                printf '%s\n' "$json" | sed 's/^/# /'
                continue
        fi
        while IFS=$'\t' read -r verdict name; do
                n=$((n + 1))
                if [ "$verdict" = True ]; then
                        echo "ok $n - $what: $name"
                else
                        fail=1
                        echo "not ok $n - $what: $name"
                fi
        done < <(printf '%s' "$json" | python3 -c 'import json, sys
for name, verdict in json.load(sys.stdin).items():
    print(f"{verdict}\t{name}")')
done
echo "1..$n"
exit $fail
