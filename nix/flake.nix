# gpucdi's flake. It lives in nix/ because the repository's top level is fixed; the package is built
# from the whole repository, which the flake reaches as ../. (see README.md).
#
#   nix build ./nix#gpucdi                      the program, man pages, units, hook
#   nix build ./nix#ollama-cuda-image && ./result | podman load
#   nix flake check ./nix
{
  description = "gpucdi: GPUs in podman containers built with Nix (CDI specs, isolation hook, NixOS module)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f system);

      # CUDA's redistributable libraries are unfree; the CUDA image needs them.
      pkgsFor = system: import nixpkgs {
        inherit system;
        config.allowUnfree = true;
      };

      # The repository root: `nix build ./nix#...` copies the whole (tracked) git tree to the store
      # and evaluates this file inside it, so ../. (the same as self.sourceInfo.outPath) is the
      # repository. nix/ and .ci/ are left out so editing them does not rebuild the package.
      repoRoot = ../.;
      src = nixpkgs.lib.cleanSourceWith {
        src = repoRoot;
        name = "gpucdi-source";
        filter = path: type:
          let rel = nixpkgs.lib.removePrefix (toString repoRoot + "/") (toString path);
          in !(nixpkgs.lib.hasPrefix "nix" rel || nixpkgs.lib.hasPrefix ".ci" rel
               || nixpkgs.lib.hasPrefix "build" rel || nixpkgs.lib.hasSuffix "/target" rel);
      };
      version = "0.1.0";
    in
    {
      packages = forAllSystems (system:
        let
          pkgs = pkgsFor system;
          images = import ./images.nix { inherit pkgs; rustApp = self.packages.${system}.rust-app; };
        in
        {
          gpucdi = pkgs.callPackage ./package.nix { inherit src version; };
          default = self.packages.${system}.gpucdi;
          rust-app = pkgs.callPackage ./rust-app.nix { src = ../examples/rust-app; };
          inherit (images) ollama-cuda-image rust-app-image;
        } // nixpkgs.lib.optionalAttrs (images ? ollama-vulkan-image) {
          # Channels without ollama-vulkan (nixos-25.05) have no Vulkan image.
          inherit (images) ollama-vulkan-image;
        } // nixpkgs.lib.optionalAttrs (system == "x86_64-linux") {
          # ROCm is built for x86_64 only in nixpkgs.
          inherit (images) ollama-rocm-image;
        });

      nixosModules.default = import ./module;
      nixosModules.gpucdi = self.nixosModules.default;

      # An overlay for hosts that want pkgs.gpucdi.
      overlays.default = final: prev: {
        gpucdi = final.callPackage ./package.nix { inherit src version; };
      };

      checks = forAllSystems (system:
        let
          pkgs = pkgsFor system;
          # A NixOS configuration using the module: its generated units must build.
          nixos = nixpkgs.lib.nixosSystem {
            inherit system;
            modules = [
              self.nixosModules.default
              {
                services.gpucdi = {
                  enable = true;
                  package = self.packages.${system}.gpucdi;
                  vendors = [ "nvidia" "amd" "intel" ];
                  policy.mode = "audit";
                };
                virtualisation.podman.enable = true;
                boot.loader.grub.enable = false;
                fileSystems."/" = { device = "none"; fsType = "tmpfs"; };
                system.stateVersion = "25.05";
              }
            ];
          };
        in
        {
          gpucdi = self.packages.${system}.gpucdi;
          rust-app = self.packages.${system}.rust-app;
          module-units = pkgs.runCommand "gpucdi-module-units" { } ''
            mkdir -p $out
            cp ${nixos.config.systemd.units."gpucdi-generate.service".unit}/gpucdi-generate.service $out/
            cp ${nixos.config.systemd.units."gpucdi-refresh.service".unit}/gpucdi-refresh.service $out/
            cp ${nixos.config.environment.etc."containers/oci/hooks.d/gpucdi-hook.json".source} $out/hooks.json
            grep -q "^ExecStart=.*/bin/gpucdi 'generate'" $out/gpucdi-generate.service
          '';
          module-eval = pkgs.runCommand "gpucdi-module-eval" { nativeBuildInputs = [ pkgs.nix ]; } ''
            export NIX_STATE_DIR=$TMPDIR/state
            nix-instantiate --store dummy:// --eval --strict --json ${./.}/tests/eval-module.nix > $out
            ! grep -q ":false" $out
          '';
        });

      formatter = forAllSystems (system: (pkgsFor system).nixpkgs-fmt);
    };
}
