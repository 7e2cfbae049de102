#!/bin/bash
# Ollama and the Rust client in one podman pod: the containers share the pod's network namespace,
# so the client reaches Ollama at http://127.0.0.1:11434 and nothing else needs a published port.
#
#   run-pod.sh "Why is the sky blue?"
#
# Only the Ollama container gets the GPU (CDI device from gpucdi's spec); the client gets nothing.
# Everything below can be overridden from the environment; the test suite runs this very script
# with stand-in root filesystems instead of the Nix images (examples/pod/test-pod.sh).
set -euo pipefail

POD=${POD:-llm}
GPU=${GPU:-nvidia.com/gpu=all}
# The pod's network: publish Ollama on the host's loopback (drop this to keep it pod-internal).
POD_NETWORK=${POD_NETWORK:--p 127.0.0.1:11434:11434}
MODELS_VOLUME=${MODELS_VOLUME:-llm-models}
# An image name, or "--rootfs DIR COMMAND..." (word-split on purpose).
OLLAMA_IMAGE=${OLLAMA_IMAGE:-localhost/ollama-cuda:latest}
APP_IMAGE=${APP_IMAGE:-localhost/ollama-ask:latest}
MODEL=${MODEL:-llama3.2}
WAIT_SECONDS=${WAIT_SECONDS:-60}

prompt=${1:?usage: $0 PROMPT}

# shellcheck disable=SC2086  # POD_NETWORK and the *_IMAGE variables are word lists.
podman pod create --replace --name "$POD" $POD_NETWORK >/dev/null

# shellcheck disable=SC2086
podman run -d --pod "$POD" --name "$POD-ollama" \
        --device "$GPU" \
        --cap-drop all --security-opt no-new-privileges \
        -v "$MODELS_VOLUME:/models" \
        $OLLAMA_IMAGE >/dev/null

# Ask, retrying while Ollama is still starting (the client says "cannot reach" until it listens).
# shellcheck disable=SC2086
ask() {
        podman run --rm --pod "$POD" --name "$POD-ask" \
                --cap-drop all --security-opt no-new-privileges --read-only \
                $APP_IMAGE --host http://127.0.0.1:11434 --model "$MODEL" "$prompt"
}
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
        if out=$(ask 2>"${TMPDIR:-/tmp}/run-pod.$$.err"); then
                rm -f "${TMPDIR:-/tmp}/run-pod.$$.err"
                printf '%s\n' "$out"
                exit 0
        fi
        err=$(cat "${TMPDIR:-/tmp}/run-pod.$$.err")
        rm -f "${TMPDIR:-/tmp}/run-pod.$$.err"
        if ! grep -q 'cannot reach Ollama' <<<"$err" || [ $SECONDS -ge $deadline ]; then
                printf '%s\n' "$err" >&2
                exit 1
        fi
        sleep 0.5
done
