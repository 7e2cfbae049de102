# OCI images built with dockerTools.streamLayeredImage: nothing but Nix store paths, a passwd file
# for the non-root user, and the directories the programs write to. Load with
#   nix build ./nix#ollama-cuda-image && ./result | podman load
# which tags localhost/<name>:latest.
#
# None of them carries a GPU driver: the host's comes in through gpucdi's CDI spec, mounted at
# /run/opengl-driver (where nixpkgs' CUDA builds look, through addDriverRunpath). AMD and Intel
# user space (ROCm, Mesa's Vulkan drivers) is in the image; only the device nodes come from the host.
{ pkgs, rustApp }:

let
  inherit (pkgs) lib dockerTools;

  uid = "1000";
  arch = pkgs.stdenv.hostPlatform.uname.processor;

  # /etc/passwd and /etc/group with the unprivileged user the programs run as.
  userFiles = name: pkgs.runCommand "${name}-etc" { } ''
    mkdir -p $out/etc
    echo "root:x:0:0:root:/root:/sbin/nologin" > $out/etc/passwd
    echo "${name}:x:${uid}:${uid}:${name}:/home/${name}:/sbin/nologin" >> $out/etc/passwd
    echo "root:x:0:" > $out/etc/group
    echo "${name}:x:${uid}:" >> $out/etc/group
  '';

  # nixpkgs names the accelerated builds ollama-cuda, ollama-rocm, ollama-vulkan; older nixpkgs only
  # has the acceleration argument.
  ollamaWith = acceleration:
    pkgs."ollama-${acceleration}" or (pkgs.ollama.override { inherit acceleration; });

  mkOllamaImage = { name, ollama, extraEnv ? [ ] }: dockerTools.streamLayeredImage {
    inherit name;
    tag = "latest";
    # cacert: `ollama pull` fetches models over HTTPS.
    contents = [ ollama pkgs.cacert (userFiles "ollama") ];
    fakeRootCommands = ''
      mkdir -p models home/ollama tmp
      chown ${uid}:${uid} models home/ollama
      chmod 1777 tmp
    '';
    enableFakechroot = false;
    config = {
      Entrypoint = [ "${ollama}/bin/ollama" ];
      Cmd = [ "serve" ];
      User = "${uid}:${uid}";
      WorkingDir = "/home/ollama";
      Env = [
        "OLLAMA_HOST=0.0.0.0:11434"
        "OLLAMA_MODELS=/models"
        "HOME=/home/ollama"
        "SSL_CERT_FILE=${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt"
        # The driver libraries gpucdi mounts; also where a library dlopen()ed by the driver
        # (not by the program, whose RUNPATH already lists it) is found.
        "LD_LIBRARY_PATH=/run/opengl-driver/lib"
      ] ++ extraEnv;
      ExposedPorts = { "11434/tcp" = { }; };
      Volumes = { "/models" = { }; };
      Labels = {
        "org.opencontainers.image.title" = name;
        "org.opencontainers.image.description" = "Ollama built with Nix; GPU through gpucdi's CDI spec";
      };
    };
  };
in
{
  # podman run --device nvidia.com/gpu=all -v models:/models -p 127.0.0.1:11434:11434 localhost/ollama-cuda
  ollama-cuda-image = mkOllamaImage { name = "ollama-cuda"; ollama = ollamaWith "cuda"; };

  # podman run --device amd.com/gpu=all ... (the user needs the render/video groups when rootless)
  ollama-rocm-image = mkOllamaImage { name = "ollama-rocm"; ollama = ollamaWith "rocm"; };

  # Any Vulkan GPU: --device intel.com/gpu=all, amd.com/gpu=all or nvidia.com/gpu=all. nixpkgs'
  # Vulkan loader reads ICD files from /run/opengl-driver/share/vulkan/icd.d, where gpucdi mounts
  # NVIDIA's; Mesa's (Intel, AMD, and Venus for the virtio-gpu of a podman machine VM on macOS)
  # are added to the image here. A missing ICD file is skipped by the loader.
  ollama-vulkan-image = mkOllamaImage {
    name = "ollama-vulkan";
    ollama = ollamaWith "vulkan";
    extraEnv = [ "VK_ADD_DRIVER_FILES=${lib.concatStringsSep ":" (map (f: "${pkgs.mesa}/share/vulkan/icd.d/${f}") [ "intel_icd.${arch}.json" "radeon_icd.${arch}.json" "virtio_icd.${arch}.json" ])}" ];
  };

  # The example client: podman run --rm --pod llm localhost/ollama-ask "Why is the sky blue?"
  rust-app-image = dockerTools.streamLayeredImage {
    name = "ollama-ask";
    tag = "latest";
    contents = [ (userFiles "app") ];
    config = {
      Entrypoint = [ "${rustApp}/bin/ollama-ask" ];
      User = "${uid}:${uid}";
      Env = [ "OLLAMA_HOST=http://127.0.0.1:11434" ];
    };
  };
}
