#!/usr/bin/python3
"""gpucdi generate checks every device node against the kernel, and makes NVIDIA's (TAP).

The boot sequence (GPU in sysfs, nodes later), stale and fake nodes, nvidia-uvm loaded without its
node, nvidia-uvm not loaded, MIG capability nodes. Node creation and wrong major:minor need mknod:
those checks run as root only and print SKIP otherwise.

usage: test-nodes.py --gpucdi BIN --mkhost MKHOST
"""
import json
import os
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import ROOT, Tap, host_exe, host_roots, make_host, parse_args, run  # noqa: E402
INCOMPLETE = 75


def node_paths(spec, device=None):
    if device is None:
        edits = [spec.get("containerEdits", {})] + [d["containerEdits"] for d in spec.get("devices", [])]
    else:
        edits = [d["containerEdits"] for d in spec.get("devices", []) if d["name"] == device]
    return sorted({n["path"] for e in edits for n in e.get("deviceNodes", [])})


def make_node(path, major, minor, mode=0o666):
    """A character device as root, an empty stand-in file otherwise."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if ROOT:
        os.mknod(path, stat.S_IFCHR | mode, os.makedev(major, minor))
        os.chmod(path, mode)
    else:
        open(path, "w").close()


def main():
    a = parse_args("these tests")
    t = Tap()
    env = dict(os.environ)
    if not ROOT:
        env["GPUCDI_ACCEPT_PLAIN_NODES"] = "1"  # the fixtures' nodes are empty files
    tmp = tempfile.mkdtemp(prefix="gpucdi-nodes-")
    try:
        def host(name, label=None):
            return make_host(a.mkhost, name, os.path.join(tmp, label or name), mknod=ROOT)

        def gen(d, *args, environ=None):
            return run([*host_exe(a.gpucdi), "generate", *host_roots(d), "--no-hook", *args], env=environ or env)

        def spec_of(path):
            try:
                with open(path) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None

        # --- Boot: the GPU is in sysfs before udev has made its nodes. ---
        d = host("intel")
        out = os.path.join(tmp, "cdi-intel")
        saved = os.path.join(tmp, "intel-dri")
        shutil.move(f"{d}/dev/dri", saved)
        r = gen(d, "--output-dir", out)
        spec = spec_of(f"{out}/gpucdi-intel.json")
        t.ok(r.returncode == INCOMPLETE and spec is None and "0000:00:02.0" in r.stderr
             and "dev/dri/card0 is missing" in r.stderr,
             "boot, no /dev/dri yet: exit 75, no Intel spec, a warning naming the GPU and its node",
             f"exit {r.returncode}\n{r.stdout}{r.stderr}")
        # udev makes the card node first, then the render node: still incomplete in between.
        os.makedirs(f"{d}/dev/dri")
        make_node(f"{d}/dev/dri/card0", 226, 0, 0o660)
        r = gen(d, "--output-dir", out)
        t.ok(r.returncode == INCOMPLETE and spec_of(f"{out}/gpucdi-intel.json") is None
             and "renderD128 is missing" in r.stderr,
             "card0 there, renderD128 not yet: still left out, exit 75", f"exit {r.returncode}\n{r.stderr}")
        make_node(f"{d}/dev/dri/renderD128", 226, 128)
        r = gen(d, "--output-dir", out)
        spec = spec_of(f"{out}/gpucdi-intel.json") or {}
        t.ok(r.returncode == 0 and node_paths(spec, "0") == ["/dev/dri/card0", "/dev/dri/renderD128"],
             "the nodes appeared (the udev rule runs generate again): exit 0, the spec is complete",
             f"exit {r.returncode}\n{r.stderr}\n{node_paths(spec)}")

        # A plain file where the node should be is not a node, whatever its name.
        r = gen(d, "--output", "-", environ={k: v for k, v in env.items() if k != "GPUCDI_ACCEPT_PLAIN_NODES"})
        if ROOT:
            os.unlink(f"{d}/dev/dri/renderD128")
            open(f"{d}/dev/dri/renderD128", "w").close()
            r = gen(d, "--output", "-")
            t.ok(r.returncode == INCOMPLETE and "renderD128 is not a character device" in r.stderr and r.stdout == "",
                 "a regular file at /dev/dri/renderD128: the GPU is left out", f"exit {r.returncode}\n{r.stderr}")
            os.unlink(f"{d}/dev/dri/renderD128")
            make_node(f"{d}/dev/dri/renderD128", 226, 129)
            r = gen(d, "--output", "-")
            t.ok(r.returncode == INCOMPLETE and "renderD128 is wrong major:minor" in r.stderr and r.stdout == "",
                 "renderD128 with 226:129 where sysfs says 226:128: the GPU is left out", f"exit {r.returncode}\n{r.stderr}")
        else:
            t.ok(r.returncode == INCOMPLETE and "not a character device" in r.stderr and r.stdout == "",
                 "empty files where nodes should be are not nodes: the GPU is left out", f"exit {r.returncode}\n{r.stderr}")
            t.skip("a stale node with the wrong major:minor is left out", "not root: cannot mknod")

        # --- nvidia-uvm loaded (major in /proc/devices), its nodes never made. ---
        d = host("h100", "h100-nouvm")
        for n in ("nvidia-uvm", "nvidia-uvm-tools"):
            os.unlink(f"{d}/dev/{n}")
        out = os.path.join(tmp, "cdi-h100")
        r = gen(d, "--output-dir", out, "--no-create-nodes")
        t.ok(r.returncode == 3 and spec_of(f"{out}/gpucdi-nvidia.json") is None
             and "dev/nvidia-uvm is missing" in r.stderr and "nvidia-modprobe -u -c 0" in r.stderr
             and ("as root" in r.stderr) != ROOT,
             "nvidia-uvm loaded, no /dev/nvidia-uvm, --no-create-nodes: exit 3, no spec, the node and the command "
             "that creates it named" + (" (no advice to run as root: we are)" if ROOT else " (and to run as root)"),
             f"exit {r.returncode}\n{r.stderr}")
        if ROOT:
            r = gen(d, "--output-dir", out)
            st = os.stat(f"{d}/dev/nvidia-uvm") if os.path.exists(f"{d}/dev/nvidia-uvm") else None
            st2 = os.stat(f"{d}/dev/nvidia-uvm-tools") if os.path.exists(f"{d}/dev/nvidia-uvm-tools") else None
            ok = (st and stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 238 and os.minor(st.st_rdev) == 0
                  and stat.S_IMODE(st.st_mode) == 0o666 and st.st_uid == 0 and st.st_gid == 0
                  and st2 and os.minor(st2.st_rdev) == 1)
            spec = spec_of(f"{out}/gpucdi-nvidia.json") or {}
            t.ok(r.returncode == 0 and ok and "/dev/nvidia-uvm" in node_paths(spec)
                 and "created" in r.stderr,
                 "as root: /dev/nvidia-uvm (238:0) and -tools (238:1) created 0666 root:root, and in the spec",
                 f"exit {r.returncode}\n{r.stderr}")
            # A stale node (a major from an earlier load) is replaced.
            os.unlink(f"{d}/dev/nvidia-uvm")
            make_node(f"{d}/dev/nvidia-uvm", 237, 0)
            r = gen(d, "--output", "-")
            st = os.stat(f"{d}/dev/nvidia-uvm")
            t.ok(r.returncode == 0 and os.major(st.st_rdev) == 238,
                 "as root: a stale /dev/nvidia-uvm (237:0, major now 238) is replaced", r.stderr)
        else:
            t.skip("as root: the missing nodes are created", "not root: cannot mknod")
            t.skip("as root: a stale node is replaced", "not root: cannot mknod")

        # --- nvidia-uvm not loaded at all: the spec is written, but never silently. ---
        d = host("h100", "h100-nouvm-module")
        for n in ("nvidia-uvm", "nvidia-uvm-tools"):
            os.unlink(f"{d}/dev/{n}")
        with open(f"{d}/proc/devices") as f:
            lines = [l for l in f if not l.rstrip().endswith(" nvidia-uvm")]
        os.chmod(f"{d}/proc/devices", 0o644)
        with open(f"{d}/proc/devices", "w") as f:
            f.writelines(lines)
        r = gen(d, "--output", "-")
        try:
            spec = json.loads(r.stdout)
        except ValueError:
            spec = {}
        t.ok(r.returncode == INCOMPLETE and "nvidia-uvm module is not loaded" in r.stderr
             and "modprobe nvidia-uvm" in r.stderr and "/dev/nvidiactl" in node_paths(spec)
             and "/dev/nvidia-uvm" not in node_paths(spec),
             "nvidia-uvm not loaded: the spec (without it) is written, a warning says CUDA cannot work, exit 75",
             f"exit {r.returncode}\n{r.stderr}")

        # --- MIG: capability nodes the driver numbered but nobody created. ---
        d = host("h100-mig")
        shutil.rmtree(f"{d}/dev/nvidia-caps")
        r = gen(d, "--output", "-", "--no-create-nodes")
        try:
            spec = json.loads(r.stdout)
        except ValueError:
            spec = {}
        names = [x["name"] for x in spec.get("devices", [])]
        t.ok(r.returncode == INCOMPLETE and "0" in names and "0:0" not in names and "gi1/ci0" in r.stderr
             and "nvidia-cap12 is missing" in r.stderr,
             "MIG, no capability nodes, --no-create-nodes: the GPU stays, its MIG devices are left out, exit 75",
             f"exit {r.returncode}\n{r.stderr}\n{names}")
        if ROOT:
            r = gen(d, "--output", "-")
            try:
                spec = json.loads(r.stdout)
            except ValueError:
                spec = {}
            st = os.stat(f"{d}/dev/nvidia-caps/nvidia-cap13") if os.path.exists(f"{d}/dev/nvidia-caps/nvidia-cap13") else None
            t.ok(r.returncode == 0 and st and os.major(st.st_rdev) == 241 and os.minor(st.st_rdev) == 13
                 and stat.S_IMODE(st.st_mode) == 0o444
                 and node_paths(spec, "0:0") == ["/dev/nvidia-caps/nvidia-cap12", "/dev/nvidia-caps/nvidia-cap13",
                                                 "/dev/nvidia0"],
                 "as root: the capability nodes are created (241:13, the access file's mode 0444), MIG devices written",
                 f"exit {r.returncode}\n{r.stderr}")
        else:
            t.skip("as root: MIG capability nodes are created", "not root: cannot mknod")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
