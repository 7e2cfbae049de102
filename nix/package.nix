# gpucdi built with meson from the repository, against nixpkgs' pciutils, libdrm, jansson and
# systemd's libudev. The tests that need neither root nor podman run in checkPhase.
{ lib
, stdenv
, meson
, ninja
, pkg-config
, scdoc
, pciutils
, libdrm
, jansson
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
  buildInputs = [ pciutils libdrm jansson (if systemdLibs != null then systemdLibs else udev) ];

  # The hook's default policy installs to /etc/gpucdi, outside the prefix, which a Nix build cannot
  # write; on NixOS the module writes /etc/gpucdi/policy.conf, so keep the commented default as
  # documentation.
  # Test scripts start with #!/bin/bash or #!/usr/bin/python3, absent in the build sandbox.
  postPatch = ''
    patchShebangs --build .
    substituteInPlace hook/meson.build \
      --replace-fail "install_dir: fs.parent(get_option('policyfile'))" \
                     "install_dir: get_option('datadir') / 'doc' / 'gpucdi'"
    substituteInPlace docs/meson.build \
      --replace-fail "policy_installed = get_option('policyfile')" \
                     "policy_installed = prefix / get_option('datadir') / 'doc' / 'gpucdi' / 'policy.conf'"
  '';

  mesonFlags = [
    # Install everything under $out: the NixOS module links what it needs into /etc.
    "-Dhooksdir=${placeholder "out"}/share/containers/oci/hooks.d"
    "-Dsystemdsystemunitdir=${placeholder "out"}/lib/systemd/system"
    "-Dudevrulesdir=${placeholder "out"}/lib/udev/rules.d"
    "-Dbashcompletiondir=${placeholder "out"}/share/bash-completion/completions"
  ];

  doCheck = true;
  nativeCheckInputs = [ (python3.withPackages (ps: [ ps.jsonschema ps.pyyaml ])) umockdev ];
  # Suites: unit, cdi, hosts, hook, docs, examples, packaging run here; e2e needs root and podman.
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
