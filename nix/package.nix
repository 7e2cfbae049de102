# gpucdi built with meson from the repository, against nixpkgs' pciutils, libdrm, jansson and
# systemd's libudev, and libyaml (to read other tools' YAML specs). The tests that need neither root nor podman run in checkPhase.
{ lib
, stdenv
, meson
, ninja
, pkg-config
, scdoc
, pciutils
, libdrm
, jansson
, libyaml
, systemdLibs ? null
, udev ? null
, python3
, umockdev
, src
, version
}:

stdenv.mkDerivation {
  pname = "gpucdi";
  inherit version src;

  nativeBuildInputs = [ meson ninja pkg-config scdoc ];
  buildInputs = [ pciutils libdrm jansson libyaml (if systemdLibs != null then systemdLibs else udev) ];

  # Test scripts start with #!/bin/bash or #!/usr/bin/python3, absent in the build sandbox.
  postPatch = ''
    patchShebangs --build .
  '';

  mesonFlags = [
    # Install everything under $out: the NixOS module links what it needs into /etc.
    "-Dhooksdir=${placeholder "out"}/share/containers/oci/hooks.d"
    # The hook reads the policy the NixOS module writes. It is outside the prefix, so meson install
    # leaves it alone and puts the commented default in share/doc/gpucdi only.
    "-Dpolicyfile=/etc/gpucdi/policy.conf"
    "-Dsystemdsystemunitdir=${placeholder "out"}/lib/systemd/system"
    "-Dudevrulesdir=${placeholder "out"}/lib/udev/rules.d"
    "-Dbashcompletiondir=${placeholder "out"}/share/bash-completion/completions"
  ];

  doCheck = true;
  nativeCheckInputs = [ (python3.withPackages (ps: [ ps.jsonschema ps.pyyaml ])) umockdev ];
  # Suites: unit, cdi, hosts, hook, docs, examples, packaging, faults, fuzz run here; e2e needs root
  # and podman. CI runs the same command the way this builder does (.ci/stage-nix-builder).
  checkPhase = ''
    runHook preCheck
    meson test --no-rebuild --print-errorlogs --no-suite e2e
    runHook postCheck
  '';

  meta = {
    description = "CDI specs and an isolation hook for GPUs in podman containers, Nix images included";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "gpucdi";
  };
}
