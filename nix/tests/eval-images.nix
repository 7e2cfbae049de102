# Evaluates images.nix for x86_64 and aarch64 without nixpkgs: a stand-in `pkgs` whose builders
# return their arguments, so the images' configs can be read. Evaluates to
# { "check name" = true|false; ... }.
#
#   nix-instantiate --store dummy:// --eval --strict --json nix/tests/eval-images.nix
let
  inherit (builtins) all any concatStringsSep elemAt filter head length listToAttrs match
    replaceStrings split;

  stubPkgs = processor: rec {
    lib = {
      inherit concatStringsSep;
      optionalAttrs = c: set: if c then set else { };
      getLib = p: p.lib or p;
    };
    drv = name: { outPath = "/nix/store/00000000000000000000000000000000-${name}"; inherit name; };
    stdenv.hostPlatform.uname.processor = processor;
    dockerTools.streamLayeredImage = args: args;
    runCommand = name: env: script: drv name;
    cacert = drv "cacert";
    mesa = drv "mesa";
    ollama = drv "ollama" // { override = a: drv "ollama-${a.acceleration}"; };
    ollama-cuda = drv "ollama-cuda";
    ollama-vulkan = drv "ollama-vulkan";
    xorg = { libX11 = drv "libX11"; libXext = drv "libXext"; };
  };
  imagesFor = processor: import ../images.nix {
    pkgs = stubPkgs processor;
    rustApp = { outPath = "/nix/store/00000000000000000000000000000000-rust-app"; };
  };

  envOf = image: name:
    let hits = filter (e: match "${name}=.*" e != null) image.config.Env;
    in if hits == [ ] then null else replaceStrings [ "${name}=" ] [ "" ] (head hits);
  # The ICD files the Vulkan image adds, as "<driver>_icd.<cpu>.json".
  icds = processor:
    let v = envOf (imagesFor processor).ollama-vulkan-image "VK_ADD_DRIVER_FILES";
    in map (f: replaceStrings [ "/nix/store/00000000000000000000000000000000-mesa/share/vulkan/icd.d/" ] [ "" ] f)
      (filter (x: builtins.isString x) (split ":" v));

  x86 = icds "x86_64";
  arm = icds "aarch64";
  noVulkan = import ../images.nix {
    pkgs = builtins.removeAttrs (stubPkgs "x86_64") [ "ollama-vulkan" ];
    rustApp = { outPath = "/nix/store/00000000000000000000000000000000-rust-app"; };
  };
in
{
  "x86_64 Vulkan image adds Intel, AMD and Venus ICDs" =
    x86 == [ "intel_icd.x86_64.json" "radeon_icd.x86_64.json" "virtio_icd.x86_64.json" ];
  "aarch64 Vulkan image adds AMD, Venus, Asahi, Mali and Adreno ICDs, no x86-only Intel" =
    arm == [ "radeon_icd.aarch64.json" "virtio_icd.aarch64.json" "asahi_icd.aarch64.json"
             "panfrost_icd.aarch64.json" "freedreno_icd.aarch64.json" ];
  "every ICD file is in Mesa's icd.d of the image's architecture" =
    all (f: match ".*_icd\\.aarch64\\.json" f != null) arm && all (f: match ".*_icd\\.x86_64\\.json" f != null) x86;
  "Vulkan image sets OLLAMA_VULKAN=1" =
    envOf (imagesFor "aarch64").ollama-vulkan-image "OLLAMA_VULKAN" == "1";
  "every Ollama image has /run/opengl-driver/lib first on LD_LIBRARY_PATH" =
    all (i: match "/run/opengl-driver/lib(:.*)?" (envOf i "LD_LIBRARY_PATH") != null)
      (with imagesFor "x86_64"; [ ollama-cuda-image ollama-rocm-image ollama-vulkan-image rust-app-image ]);
  "every image has /run/opengl-driver/bin on PATH" =
    all (i: match "(.*:)?/run/opengl-driver/bin(:.*)?" (envOf i "PATH") != null)
      (with imagesFor "aarch64"; [ ollama-cuda-image ollama-vulkan-image rust-app-image ]);
  "a channel without ollama-vulkan has no Vulkan image" =
    !(noVulkan ? ollama-vulkan-image) && noVulkan ? ollama-cuda-image;
}
