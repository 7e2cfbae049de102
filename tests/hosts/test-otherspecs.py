#!/usr/bin/python3
"""Other tools' specs beside gpucdi's (TAP): nvidia-ctk's nvidia.yaml defining the same devices,
list with the file of each device (text and --json), validate on YAML.

usage: test-otherspecs.py --gpucdi BIN --mkhost MKHOST
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import ROOT, Tap, host_exe, host_roots, make_host, parse_args, run  # noqa: E402

# What `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` writes, cut down to its shape.
NVIDIA_CTK_YAML = """---
cdiVersion: 0.5.0
containerEdits:
  deviceNodes:
  - path: /dev/nvidia-uvm
  - path: /dev/nvidiactl
devices:
- containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
  name: "0"
- containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
  name: all
kind: nvidia.com/gpu
"""


def main():
    a = parse_args("these tests")
    t = Tap()
    env = dict(os.environ, GPUCDI_ACCEPT_PLAIN_NODES="1")
    tmp = tempfile.mkdtemp(prefix="gpucdi-otherspecs-")
    try:
        d = make_host(a.mkhost, "h100", os.path.join(tmp, "h100"), mknod=ROOT)
        roots = host_roots(d) + ["--no-hook", "--no-create-nodes"]
        etc = os.path.join(tmp, "etc-cdi")
        os.makedirs(etc)
        yaml_path = os.path.join(etc, "nvidia.yaml")
        with open(yaml_path, "w") as f:
            f.write(NVIDIA_CTK_YAML)

        r = run([*host_exe(a.gpucdi), "validate", yaml_path])
        t.ok(r.returncode == 0 and r.stdout == "", "validate accepts nvidia-ctk's YAML spec", r.stdout + r.stderr)
        bad = os.path.join(tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("cdiVersion: 0.5.0\nkind: nvidia.com/gpu\nkind: x\n")
        r = run([*host_exe(a.gpucdi), "validate", bad])
        t.ok(r.returncode == 1 and f"{bad}: 3:1: duplicate key" in r.stdout,
             "validate reports a duplicate YAML key with its line and column", r.stdout + r.stderr)

        r = run([*host_exe(a.gpucdi), "generate", *roots, "--output-dir", etc, "--spec-dir", etc], env=env)
        t.ok(r.returncode == 0 and os.path.exists(os.path.join(etc, "gpucdi-nvidia.json")),
             "generate writes its spec beside nvidia.yaml", r.stderr)
        t.ok(yaml_path in r.stderr and "nvidia.com/gpu=0" in r.stderr and "nvidia-cdi-refresh" in r.stderr
             and r.stderr.count("also defines") == 1,
             "generate warns once, naming nvidia.yaml, a shared device and NVIDIA's refresh unit to disable", r.stderr)

        r = run([*host_exe(a.gpucdi), "list", "--spec-dir", etc])
        lines = r.stdout.splitlines()
        own = os.path.join(etc, "gpucdi-nvidia.json")
        t.ok(r.returncode == 0 and f"nvidia.com/gpu=0000:00:06.0\t{own}" in lines
             and not any(l.startswith("nvidia.com/gpu=0\t") for l in lines)
             and not any(l.startswith("nvidia.com/gpu=all\t") for l in lines)
             and "nvidia.com/gpu=0" in r.stderr and yaml_path in r.stderr,
             "list: each device with its file; the names both files define are left out with a warning",
             r.stdout + r.stderr)
        r = run([*host_exe(a.gpucdi), "list", "--spec-dir", etc, "--json"])
        try:
            entries = json.loads(r.stdout)
        except ValueError:
            entries = []
        status = {(e["name"], os.path.basename(e["file"])): e["status"] for e in entries}
        t.ok(status.get(("nvidia.com/gpu=0", "nvidia.yaml")) == "conflict"
             and status.get(("nvidia.com/gpu=0", "gpucdi-nvidia.json")) == "conflict"
             and status.get(("nvidia.com/gpu=0000:00:06.0", "gpucdi-nvidia.json")) == "used",
             "list --json: every definition with its file and status", r.stdout + r.stderr)
        r = run([*host_exe(a.gpucdi), "list", "--spec-dir", etc, "--names"])
        t.ok(r.returncode == 0 and "nvidia.com/gpu=0000:00:06.0" in r.stdout.splitlines(),
             "list --names: names only, one per line (for scripts)", r.stdout)

        # The YAML spec in the later directory (/var/run/cdi) shadows ours in /etc/cdi.
        run_dir = os.path.join(tmp, "run-cdi")
        os.makedirs(run_dir)
        shutil.move(yaml_path, os.path.join(run_dir, "nvidia.yaml"))
        r = run([*host_exe(a.gpucdi), "list", "--spec-dir", etc, "--spec-dir", run_dir])
        t.ok(f"nvidia.com/gpu=0\t{run_dir}/nvidia.yaml" in r.stdout.splitlines(),
             "list: a later directory's YAML spec provides the device podman uses", r.stdout + r.stderr)
        r = run([*host_exe(a.gpucdi), "generate", *roots, "--output-dir", etc, "--spec-dir", etc, "--spec-dir", run_dir], env=env)
        t.ok(r.returncode == 0 and f"{run_dir}/nvidia.yaml also defines" in r.stderr,
             "generate warns about the spec in the other directory too", r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
