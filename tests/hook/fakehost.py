#!/usr/bin/python3
"""A fake GPU host for the hook's tests: device nodes (mknod, so root only), /proc/devices and the
NVIDIA driver version, driver files, and CDI specs in the shape gpucdi generate writes, with a
prestart hook entry per device.

    fakehost.py DIR HOOK [--uvm-major N] [--kind-prefix P]     (prints nothing, exit 0)

Facts follow the H100 host in ../shared/reference/h100 (driver 580.159.04, nvidia-uvm major 238),
plus an AMD GPU (DRM and KFD nodes)."""

import json
import os
import shutil
import stat
import sys

DRIVER = "580.159.04"
OLD_DRIVER = "550.54.14"

# name -> (type, major, minor); majors of dynamic drivers as in /proc/devices below.
NODES = {
    "nvidia0": ("c", 195, 0),
    "nvidia1": ("c", 195, 1),
    "nvidiactl": ("c", 195, 255),
    "nvidia-uvm": ("c", 238, 0),
    "nvidia-uvm-tools": ("c", 238, 1),
    "dri/card0": ("c", 226, 0),
    "dri/renderD128": ("c", 226, 128),
    "dri/card1": ("c", 226, 1),
    "dri/renderD129": ("c", 226, 129),
    "kfd": ("c", 235, 0),
    "nvidia-caps/nvidia-cap21": ("c", 241, 21),
    "nvidia-caps/nvidia-cap22": ("c", 241, 22),
    "mem": ("c", 1, 1),
    "sda": ("b", 8, 0),
}

# Misc minors: the dynamic ones as one kernel numbers them (userfaultfd is 10:126 on another).
PROC_MISC = """229 fuse
200 tun
237 loop-control
257 userfaultfd
258 vsock
232 kvm
130 watchdog
"""

PROC_DEVICES = """Character devices:
  1 mem
  4 /dev/vc/0
  4 tty
  5 /dev/tty
  5 /dev/console
  5 /dev/ptmx
  7 vcs
 10 misc
 13 input
128 ptm
136 pts
195 nvidia
195 nvidiactl
203 cpu/cpuid
226 drm
235 kfd
{uvm} nvidia-uvm
239 nvidia-nvswitch
240 nvidia-nvlink
241 nvidia-caps
242 nvidia-caps-imex-channels
243 hidraw
247 mei
248 bsg
249 watchdog

Block devices:
  7 loop
  8 sd
259 blkext
"""

DRIVER_FILES = [
    f"libcuda.so.{DRIVER}",
    f"libnvidia-ml.so.{DRIVER}",
    f"libnvidia-rw.so.{DRIVER}",
    f"libcuda.so.{OLD_DRIVER}",
    "nvidia-smi",
]
# Named by a spec but absent: what a driver upgrade leaves behind.
GONE_FILE = f"libnvidia-gone.so.{DRIVER}"

RO = ["ro", "nosuid", "nodev", "bind"]


def hook_args(root, name, spec_dir):
    args = ["gpucdi-hook", "prestart"]
    if name:
        args += ["--cdi-device", name]
    else:
        args += ["--hooks-d"]
    args += ["--proc-root", f"{root}/proc", "--dev-root", f"{root}/dev"]
    if spec_dir:
        args += ["--spec-dir", spec_dir]
    args += ["--policy", f"{root}/policy.conf"]
    return args


def node(root, rel):
    return {"path": f"/dev/{rel}", "hostPath": f"{root}/dev/{rel}"}


def mount(root, lib, dest, options=RO):
    return {"hostPath": f"{root}/driver/lib64/{lib}", "containerPath": dest, "options": list(options)}


def device(root, kind, name, nodes, hook, spec_dir, mounts=()):
    edits = {"deviceNodes": [node(root, n) for n in nodes]}
    if mounts:
        edits["mounts"] = list(mounts)
    edits["hooks"] = [{"hookName": "prestart", "path": hook,
                       "args": hook_args(root, f"{kind}={name}", spec_dir), "env": ["GPUCDI_HOOK=1"]}]
    return {"name": name, "containerEdits": edits}


def nvidia_spec(root, hook, kind, spec_dir):
    lib = "/run/opengl-driver/lib"
    devices = [
        device(root, kind, "0", ["nvidia0"], hook, spec_dir),
        device(root, kind, "1", ["nvidia1"], hook, spec_dir),
        device(root, kind, "all", ["nvidia0", "nvidia1"], hook, spec_dir),
        # A MIG instance of GPU 0: its GPU node and the two capability nodes of its GPU and compute instance.
        device(root, kind, "0:1", ["nvidia0", "nvidia-caps/nvidia-cap21", "nvidia-caps/nvidia-cap22"], hook, spec_dir),
        # Broken variants, each for one rule.
        device(root, kind, "rw", ["nvidia0"], hook, spec_dir,
               [mount(root, f"libnvidia-rw.so.{DRIVER}", f"{lib}/libnvidia-rw.so.1", ["nosuid", "nodev", "bind"])]),
        device(root, kind, "old", ["nvidia0"], hook, spec_dir,
               [mount(root, f"libcuda.so.{OLD_DRIVER}", f"{lib}/libcuda.so.{OLD_DRIVER}")]),
        device(root, kind, "gone", ["nvidia0"], hook, spec_dir,
               [mount(root, GONE_FILE, f"{lib}/libnvidia-gone.so.1")]),
    ]
    return {
        "cdiVersion": "0.5.0",
        "kind": kind,
        "devices": devices,
        "containerEdits": {
            "deviceNodes": [node(root, n) for n in ("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools")],
            "mounts": [
                mount(root, f"libcuda.so.{DRIVER}", f"{lib}/libcuda.so.1"),
                mount(root, f"libcuda.so.{DRIVER}", f"{lib}/libcuda.so.{DRIVER}"),
                mount(root, f"libnvidia-ml.so.{DRIVER}", f"{lib}/libnvidia-ml.so.1"),
                mount(root, "nvidia-smi", "/run/opengl-driver/bin/nvidia-smi"),
            ],
        },
    }


def amd_spec(root, hook, kind, spec_dir):
    return {
        "cdiVersion": "0.5.0",
        "kind": kind,
        "devices": [
            device(root, kind, "0", ["dri/card0", "dri/renderD128"], hook, spec_dir),
            device(root, kind, "1", ["dri/card1", "dri/renderD129"], hook, spec_dir),
            device(root, kind, "all", ["dri/card0", "dri/renderD128", "dri/card1", "dri/renderD129"], hook, spec_dir),
        ],
        "containerEdits": {"deviceNodes": [node(root, "kfd")]},
    }


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def build(root, hook, uvm_major=238, nvidia_kind="nvidia.com/gpu", amd_kind="amd.com/gpu",
          spec_dir=None, spec_arg=True):
    """Create the fake host under root. Specs go to spec_dir (default root/cdi); spec_arg puts
    --spec-dir into the hook entries (not wanted when the specs are installed in /etc/cdi)."""
    root = os.path.abspath(root)
    spec_dir = spec_dir or f"{root}/cdi"
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    for rel, (t, major, minor) in NODES.items():
        if rel == "nvidia-uvm" or rel == "nvidia-uvm-tools":
            major = uvm_major
        path = f"{root}/dev/{rel}"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)
        os.mknod(path, 0o666 | (stat.S_IFCHR if t == "c" else stat.S_IFBLK), os.makedev(major, minor))
    write(f"{root}/proc/devices", PROC_DEVICES.format(uvm=uvm_major))
    write(f"{root}/proc/misc", PROC_MISC)
    write(f"{root}/proc/driver/nvidia/version",
          f"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  {DRIVER}  Release Build  (nixbld@)  \n"
          "GCC version:  gcc version 15.3.0 (GCC) \n")
    for f in DRIVER_FILES:
        write(f"{root}/driver/lib64/{f}", "stub driver file\n", 0o755)
    os.makedirs(f"{root}/data", exist_ok=True)
    if not os.path.lexists(f"{root}/link-to-root"):
        os.symlink("/", f"{root}/link-to-root")
    write(f"{root}/policy.conf", "mode = enforce\n")
    arg = spec_dir if spec_arg else None
    write(f"{spec_dir}/{nvidia_kind.split('/')[0]}-hooktest.json",
          json.dumps(nvidia_spec(root, hook, nvidia_kind, arg), indent=2) + "\n")
    write(f"{spec_dir}/{amd_kind.split('/')[0]}-hooktest.json",
          json.dumps(amd_spec(root, hook, amd_kind, arg), indent=2) + "\n")
    return root


def hooks_d_entry(root, hook, spec_dir):
    """The hooks.d file of the tests: the installed one's content, pointed at this build and host."""
    return {"version": "1.0.0",
            "hook": {"path": hook, "args": hook_args(root, None, spec_dir), "env": ["GPUCDI_HOOK=1"]},
            "when": {"always": True}, "stages": ["prestart"]}


def remove(root):
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    uvm = 238
    if "--uvm-major" in sys.argv:
        uvm = int(sys.argv[sys.argv.index("--uvm-major") + 1])
    build(sys.argv[1], sys.argv[2], uvm_major=uvm)
