# services.gpucdi: CDI specs for the host's GPUs, kept current, and the isolation hook for podman.
#
# Compared with nixpkgs' hardware.nvidia-container-toolkit: all three vendors; each driver library is
# mounted by itself at /run/opengl-driver/lib (not the whole driver store path, glibc and
# /run/opengl-driver); the spec is written before podman and oci-containers units start (they are
# ordered after it) and rewritten when a driver loads or the driver set changes; and GPU
# containers are checked by gpucdi-hook.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.gpucdi;
  helpers = import ./lib.nix;
  inherit (lib) mkOption mkEnableOption mkIf types literalExpression;

  generateCommand = helpers.execLine "${cfg.package}/bin/gpucdi" (helpers.generateArgs {
    inherit (cfg) outputDir layout vendors driverRoots extraArgs;
    hook = { inherit (cfg.hook) enable; };
    hookPath = "${cfg.package}/libexec/gpucdi/gpucdi-hook";
  });

  # The same sandbox as the units gpucdi installs on other distributions (cdi/systemd/).
  sandbox = {
    Type = "oneshot";
    ExecStart = generateCommand;
    # Create the spec directories and make them (only them) writable under ProtectSystem=strict.
    RuntimeDirectory = "cdi";
    RuntimeDirectoryPreserve = true;
    ConfigurationDirectory = "cdi";
    ReadWritePaths = [ "-${cfg.outputDir}" ];
    # Rewritten driver loader files (NixOS drivers name their libraries by store path).
    StateDirectory = "gpucdi";
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateNetwork = true;
    NoNewPrivileges = true;
    CapabilityBoundingSet = "";
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    RestrictAddressFamilies = [ "AF_UNIX" "AF_NETLINK" ];
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" ];
    UMask = "0022";
  };

  nvidiaPersistenced = lib.attrByPath [ "hardware" "nvidia" "nvidiaPersistenced" ] false config;
  driverUnits = [ "systemd-modules-load.service" ]
    ++ lib.optional (nvidiaPersistenced && (cfg.vendors == [ ] || lib.elem "nvidia" cfg.vendors)) "nvidia-persistenced.service";

  # oci-containers units run by podman: ordered after the spec exists. Each container's unit is
  # its serviceName (nixpkgs' default "podman-<name>"; older channels have no such option).
  ociContainers = lib.attrByPath [ "virtualisation" "oci-containers" ] { } config;
  podmanContainerUnits =
    if (ociContainers.backend or null) == "podman"
    then map (n: "${ociContainers.containers.${n}.serviceName or "podman-${n}"}.service") (lib.attrNames (ociContainers.containers or { }))
    else [ ];

  # nixpkgs' hardware.nvidia-container-toolkit writes nvidia.com/gpu devices to /run/cdi too (and
  # its unit empties the directory when it restarts): two specs naming nvidia.com/gpu=0 make podman
  # refuse the name.
  nvidiaToolkit = lib.attrByPath [ "hardware" "nvidia-container-toolkit" "enable" ] false config;
  writesNvidia = cfg.vendors == [ ] || lib.elem "nvidia" cfg.vendors;
in
{
  options.services.gpucdi = {
    enable = mkEnableOption "gpucdi: CDI specs for the host's GPUs, regenerated on driver changes, and the isolation hook";

    package = mkOption {
      type = types.package;
      default = pkgs.gpucdi or (throw "services.gpucdi.package: add gpucdi's overlay (overlays.default) or set this option to the flake's packages.<system>.gpucdi");
      defaultText = literalExpression "pkgs.gpucdi";
      description = "The gpucdi package.";
    };

    vendors = mkOption {
      type = types.listOf (types.enum [ "nvidia" "amd" "intel" ]);
      default = [ ];
      example = [ "nvidia" ];
      description = ''
        GPU vendors to write specs for (nvidia.com/gpu, amd.com/gpu, intel.com/gpu).
        Empty: every vendor present on the host.
      '';
    };

    layout = mkOption {
      type = types.enum [ "nix" "fhs" "both" ];
      default = "both";
      description = ''
        Where the NVIDIA driver's files appear in containers: "nix" at /run/opengl-driver (Nix-built
        images find them through their RUNPATH), "fhs" in /usr/lib/<multiarch> (Debian/Ubuntu
        images), "both".
      '';
    };

    outputDir = mkOption {
      type = types.enum [ "/run/cdi" "/etc/cdi" "/var/run/cdi" ];
      default = "/run/cdi";
      description = ''
        Where the specs are written. podman reads /etc/cdi and /var/run/cdi (/run/cdi, the same
        directory on NixOS). /run/cdi is rebuilt at every boot, which suits a spec that describes the
        running driver.
      '';
    };

    driverRoots = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/run/opengl-driver" ];
      description = ''
        Driver install roots or library directories to search (gpucdi --driver-root). Empty:
        gpucdi's default, which includes /run/opengl-driver, where NixOS links the graphics drivers
        (hardware.graphics, hardware.nvidia).
      '';
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "--cdi-version" "0.5.0" ];
      description = "Extra arguments for gpucdi generate.";
    };

    orderContainers = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Order podman.service, podman-restart.service and the podman units of
        virtualisation.oci-containers after gpucdi-generate.service, so that a container asking for
        nvidia.com/gpu=all at boot finds the spec.
      '';
    };

    hook = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Check GPU containers with gpucdi-hook: through the hook entries of the CDI spec and
          through a hooks.d file for every podman container (so GPU nodes added without CDI are
          caught too).
        '';
      };
    };

    policy = {
      mode = mkOption {
        type = types.enum [ "enforce" "audit" ];
        default = "enforce";
        description = ''
          "enforce": a GPU container that breaks a rule does not start. "audit": it starts, and the
          violation is logged (for rollout).
        '';
      };
      allow = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "ns-host-net" ];
        description = "Rule ids (gpucdi-policy.conf(5)) that do not refuse a container on this host.";
      };
      deny = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Rule ids that are off by default and should refuse containers on this host.";
      };
      denyHostNamespaces = mkOption {
        type = types.nullOr (types.listOf (types.enum [ "pid" "ipc" "net" "uts" "cgroup" ]));
        default = null;
        example = [ "pid" "ipc" "net" ];
        description = "Host namespaces a GPU container may not share. null: the hook's defaults.";
      };
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = !(nvidiaToolkit && writesNvidia);
        message = ''
          services.gpucdi and hardware.nvidia-container-toolkit both write nvidia.com/gpu CDI devices
          (into /run/cdi); podman refuses a device name that two specs define. Disable
          hardware.nvidia-container-toolkit, or set services.gpucdi.vendors without "nvidia".
        '';
      }
      {
        assertion = helpers.invalidRuleIds (cfg.policy.allow ++ cfg.policy.deny) == [ ];
        message = "services.gpucdi.policy: not rule ids: ${toString (helpers.invalidRuleIds (cfg.policy.allow ++ cfg.policy.deny))}";
      }
    ];

    environment.systemPackages = [ cfg.package ];

    # /run/opengl-driver is relinked on every activation that changes the driver set (a driver
    # update without a reboot, a new hardware.graphics.extraPackages).
    systemd.paths.gpucdi-refresh = {
      description = "Watch the NixOS driver link for changes (gpucdi)";
      wantedBy = [ "multi-user.target" ];
      pathConfig = {
        PathChanged = [ "/run/opengl-driver" ];
        Unit = "gpucdi-refresh.service";
      };
    };

    services.udev.extraRules = helpers.udevRules {
      inherit (cfg) vendors;
      systemctl = "${config.systemd.package}/bin/systemctl";
    };

    systemd.services = lib.mkMerge [
      {
        # Writes the specs at boot, before podman starts containers. Containers order themselves after
        # it with Wants=/After= (not Requires=: a refresh must not restart them).
        gpucdi-generate = {
          description = "Generate CDI specs for the GPUs (gpucdi)";
          documentation = [ "man:gpucdi-generate(1)" ];
          wantedBy = [ "multi-user.target" ];
          wants = driverUnits;
          after = driverUnits ++ [ "local-fs.target" ];
          before = lib.optionals cfg.orderContainers ([ "podman.service" "podman-restart.service" ] ++ podmanContainerUnits);
          unitConfig.ConditionPathExists = "/sys/bus/pci";
          serviceConfig = sandbox // { RemainAfterExit = true; };
          # A new package (other hook path, other library table) means a new spec.
          restartTriggers = [ cfg.package ];
        };

        # Runs generate again after a driver change; started by udev and by the path unit below.
        gpucdi-refresh = {
          description = "Regenerate CDI specs for the GPUs after a driver change (gpucdi)";
          documentation = [ "man:gpucdi-generate(1)" ];
          after = [ "gpucdi-generate.service" ] ++ driverUnits;
          unitConfig.ConditionPathExists = "/sys/bus/pci";
          serviceConfig = sandbox;
        };
      }
      # Each oci-containers podman unit waits for the spec.
      (mkIf cfg.orderContainers (lib.genAttrs (map (lib.removeSuffix ".service") podmanContainerUnits) (_: {
        wants = [ "gpucdi-generate.service" ];
        after = [ "gpucdi-generate.service" ];
      })))
    ];

    # podman reads /etc/containers/oci/hooks.d besides /usr/share/containers/oci/hooks.d.
    environment.etc."containers/oci/hooks.d/gpucdi-hook.json" = mkIf cfg.hook.enable {
      source = "${cfg.package}/share/containers/oci/hooks.d/gpucdi-hook.json";
    };

    # Root-owned, read-only (a store path): the only thing that can relax the hook's rules.
    environment.etc."gpucdi/policy.conf" = mkIf cfg.hook.enable {
      text = helpers.policyText cfg.policy;
      mode = "0444";
    };

    # Docker reads CDI specs only with this feature on (what hardware.nvidia-container-toolkit does).
    virtualisation.docker.daemon.settings = mkIf
      (config.virtualisation.docker.enable && lib.versionAtLeast config.virtualisation.docker.package.version "25")
      { features.cdi = true; };
  };
}
