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
  # has the acceleration argument (cuda, rocm; no Vulkan build at all before ollama-vulkan, e.g.
  # nixos-25.05: the Vulkan image is then left out).
  ollamaWith = acceleration:
    pkgs."ollama-${acceleration}" or (pkgs.ollama.override { inherit acceleration; });

  # Mesa's Vulkan drivers the Vulkan image offers, by architecture (Mesa names each ICD file
  # <driver>_icd.<cpu>.json). AMD's (radv) and Venus (virtio-gpu: a podman machine VM on a Mac, or any
  # QEMU/libkrun guest) everywhere; Intel's on x86_64 only; on aarch64 the Arm GPUs: Apple's (asahi),
  # Mali (panfrost) and Adreno (freedreno).
  mesaVulkanDrivers = {
    x86_64 = [ "intel" "radeon" "virtio" ];
    aarch64 = [ "radeon" "virtio" "asahi" "panfrost" "freedreno" ];
  }.${arch} or [ "radeon" "virtio" ];

  # What every image gets from the host's driver (gpucdi's spec mounts it under /run/opengl-driver):
  # LD_LIBRARY_PATH for the libraries the driver loads itself with dlopen (libnvidia-ptxjitcompiler,
  # libnvidia-nvvm, libnvidia-glcore: the program's RUNPATH does not apply to them), and PATH for
  # nvidia-smi and the driver's other programs in /run/opengl-driver/bin.
  driverEnv = extraLibraryPath: [
    "LD_LIBRARY_PATH=${lib.concatStringsSep ":" ([ "/run/opengl-driver/lib" ] ++ extraLibraryPath)}"
    "PATH=/bin:/run/opengl-driver/bin"
  ];

  mkOllamaImage = { name, ollama, extraEnv ? [ ], extraContents ? [ ], extraLibraryPath ? [ ] }: dockerTools.streamLayeredImage {
    inherit name;
    tag = "latest";
    # cacert: `ollama pull` fetches models over HTTPS.
    contents = [ ollama pkgs.cacert (userFiles "ollama") ] ++ extraContents;
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
      ] ++ driverEnv extraLibraryPath ++ extraEnv;
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

  # The example client: podman run --rm --pod llm localhost/ollama-ask "Why is the sky blue?"
  rust-app-image = dockerTools.streamLayeredImage {
    name = "ollama-ask";
    tag = "latest";
    contents = [ (userFiles "app") ];
    config = {
      Entrypoint = [ "${rustApp}/bin/ollama-ask" ];
      User = "${uid}:${uid}";
      Env = [ "OLLAMA_HOST=http://127.0.0.1:11434" ] ++ driverEnv [ ];
    };
  };

  # Any Vulkan GPU: --device intel.com/gpu=all, amd.com/gpu=all, nvidia.com/gpu=all or
  # gpucdi.io/render=all. nixpkgs' Vulkan loader reads ICD files from
  # /run/opengl-driver/share/vulkan/icd.d, where gpucdi mounts NVIDIA's; Mesa's (mesaVulkanDrivers
  # above) are added to the image here. A missing ICD file is skipped by the loader.
  # NVIDIA's Vulkan driver (libGLX_nvidia.so.0, the library its ICD names) links libX11 and libXext,
  # which the host's driver does not bring and a Nix image has no system copy of: they are in the
  # image and on LD_LIBRARY_PATH. OLLAMA_VULKAN=1: Ollama's Vulkan backend is opt-in, and nixpkgs'
  # ollama-vulkan does not set it in a wrapper.
} // lib.optionalAttrs (pkgs ? ollama-vulkan) {
  ollama-vulkan-image = mkOllamaImage {
    name = "ollama-vulkan";
    ollama = pkgs.ollama-vulkan;
    extraContents = [ pkgs.xorg.libX11 pkgs.xorg.libXext ];
    extraLibraryPath = [ "${lib.getLib pkgs.xorg.libX11}/lib" "${lib.getLib pkgs.xorg.libXext}/lib" ];
    extraEnv = [
      "OLLAMA_VULKAN=1"
      "VK_ADD_DRIVER_FILES=${lib.concatStringsSep ":" (map (d: "${pkgs.mesa}/share/vulkan/icd.d/${d}_icd.${arch}.json") mesaVulkanDrivers)}"
    ];
  };
}
