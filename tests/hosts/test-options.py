#!/usr/bin/python3
"""gpucdi generate's options and usage errors, on fixture hosts from mkhost.py (TAP).

usage: test-options.py --gpucdi BIN --mkhost MKHOST [--arch CPU_FAMILY]
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import Tap, host_exe, host_roots, make_host, parse_args, run  # noqa: E402


def main():
    a = parse_args("the option tests")
    t = Tap()
    # The fixtures hold empty files where device nodes would be (no mknod): accept them as nodes.
    os.environ["GPUCDI_ACCEPT_PLAIN_NODES"] = "1"
    tmp = tempfile.mkdtemp(prefix="gpucdi-options-")
    try:
        hosts = {}
        for name in ("h100", "mixed", "nixos"):
            hosts[name] = host_roots(make_host(a.mkhost, name, os.path.join(tmp, name)))

        def gen(host, *args):
            return run([*host_exe(a.gpucdi), "generate", *hosts[host], "--no-hook", *args])

        def spec_of(r):
            try:
                return json.loads(r.stdout)
            except ValueError:
                return {}

        def cpaths(spec):
            return [m["containerPath"] for m in spec.get("containerEdits", {}).get("mounts", [])]

        # cdiVersion: the lowest the content needs; forcing a lower one is refused with the reason.
        r = gen("h100", "--output", "-")
        t.ok(r.returncode == 0 and spec_of(r).get("cdiVersion") == "0.5.0",
             "h100: cdiVersion is 0.5.0 (device names start with a digit; hostPath)", r.stderr)
        r = gen("h100", "--output", "-", "--cdi-version", "0.3.0")
        t.ok(r.returncode == 2 and "0.5.0" in r.stderr and "--cdi-version" in r.stderr and r.stdout == "",
             "--cdi-version 0.3.0 is refused, naming the version the content needs", r.stderr)
        r = gen("h100", "--output", "-", "--cdi-version", "0.6.0")
        t.ok(r.returncode == 0 and spec_of(r).get("cdiVersion") == "0.6.0",
             "--cdi-version 0.6.0 is honoured (higher than needed is allowed)", r.stderr)
        r = gen("h100", "--output", "-", "--cdi-version", "9.9.9")
        t.ok(r.returncode == 2 and "9.9.9" in r.stderr, "--cdi-version 9.9.9 is a usage error", r.stderr)

        # Layouts.
        nix = cpaths(spec_of(gen("h100", "--output", "-", "--layout", "nix")))
        t.ok(nix and all(p.startswith("/run/opengl-driver/") for p in nix)
             and "/run/opengl-driver/lib/libcuda.so.1" in nix
             and "/run/opengl-driver/lib/libcuda.so.580.159.04" in nix,
             "--layout nix: every file under /run/opengl-driver, libcuda under soname and file name", nix)
        fhs = cpaths(spec_of(gen("h100", "--output", "-", "--layout", "fhs")))
        t.ok(fhs and not any(p.startswith("/run/opengl-driver/") for p in fhs)
             and "/usr/lib/x86_64-linux-gnu/libcuda.so.1" in fhs and "/usr/bin/nvidia-smi" in fhs,
             "--layout fhs: libraries in the multiarch dir, nvidia-smi in /usr/bin", fhs)
        t.ok("/usr/lib64/libcuda.so.1" in fhs and "/usr/lib64/libnvidia-ml.so.1" in fhs
             and not any(p.startswith("/usr/lib64/") and not p.startswith("/usr/lib64/lib") for p in fhs)
             and "/usr/lib64/nvidia-smi" not in fhs,
             "--layout fhs: the libraries also in /usr/lib64, which RHEL-family loaders search", fhs)
        both = cpaths(spec_of(gen("h100", "--output", "-")))
        t.ok(sorted(both) == sorted(nix + fhs), "default layout is both: the union of nix and fhs", "")
        lib64 = cpaths(spec_of(gen("h100", "--output", "-", "--layout", "fhs", "--fhs-libdir", "/usr/lib64")))
        t.ok("/usr/lib64/libcuda.so.1" in lib64 and not any("x86_64-linux-gnu" in p for p in lib64),
             "--fhs-libdir /usr/lib64 moves the FHS libraries", lib64)
        r = gen("h100", "--output", "-", "--layout", "flat")
        t.ok(r.returncode == 2 and "--layout" in r.stderr, "--layout flat is a usage error", r.stderr)

        # --output FILE, and --output with several vendors.
        out = os.path.join(tmp, "one.json")
        r = gen("h100", "--output", out)
        t.ok(r.returncode == 0 and json.load(open(out))["kind"] == "nvidia.com/gpu"
             and oct(os.stat(out).st_mode & 0o777) == "0o644", "--output FILE writes the spec, mode 0644", r.stderr)
        r = gen("mixed", "--output", "-")
        t.ok(r.returncode == 2 and "--vendor" in r.stderr and r.stdout == "",
             "--output - on a three-vendor host asks for --vendor", r.stderr)
        r = gen("mixed", "--output", "-", "--vendor", "amd")
        spec = spec_of(r)
        t.ok(r.returncode == 0 and spec.get("kind") == "amd.com/gpu"
             and {"path": "/dev/kfd", "hostPath": f"{tmp}/mixed/dev/kfd"} in spec["containerEdits"]["deviceNodes"],
             "--vendor amd: the AMD spec, /dev/kfd shared by every device", r.stderr)
        r = gen("mixed", "--output", "-", "--vendor", "matrox")
        t.ok(r.returncode == 2 and "matrox" in r.stderr, "--vendor matrox is a usage error", r.stderr)
        r = gen("mixed", "--output", "-", "--vendor", ",")
        t.ok(r.returncode == 2 and r.stdout == "", "--vendor ',' (no vendor at all) is a usage error", r.stderr)

        # --output-dir: one file per vendor; a vendor that disappears loses its spec; others' files stay.
        cdi = os.path.join(tmp, "cdi")
        os.makedirs(cdi)
        other = os.path.join(cdi, "vendor-tool.json")
        with open(other, "w") as f:
            f.write('{"cdiVersion":"0.3.0","kind":"example.com/gpu","devices":[]}\n')
        r = gen("mixed", "--output-dir", cdi)
        names = sorted(n for n in os.listdir(cdi) if n.endswith(".json"))
        t.ok(r.returncode == 0 and names == ["gpucdi-amd.json", "gpucdi-intel.json", "gpucdi-nvidia.json",
                                              "vendor-tool.json"], "mixed: three specs written", names)
        amd_pci = "0000:03:00.0"
        shutil.rmtree(f"{tmp}/mixed/sys/devices/pci0000:00/{amd_pci}", ignore_errors=True)
        os.unlink(f"{tmp}/mixed/sys/bus/pci/devices/{amd_pci}")
        r = gen("mixed", "--output-dir", cdi)
        names = sorted(n for n in os.listdir(cdi) if n.endswith(".json"))
        t.ok(r.returncode == 0 and "gpucdi-amd.json" not in names and "removed" in r.stdout
             and "vendor-tool.json" in names and "gpucdi-nvidia.json" in names,
             "the AMD GPU gone: its spec is removed, the other tool's file is not", f"{names}\n{r.stdout}{r.stderr}")
        t.ok(open(other).read().startswith('{"cdiVersion":"0.3.0","kind":"example.com/gpu"'),
             "the other tool's file is byte-for-byte untouched")
        r = gen("h100", "--output-dir", cdi, "--vendor", "intel")
        names = sorted(n for n in os.listdir(cdi) if n.endswith(".json"))
        t.ok(r.returncode == 0 and "gpucdi-intel.json" not in names and "gpucdi-nvidia.json" in names
             and "no usable NVIDIA, AMD or Intel GPU found for the selected vendors" in r.stdout,
             "--vendor intel on a host without Intel: removes only the Intel spec, and says so", f"{names}\n{r.stdout}")

        # An NVIDIA GPU passed through to VMs (vfio-pci, nvidia module not loaded) is listed by probe
        # but stops neither the other vendors' specs nor generate.
        nv = f"{tmp}/mixed/sys/devices/pci0000:00/0000:01:00.0/driver"
        os.unlink(nv)
        os.symlink("../../../bus/pci/drivers/vfio-pci", nv)
        shutil.rmtree(f"{tmp}/mixed/proc/driver/nvidia")
        r = gen("mixed", "--output-dir", cdi)
        names = sorted(n for n in os.listdir(cdi) if n.endswith(".json"))
        t.ok(r.returncode == 0 and "gpucdi-nvidia.json" not in names and "gpucdi-intel.json" in names,
             "an NVIDIA GPU on vfio-pci without the nvidia module: no NVIDIA spec, the Intel one written",
             f"{names}\n{r.stdout}{r.stderr}")
        r = run([*host_exe(a.gpucdi), "probe", "--json", *host_roots(os.path.join(tmp, "mixed"), state=False)])
        gpus = json.loads(r.stdout)["gpus"] if r.returncode == 0 else []
        t.ok([g["index"] for g in gpus if g["vendor"] == "nvidia"] == [None]
             and [g["driver"] for g in gpus if g["vendor"] == "nvidia"] == ["vfio-pci"],
             "probe lists it on vfio-pci with no device index", r.stdout + r.stderr)

        # Usable GPUs none of which has a device node: no spec (an "all" device with empty edits
        # would make podman refuse the whole file), and a stale one is removed.
        d = make_host(a.mkhost, "intel", os.path.join(tmp, "intel-nonodes"))
        iroots = host_roots(d) + ["--no-hook"]
        out = os.path.join(tmp, "intel-specs")
        r = run([*host_exe(a.gpucdi), "generate", *iroots, "--output-dir", out])
        had = os.path.exists(os.path.join(out, "gpucdi-intel.json"))
        shutil.rmtree(os.path.join(d, "sys", "class", "drm"))
        r = run([*host_exe(a.gpucdi), "generate", *iroots, "--output-dir", out])
        t.ok(had and r.returncode == 75 and not os.path.exists(os.path.join(out, "gpucdi-intel.json"))
             and "no device node" in r.stderr and "removed" in r.stdout,
             "GPUs without device nodes get no spec, the stale one is removed, exit 75 (incomplete)",
             f"{r.returncode}\n{r.stdout}{r.stderr}")
        r = run([*host_exe(a.gpucdi), "generate", *iroots, "--output", "-"])
        t.ok(r.returncode == 75 and r.stdout == "" and "no usable GPU" in r.stderr,
             "--output with GPUs lacking device nodes writes nothing (exit 75)", r.stdout + r.stderr)

        # A GPU whose /dev/nvidiaN is missing gets no device: a spec naming an absent node would make
        # podman fail every container that asks for it.
        os.unlink(f"{tmp}/h100/dev/nvidia0")
        r = gen("h100", "--output", "-", "--no-create-nodes")
        t.ok(r.returncode == 75 and r.stdout == "" and "0000:00:06.0" in r.stderr and "dev/nvidia0 is missing" in r.stderr,
             "h100 without /dev/nvidia0 (--no-create-nodes): no spec, a warning naming the GPU and node, exit 75",
             f"{r.returncode}\n{r.stderr}")
        # --output names: podman reads .json and .yaml; gpucdi writes JSON, so only .json.
        for bad in ("/etc/cdi/nvidia.yaml", f"{tmp}/spec", f"{tmp}/x.yml"):
            r = gen("h100", "--output", bad)
            t.ok(r.returncode == 2 and ".json" in r.stderr and not os.path.exists(bad),
                 f"--output {os.path.basename(bad)} is refused with a hint to use .json", r.stderr)

        # A loader JSON file naming its library by a host path is rewritten per layout; a broken one
        # is host data (exit 3) named in the message, and nothing is written.
        r = gen("nixos", "--output", "-")
        spec = spec_of(r)
        icd = {m["containerPath"]: m["hostPath"] for m in spec.get("containerEdits", {}).get("mounts", [])}
        nix_icd = icd.get("/run/opengl-driver/share/vulkan/icd.d/nvidia_icd.json", "")
        t.ok(r.returncode == 0 and nix_icd == f"{tmp}/nixos/state/nix-nvidia_icd.json.loader"
             and json.load(open(nix_icd))["ICD"]["library_path"] == "/run/opengl-driver/lib/libGLX_nvidia.so.0",
             "nixos: the Vulkan ICD is a rewritten copy naming /run/opengl-driver/lib/libGLX_nvidia.so.0", r.stderr)
        store = f"{tmp}/nixos/root/nix/store"
        broken = [os.path.join(dp, f) for dp, _, fs in os.walk(store) for f in fs
                  if f == "nvidia_icd.json" and "nvidia-x11" in dp][0]
        with open(broken, "w") as f:
            f.write('{"ICD": {"library_path": ')
        out = os.path.join(tmp, "nixos-broken.json")
        r = gen("nixos", "--output", out)
        t.ok(r.returncode == 3 and "nvidia_icd.json" in r.stderr and "reinstall the driver" in r.stderr
             and not os.path.exists(out), "a truncated loader JSON file: exit 3 naming it, no spec written", r.stderr)

        # Usage errors name what is wrong.
        r = run([*host_exe(a.gpucdi), "generate", *hosts["h100"], "--hook-path", f"{tmp}/no-such-hook", "--output", "-"])
        t.ok(r.returncode == 2 and "hook" in r.stderr and "--no-hook" in r.stderr,
             "a hook path that is not installed is refused, naming --hook-path/--no-hook", r.stderr)
        r = run([*host_exe(a.gpucdi), "probe", "--dev-root", f"{tmp}/does-not-exist"])
        t.ok(r.returncode == 2 and "--dev-root" in r.stderr and "does-not-exist" in r.stderr,
             "a missing root is a usage error naming the option and path", r.stderr)
        r = run([*host_exe(a.gpucdi), "frobnicate"])
        t.ok(r.returncode == 2 and "frobnicate" in r.stderr, "an unknown verb is a usage error", r.stderr)
        r = run([*host_exe(a.gpucdi), "probe", "extra"])
        t.ok(r.returncode == 2 and "extra" in r.stderr, "a stray argument is a usage error", r.stderr)
        r = run([*host_exe(a.gpucdi), "--version"])
        t.ok(r.returncode == 0 and r.stdout.startswith("gpucdi "), "--version prints one line", r.stdout)
        r = run([*host_exe(a.gpucdi), "generate", "--help"])
        t.ok(r.returncode == 0 and "--layout" in r.stdout, "generate --help describes the options", r.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
