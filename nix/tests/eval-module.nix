# Evaluates the NixOS module services.gpucdi without nixpkgs: a small stand-in for nixpkgs' `lib`
# (mkOption, types, mkIf, mkMerge and the list helpers the module uses) is enough to import the
# module, check every option declaration (type, default, description) and compute the units, udev
# rules and policy file it would produce. Evaluates to { "check name" = true|false; ... }.
#
#   nix-instantiate --store dummy:// --eval --strict --json nix/tests/eval-module.nix
#
# The real module system is exercised by `nix flake check ./nix` (checks.<system>.module-units).
let
  inherit (builtins) all any attrNames elem isAttrs isBool isList isString length head
    replaceStrings stringLength substring match filter listToAttrs;

  types = {
    bool = { name = "bool"; check = isBool; };
    str = { name = "str"; check = isString; };
    package = { name = "package"; check = v: isAttrs v && v ? outPath; };
    enum = values: { name = "enum"; inherit values; check = v: elem v values; };
    listOf = t: { name = "listOf"; elemType = t; check = v: isList v && all t.check v; };
    nullOr = t: { name = "nullOr"; elemType = t; check = v: v == null || t.check v; };
  };

  lib = {
    inherit types;
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption = what: { _type = "option"; type = types.bool; default = false; description = "Whether to enable ${what}."; };
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    optional = c: x: if c then [ x ] else [ ];
    optionals = c: xs: if c then xs else [ ];
    inherit elem attrNames;
    attrByPath = path: default: set:
      if path == [ ] then set
      else if isAttrs set && set ? ${head path} then lib.attrByPath (builtins.tail path) default set.${head path}
      else default;
    genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
    removeSuffix = suffix: s:
      let ls = stringLength s; lx = stringLength suffix;
      in if lx <= ls && substring (ls - lx) lx s == suffix then substring 0 (ls - lx) s else s;
    versionAtLeast = a: b: builtins.compareVersions a b >= 0;
  };

  pkgs = { gpucdi = { outPath = "/nix/store/00000000000000000000000000000000-gpucdi-0.1.0"; }; };
  pkgPath = pkgs.gpucdi.outPath;

  module = import ../module;
  declared = (module { config = { }; inherit lib pkgs; }).options.services.gpucdi;

  # Option tree -> { path = option } (flattened), and the defaults as a config tree.
  isOption = v: isAttrs v && (v._type or null) == "option";
  flatten = prefix: set: builtins.foldl' (acc: n:
    let v = set.${n}; p = if prefix == "" then n else "${prefix}.${n}";
    in acc // (if isOption v then { ${p} = v; } else flatten p v)) { } (attrNames set);
  options = flatten "" declared;
  defaults = set: builtins.mapAttrs (n: v: if isOption v then v.default else defaults v) set;

  # Evaluate the module's config for a configuration (defaults // overrides).
  evalWith = overrides: hostConfig:
    let
      cfg = defaults declared // { enable = true; package = pkgs.gpucdi; } // overrides;
      config = hostConfig // { services.gpucdi = cfg; systemd.package = "/nix/store/fake-systemd"; };
      result = (module { inherit config lib pkgs; }).config;
    in
    assert result._type == "if" && result.condition;
    result.content;

  host = {
    hardware.nvidia.nvidiaPersistenced = true;
    virtualisation.oci-containers = { backend = "podman"; containers = { ollama = { }; whisper = { serviceName = "llm-whisper"; }; }; };
    virtualisation.docker.enable = false;
  };
  c = evalWith { } host;
  services = (head c.systemd.services.contents);
  containerOrdering = (builtins.elemAt c.systemd.services.contents 1);
  gen = services.gpucdi-generate;
  refresh = services.gpucdi-refresh;

  audit = evalWith {
    vendors = [ "amd" ];
    layout = "nix";
    outputDir = "/etc/cdi";
    hook.enable = false;
    driverRoots = [ "/opt/rocm" ];
    policy = { mode = "audit"; allow = [ "ns-host-net" "cap-sys-ptrace" ]; deny = [ ]; denyHostNamespaces = [ "pid" "ipc" ]; };
  } (host // { hardware.nvidia.nvidiaPersistenced = false; virtualisation.oci-containers = { backend = "docker"; containers = { x = { }; }; }; });
  auditServices = head audit.systemd.services.contents;

  helpers = import ../module/lib.nix;
  # Plain substring search (Nix regexes are POSIX ERE, awkward for udev syntax).
  contains = needle: haystack:
    let
      ln = stringLength needle;
      lh = stringLength haystack;
      go = i: i + ln <= lh && (substring i ln haystack == needle || go (i + 1));
    in
    go 0;
  lines = s: filter isString (builtins.split "\n" s);
in
{
  # Option declarations
  "every option has a type, a default and a description" =
    all (o: o ? type && o ? default && isString (o.description or null) && o.description != "") (builtins.attrValues options);
  "every default satisfies its type (except package, which needs nixpkgs)" =
    all (p: p == "package" || options.${p}.type.check options.${p}.default) (attrNames options);
  "options are the documented ones" = attrNames options == [
    "driverRoots" "enable" "extraArgs" "hook.enable" "layout" "orderContainers" "outputDir" "package"
    "policy.allow" "policy.deny" "policy.denyHostNamespaces" "policy.mode" "vendors"
  ];
  "vendors: a list of nvidia, amd, intel" = options.vendors.type.name == "listOf" && options.vendors.type.elemType.values == [ "nvidia" "amd" "intel" ];
  "layout: nix, fhs or both, default both" = options.layout.type.values == [ "nix" "fhs" "both" ] && options.layout.default == "both";
  "outputDir: a directory podman reads, default /run/cdi" = options.outputDir.default == "/run/cdi" && all (d: elem d [ "/etc/cdi" "/run/cdi" "/var/run/cdi" ]) options.outputDir.type.values;
  "policy.mode: enforce or audit, default enforce" = options."policy.mode".type.values == [ "enforce" "audit" ] && options."policy.mode".default == "enforce";
  "hook enabled by default" = options."hook.enable".default;
  "a wrong value is refused by the type" = !(options.layout.type.check "usr") && !(options.vendors.type.check [ "nvidia" "matrox" ]);

  # The units
  "generate runs the package's gpucdi with the hook" = gen.serviceConfig.ExecStart ==
    "${pkgPath}/bin/gpucdi 'generate' '--output-dir' '/run/cdi' '--layout' 'both' '--hook-path' '${pkgPath}/libexec/gpucdi/gpucdi-hook'";
  "generate is a oneshot that stays active" = gen.serviceConfig.Type == "oneshot" && gen.serviceConfig.RemainAfterExit;
  "refresh runs the same command and does not stay active" =
    refresh.serviceConfig.ExecStart == gen.serviceConfig.ExecStart && !(refresh.serviceConfig ? RemainAfterExit);
  "generate runs before podman and the oci-containers units" =
    all (u: elem u gen.before) [ "podman.service" "podman-restart.service" "podman-ollama.service" "llm-whisper.service" ];
  "oci-containers units want and follow generate" =
    containerOrdering.condition && containerOrdering.content.podman-ollama.after == [ "gpucdi-generate.service" ]
    && containerOrdering.content.llm-whisper.wants == [ "gpucdi-generate.service" ];
  "a container's serviceName is honoured, no unit is made up" =
    attrNames containerOrdering.content == [ "llm-whisper" "podman-ollama" ];
  "hardware.nvidia-container-toolkit with NVIDIA specs fails an assertion" =
    let t = evalWith { } (host // { hardware.nvidia-container-toolkit.enable = true; });
    in any (a: !a.assertion && contains "hardware.nvidia-container-toolkit" a.message) t.assertions;
  "hardware.nvidia-container-toolkit beside AMD-only specs is fine" =
    let t = evalWith { vendors = [ "amd" ]; } (host // { hardware.nvidia-container-toolkit.enable = true; });
    in all (a: a.assertion) t.assertions;
  "without hardware.nvidia-container-toolkit the assertions hold" = all (a: a.assertion) c.assertions;
  "generate follows module loading and nvidia-persistenced" =
    elem "systemd-modules-load.service" gen.after && elem "nvidia-persistenced.service" gen.after;
  "sandboxed: read-only system, no network, no capabilities, spec dir writable" =
    gen.serviceConfig.ProtectSystem == "strict" && gen.serviceConfig.PrivateNetwork
    && gen.serviceConfig.CapabilityBoundingSet == "" && gen.serviceConfig.ReadWritePaths == [ "-/run/cdi" ]
    && gen.serviceConfig.RuntimeDirectory == "cdi";
  "path unit watches /run/opengl-driver" = c.systemd.paths.gpucdi-refresh.pathConfig.PathChanged == [ "/run/opengl-driver" ];
  "udev starts the refresh unit for every vendor's modules, GPU binds and DRM nodes" =
    let r = c.services.udev.extraRules; in
    contains ''KERNEL=="nvidia|nvidia_uvm|nvidia_modeset|nvidia_drm|amdgpu|i915|xe"'' r
    && contains ''ATTR{vendor}=="0x10de|0x1002|0x8086"'' r
    && contains ''SUBSYSTEM=="kfd"'' r
    && all (l: l == "" || contains ''RUN+="/nix/store/fake-systemd/bin/systemctl --no-block start gpucdi-refresh.service"'' l) (lines r);
  "hooks.d file comes from the package" =
    c.environment.etc."containers/oci/hooks.d/gpucdi-hook.json".condition
    && c.environment.etc."containers/oci/hooks.d/gpucdi-hook.json".content.source == "${pkgPath}/share/containers/oci/hooks.d/gpucdi-hook.json";
  "default policy enforces every rule" = c.environment.etc."gpucdi/policy.conf".content.text ==
    "# Generated by the NixOS module services.gpucdi; see gpucdi-policy.conf(5).\nmode = enforce\n";
  "policy is read-only for everyone" = c.environment.etc."gpucdi/policy.conf".content.mode == "0444";
  "docker CDI feature left alone when docker is off" = c.virtualisation.docker.daemon.settings.condition == false;
  "package installed" = c.environment.systemPackages == [ pkgs.gpucdi ];

  # Another configuration
  "amd only, nix layout, /etc/cdi, no hook, extra driver root" = auditServices.gpucdi-generate.serviceConfig.ExecStart ==
    "${pkgPath}/bin/gpucdi 'generate' '--output-dir' '/etc/cdi' '--layout' 'nix' '--vendor' 'amd' '--no-hook' '--driver-root' '/opt/rocm'";
  "no hook: no hooks.d file, no policy file" =
    !audit.environment.etc."containers/oci/hooks.d/gpucdi-hook.json".condition && !audit.environment.etc."gpucdi/policy.conf".condition;
  "udev rules only for the selected vendor" =
    contains ''KERNEL=="amdgpu"'' audit.services.udev.extraRules && !(contains "nvidia" audit.services.udev.extraRules);
  "no nvidia-persistenced ordering without it" = !(elem "nvidia-persistenced.service" auditServices.gpucdi-generate.after);
  "docker-backed oci-containers are not ordered" = !(elem "podman-x.service" auditServices.gpucdi-generate.before);
  "audit policy with allowed rules and host namespaces" = helpers.policyText {
    mode = "audit"; allow = [ "ns-host-net" "cap-sys-ptrace" ]; deny = [ "x-y" ]; denyHostNamespaces = [ "pid" "ipc" ];
  } == "# Generated by the NixOS module services.gpucdi; see gpucdi-policy.conf(5).\nmode = audit\nallow = ns-host-net cap-sys-ptrace\ndeny = x-y\ndeny-host-ns = pid ipc\n";
  "rule ids are checked" = helpers.invalidRuleIds [ "ns-host-net" "Bad Rule" "a;b" "-x" ] == [ "Bad Rule" "a;b" "-x" ];
  "assertion fails on a malformed rule id" =
    let bad = evalWith { policy = { mode = "enforce"; allow = [ "oops!" ]; deny = [ ]; denyHostNamespaces = null; }; } host;
    in any (a: !a.assertion && contains "not rule ids" a.message) bad.assertions;
  "arguments are quoted for systemd" = helpers.execLine "/bin/x" [ "a b" "it's" "back\\slash" ] == "/bin/x 'a b' 'it\\'s' 'back\\\\slash'";
}
