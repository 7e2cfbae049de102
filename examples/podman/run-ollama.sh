#!/bin/bash
# Run Ollama in one container with the host's GPUs, through the CDI specs gpucdi wrote.
#
#   run-ollama.sh nvidia|amd|intel [IMAGE]
#
# Images: the Nix-built ones from nix/ (nix build ./nix#ollama-cuda-image && ./result | podman load),
# ollama-cuda / ollama-rocm for NVIDIA / AMD, ollama-vulkan for Intel (or any Vulkan GPU).
# Models live in the named volume "ollama-models", mounted at /models (OLLAMA_MODELS in the image).
# Then: podman exec ollama ollama pull llama3.2
#       examples/rust-app: ollama-ask "Why is the sky blue?"
set -euo pipefail

vendor=${1:-}
case $vendor in
nvidia)
        device=nvidia.com/gpu=all
        image=${2:-localhost/ollama-cuda:latest}
        extra=()
        ;;
amd)
        # ROCm needs /dev/kfd and the render nodes (both in amd.com/gpu devices). Rootless, the user
        # must be in the render and video groups and the container must keep them; keep-groups
        # needs crun as the OCI runtime.
        device=amd.com/gpu=all
        image=${2:-localhost/ollama-rocm:latest}
        extra=()
        [ "$(id -u)" -ne 0 ] && extra+=(--group-add keep-groups)
        ;;
intel)
        # Ollama's Vulkan backend; Mesa's Intel driver ships in the image, the device comes from the host.
        device=intel.com/gpu=all
        image=${2:-localhost/ollama-vulkan:latest}
        extra=()
        [ "$(id -u)" -ne 0 ] && extra+=(--group-add keep-groups)
        ;;
*)
        echo "usage: $0 nvidia|amd|intel [IMAGE]" >&2
        exit 2
        ;;
esac

if command -v gpucdi >/dev/null && ! gpucdi list --names | grep -qxF "$device"; then
        echo "$0: no CDI device $device: run 'sudo gpucdi generate' (gpucdi list shows what exists)" >&2
        exit 1
fi

# Only the GPU: no extra capabilities, no privilege escalation, API on the loopback interface only.
exec podman run -d --name ollama --replace \
        --device "$device" \
        "${extra[@]}" \
        --cap-drop all --security-opt no-new-privileges \
        -v ollama-models:/models \
        -p 127.0.0.1:11434:11434 \
        "$image"
