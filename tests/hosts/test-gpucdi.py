#!/usr/bin/python3
"""TAP test of the gpucdi binary against one fake host (mkhost.py).

For a healthy host: `gpucdi probe --json` and `gpucdi generate --vendor V --output -` with every
root injected, and again under umockdev-run with the default sysfs root, must print what the golden
files hold (golden/<host>.probe.json, golden/<host>.<vendor>.json; the fixture directory is written
@ROOT@ there). Each spec must pass `gpucdi validate` and the CDI JSON schema, and must say what the
host is: its GPUs' nodes, the shared nodes, the driver files of the running version, hooks.
For a broken host: the exit code and a message naming the bad file, and no spec written.

    test-gpucdi.py --gpucdi PATH --mkhost PATH --golden DIR [--schema-check PATH --reference DIR]
                   [--update] HOST

--update (or GPUCDI_UPDATE_GOLDEN=1) rewrites the golden files from the binary's output.
"""

import argparse
import json
import os
import re
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import PY, ROOT, Tap, host_exe, host_roots, make_host, run  # noqa: E402
PLACEHOLDER = "@ROOT@"
HOOK_PLACEHOLDER = "@HOOK@"
MOUNT_OPTIONS = ["ro", "nosuid", "nodev", "bind"]
NV_CONTROL_NODES = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"]


class Host:
    def __init__(self, a, name, tmp):
        self.a = a
        self.name = name
        self.desc = json.loads(run([PY, a.mkhost, "--describe", name], check=True).stdout)
        self.mknod = ROOT
        if not self.mknod:
            # Empty files stand where device nodes would be: gpucdi accepts them only when told.
            os.environ["GPUCDI_ACCEPT_PLAIN_NODES"] = "1"
        self.dir = make_host(a.mkhost, name, os.path.join(tmp, "host"), mknod=self.mknod)

    def roots(self, sysfs=True):
        r = host_roots(self.dir, state=False)
        return r if sysfs else r[2:]  # less --sysfs-root DIR, which comes first

    def gen_roots(self, sysfs=True):
        """roots() plus the state dir generate keeps rewritten loader files in."""
        return self.roots(sysfs) + ["--state-dir", f"{self.dir}/state"]

    def gpucdi(self, *args, umockdev=False):
        cmd = host_exe(self.a.gpucdi) + list(args)
        if umockdev:
            cmd = ["umockdev-run", "--device", f"{self.dir}/sys.umockdev", "--"] + cmd
        return run(cmd)

    def placeholder(self, text):
        return text.replace(self.a.hook, HOOK_PLACEHOLDER).replace(self.dir, PLACEHOLDER)


def golden(t, a, name, text, what):
    path = os.path.join(a.golden, name)
    if a.update:
        # Only output fit to be a golden file is written: JSON (every golden file is), with the
        # fixture's temporary directory replaced by the placeholder; and it must read back as written.
        problems = []
        try:
            json.loads(text)
        except ValueError as e:
            problems.append(f"not JSON: {e}")
        if f"gpucdi-host-{a.host}." in text:
            problems.append("the fixture's temporary directory is left in it (not replaced by " + PLACEHOLDER + ")")
        if not problems:
            os.makedirs(a.golden, exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            with open(path) as f:
                if f.read() != text:
                    problems.append(f"{path} does not read back as written")
        t.ok(not problems, f"{what}: golden {name} updated", "\n".join(problems))
        return
    if not os.path.exists(path):
        t.ok(False, f"{what}: golden {name} exists", f"{path} missing: run with --update (GPUCDI_UPDATE_GOLDEN=1)")
        return
    want = open(path).read()
    diff = ""
    if text != want:
        import difflib
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), path, "output"))
    t.ok(text == want, f"{what}: matches {name}", diff)


def version_tuple(v):
    return tuple(int(x) for x in v.split("."))


def check_render_semantics(t, h, spec, hooked):
    """gpucdi.io/render: each render node alone, by index (minor order) and udev's path_id name."""
    what = f"{h.name} render"
    t.ok(spec.get("kind") == "gpucdi.io/render", f"{what}: kind gpucdi.io/render", spec.get("kind"))
    devices = {d["name"]: d for d in spec.get("devices", [])}
    problems = []
    for i, r in enumerate(sorted(h.desc["render"], key=lambda r: int(r["node"][len("/dev/dri/renderD"):]))):
        for name in (str(i), r["id"]):
            nodes = [n for n in ((devices.get(name) or {}).get("containerEdits") or {}).get("deviceNodes", [])]
            if [n["path"] for n in nodes] != [r["node"]]:
                problems.append(f"device {name}: nodes {[n['path'] for n in nodes]}, want only {r['node']}")
            elif nodes[0].get("hostPath") != h.dir + "/dev" + r["node"][len("/dev"):]:
                problems.append(f"device {name}: hostPath {nodes[0].get('hostPath')}")
    all_paths = sorted(n["path"] for n in ((devices.get("all") or {}).get("containerEdits") or {}).get("deviceNodes", []))
    if all_paths != sorted(r["node"] for r in h.desc["render"]):
        problems.append(f"device all: {all_paths}")
    # Nothing else of /dev/dri (no card node, no by-path link), no mounts, no hook.
    extra = [d["name"] for d in spec.get("devices", []) if (d.get("containerEdits") or {}).keys() - {"deviceNodes"}]
    if extra or spec.get("containerEdits"):
        problems.append(f"edits other than device nodes: {extra} {spec.get('containerEdits')}")
    t.ok(not problems, f"{what}: devices by index, path_id name and all; the render node alone", "\n".join(problems))


def imex_channels(h):
    return h.desc.get("nvidia_imex_channels") or []


def spec_slots(h):
    """The specs generate writes for the host: one per vendor, and NVIDIA's IMEX channels apart."""
    return list(h.desc["vendors"]) + (["nvidia-imex"] if imex_channels(h) else [])


def check_imex_semantics(t, h, spec, hooked):
    """nvidia.com/imex-channel (nvidia-ctk's kind): device N is channel N's node alone, and all."""
    what = f"{h.name} nvidia-imex"
    t.ok(spec.get("kind") == "nvidia.com/imex-channel", f"{what}: kind nvidia.com/imex-channel", spec.get("kind"))
    devices = {d["name"]: d for d in spec.get("devices", [])}
    problems = []
    chans = imex_channels(h)
    for c in chans:
        node = f"/dev/nvidia-caps-imex-channels/channel{c}"
        nodes = ((devices.get(str(c)) or {}).get("containerEdits") or {}).get("deviceNodes", [])
        if [n["path"] for n in nodes] != [node]:
            problems.append(f"device {c}: nodes {[n['path'] for n in nodes]}, want only {node}")
        elif nodes[0].get("hostPath") != h.dir + "/dev" + node[len("/dev"):]:
            problems.append(f"device {c}: hostPath {nodes[0].get('hostPath')}")
    all_paths = sorted(n["path"] for n in ((devices.get("all") or {}).get("containerEdits") or {}).get("deviceNodes", []))
    if all_paths != sorted(f"/dev/nvidia-caps-imex-channels/channel{c}" for c in chans):
        problems.append(f"device all: {all_paths}")
    if set(devices) != {str(c) for c in chans} | {"all"}:
        problems.append(f"devices {sorted(devices)}")
    extra = [d["name"] for d in spec.get("devices", []) if (d.get("containerEdits") or {}).keys() - {"deviceNodes"}]
    if extra or spec.get("containerEdits"):
        problems.append(f"edits other than device nodes: {extra} {spec.get('containerEdits')}")
    t.ok(not problems, f"{what}: a device per channel and all; the channel node alone", "\n".join(problems))


def check_spec_semantics(t, h, vendor, spec, hooked):
    """What the spec must say, derived from the host's definition."""
    if vendor == "render":
        return check_render_semantics(t, h, spec, hooked)
    if vendor == "nvidia-imex":
        return check_imex_semantics(t, h, spec, hooked)
    what = f"{h.name} {vendor}"
    # An excluded GPU (GPU Excluded: Yes) is invisible to NVML and gets no device or index.
    gpus = [g for g in h.desc["gpus"] if g["vendor"] == vendor and not g.get("excluded")]
    t.ok(spec.get("kind") == f"{vendor}.com/gpu", f"{what}: kind {vendor}.com/gpu", spec.get("kind"))
    v = spec.get("cdiVersion", "9")
    t.ok(version_tuple(v) <= (0, 5, 0), f"{what}: cdiVersion {v} is one podman 4.3 accepts (<= 0.5.0)")
    devices = {d["name"]: d for d in spec.get("devices", [])}
    want_names = {str(i) for i in range(len(gpus))} | {g["addr"] for g in gpus} | {"all"}
    t.ok(want_names <= set(devices), f"{what}: devices named by index, PCI address and all",
         f"missing {sorted(want_names - set(devices))}")
    excluded = [g for g in h.desc["gpus"] if g["vendor"] == vendor and g.get("excluded")]
    leaked = [g["addr"] for g in excluded if g["addr"] in devices or g["nvidia_uuid"] in devices]
    t.ok(not leaked and (not excluded or str(len(gpus)) not in devices),
         f"{what}: excluded GPUs get no device ({len(excluded)} excluded)", f"{leaked} {sorted(devices)}")
    # One device per MIG compute instance: the GPU's node and its GI and CI capability nodes.
    problems = []
    for i, g in enumerate(gpus):
        for k, (gi, ci) in enumerate(g.get("mig") or []):
            names = [f"{i}:{k}", f"{g['addr']}-gi{gi}-ci{ci}"]
            for n in names:
                d = devices.get(n)
                got = sorted(x["path"] for x in (d or {}).get("containerEdits", {}).get("deviceNodes", []))
                caps = [p for p in got if p.startswith("/dev/nvidia-caps/nvidia-cap")]
                if len(got) != 3 or f"/dev/nvidia{g['nvidia_minor']}" not in got or len(caps) != 2:
                    problems.append(f"MIG device {n}: {got}")
    # The index form "<gpu>:<instance>"; PCI address names hold colons too (in any domain).
    mig_names = [d for d in devices if re.fullmatch(r"[0-9]+:[0-9]+", d)]
    want_migs = sum(len(g.get("mig") or []) for g in gpus)
    t.ok(not problems and len(mig_names) == want_migs,
         f"{what}: {want_migs} MIG devices, each with its GPU node and two capability nodes",
         "\n".join(problems) + f" {mig_names}")

    def nodes(edits):
        return {n["path"]: n for n in (edits or {}).get("deviceNodes", [])}

    spec_nodes = nodes(spec.get("containerEdits"))
    problems = []
    for i, g in enumerate(gpus):
        d = devices.get(str(i))
        if not d:
            continue
        own = nodes(d.get("containerEdits"))
        if vendor == "nvidia":
            want = [f"/dev/nvidia{g['nvidia_minor']}"]
        else:
            want = [f"/dev/dri/card{g['drm'][0]}", f"/dev/dri/renderD{g['drm'][1]}"]
        for p in want:
            if p not in own:
                problems.append(f"device {i} ({g['addr']}) lacks {p}; has {sorted(own)}")
        for other in gpus:
            if other is g:
                continue
            theirs = ([f"/dev/nvidia{other['nvidia_minor']}"] if vendor == "nvidia" else
                      [f"/dev/dri/card{other['drm'][0]}", f"/dev/dri/renderD{other['drm'][1]}"])
            leaked = [p for p in theirs if p in own or p in spec_nodes]
            if leaked:
                problems.append(f"device {i} ({g['addr']}) also gets {leaked} of {other['addr']}")
        if devices.get(g["addr"]) and nodes(devices[g["addr"]].get("containerEdits")) != own:
            problems.append(f"device {g['addr']} differs from device {i}")
        if vendor == "nvidia":
            byid = devices.get(g["nvidia_uuid"])
            if not byid or nodes(byid.get("containerEdits")) != own:
                problems.append(f"device {g['nvidia_uuid']} missing or differs from device {i}")
    t.ok(not problems, f"{what}: each device has its own GPU's nodes and no other's", "\n".join(problems))

    all_nodes = nodes(devices.get("all", {}).get("containerEdits"))
    want_all = set()
    for d in devices.values():
        want_all |= set(nodes(d.get("containerEdits")))
    t.ok(want_all <= set(all_nodes) | set(spec_nodes), f"{what}: device all has every GPU's nodes",
         f"missing {sorted(want_all - set(all_nodes) - set(spec_nodes))}")

    # Shared nodes go where every request gets them: the spec's own edits, or every device.
    def everywhere(p):
        return p in spec_nodes or all(p in nodes(d.get("containerEdits")) for d in devices.values())
    shared = []
    host_nodes = {n[0] for n in h.desc["nodes"]}
    if vendor == "nvidia":
        shared = list(NV_CONTROL_NODES)
        if "nvidia-modeset" in host_nodes:
            shared.append("/dev/nvidia-modeset")
    elif vendor == "amd":
        shared = ["/dev/kfd"]
    missing = [p for p in shared if not everywhere(p)]
    t.ok(not missing, f"{what}: shared nodes {shared} reach every request", f"missing {missing}")

    # Every node's host side is the fixture's node, and is a character device when we could mknod.
    problems = []
    every = list(spec_nodes.values())
    for d in devices.values():
        every += nodes(d.get("containerEdits")).values()
    for n in every:
        hp = n.get("hostPath", n["path"])
        if not hp.startswith(h.dir + "/dev/"):
            problems.append(f"{n['path']}: hostPath {hp} is outside the dev root")
        elif not os.path.exists(hp):
            problems.append(f"{n['path']}: hostPath {hp} does not exist")
        elif h.mknod and not stat.S_ISCHR(os.lstat(hp).st_mode):
            # podman's CDI code lstat()s hostPath: a link to a node is "not a device node".
            problems.append(f"{n['path']}: hostPath {hp} is not a character device"
                            + (" (a symbolic link)" if os.path.islink(hp) else ""))
        elif "major" in n and h.mknod:
            st = os.lstat(hp)
            if (n["major"], n.get("minor")) != (os.major(st.st_rdev), os.minor(st.st_rdev)):
                problems.append(f"{n['path']}: {n['major']}:{n.get('minor')} but the node is "
                                f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")
    t.ok(every and not problems, f"{what}: {len(every)} device node entries point at the host's nodes",
         "\n".join(problems))

    # Mounts: read-only binds of regular files inside the host root.
    mounts = list((spec.get("containerEdits") or {}).get("mounts", []))
    for d in devices.values():
        mounts += (d.get("containerEdits") or {}).get("mounts", [])
    problems = []
    for m in mounts:
        hp = m.get("hostPath", "")
        in_state = hp.startswith(h.dir + "/state/") and hp.endswith(".json.loader")
        if not hp.startswith(h.dir + "/root/") and not in_state:
            problems.append(f"{m.get('containerPath')}: hostPath {hp} is outside the host root and state dir")
        elif os.path.islink(hp) or not os.path.isfile(hp):
            problems.append(f"{m.get('containerPath')}: hostPath {hp} is not a regular file")
        if m.get("options") != MOUNT_OPTIONS:
            problems.append(f"{m.get('containerPath')}: options {m.get('options')}")
        if not m.get("containerPath", "").startswith("/") or m.get("containerPath", "").startswith("/proc"):
            problems.append(f"{m.get('containerPath')}: bad container path")
    t.ok(not problems, f"{what}: {len(mounts)} mounts are read-only binds of host-root files "
         "(or of loader JSON files generate rewrote into the state dir)", "\n".join(problems))

    if vendor == "nvidia":
        check_nvidia_files(t, h, mounts)

    # Hooks: one prestart entry per device, naming it, with an explicit environment.
    problems = []
    for name, d in devices.items():
        hooks = (d.get("containerEdits") or {}).get("hooks", [])
        if not hooked:
            if hooks:
                problems.append(f"{name}: hooks with --no-hook: {hooks}")
            continue
        want = ["gpucdi-hook", "prestart", "--cdi-device", f"{vendor}.com/gpu={name}"]
        mine = [x for x in hooks if x.get("hookName") == "prestart" and x.get("path") == h.a.hook
                and x.get("args", [])[:4] == want and x.get("env") == ["GPUCDI_HOOK=1"]]
        if len(mine) != 1:
            problems.append(f"{name}: want one prestart hook {h.a.hook} {want} env GPUCDI_HOOK=1; has {hooks}")
    if not hooked and (spec.get("containerEdits") or {}).get("hooks"):
        problems.append("spec-level hooks with --no-hook")
    t.ok(not problems, f"{what}: hook entries {'per device' if hooked else 'absent with --no-hook'}",
         "\n".join(problems))


def check_nvidia_files(t, h, mounts):
    """The driver's libraries, of the running version, under /run/opengl-driver/lib and the FHS dir."""
    what = f"{h.name} nvidia"
    ver = h.desc["nvidia_libs"]
    by_cpath = {m["containerPath"]: m["hostPath"] for m in mounts}
    problems = []
    for soname, fname in (("libcuda.so.1", f"libcuda.so.{ver}"), ("libnvidia-ml.so.1", f"libnvidia-ml.so.{ver}"),
                          ("libnvidia-ptxjitcompiler.so.1", f"libnvidia-ptxjitcompiler.so.{ver}")):
        for d in ("/run/opengl-driver/lib", h.desc["multiarch"]):
            for n in (soname, fname):
                cp = f"{d}/{n}"
                hp = by_cpath.get(cp)
                if not hp:
                    problems.append(f"{cp} not mounted")
                elif os.path.basename(hp) != fname:
                    problems.append(f"{cp} <- {hp}, want the file {fname}")
    for cp in ("/run/opengl-driver/bin/nvidia-smi", "/usr/bin/nvidia-smi",
               "/run/opengl-driver/share/vulkan/icd.d/nvidia_icd.json",
               "/run/opengl-driver/share/glvnd/egl_vendor.d/10_nvidia.json"):
        if cp not in by_cpath:
            problems.append(f"{cp} not mounted")
    versions = {os.path.basename(hp).split(".so.", 1)[1] for hp in by_cpath.values()
                if ".so." in os.path.basename(hp) and "nvidia" in hp.lower() + os.path.basename(hp).lower()
                and os.path.basename(hp).split(".so.", 1)[1].count(".") == 2}
    if versions - {ver}:
        problems.append(f"library versions {sorted(versions)}, want only {ver}")
    t.ok(not problems, f"{what}: driver {ver} libraries under their sonames and file names, nvidia-smi, ICDs",
         "\n".join(problems))

    # An ICD or layer file names its library; the loader in the container must find it there.
    problems = []
    for cp, hp in sorted(by_cpath.items()):
        if not cp.endswith(".json"):
            continue
        try:
            doc = json.load(open(hp))
        except (OSError, ValueError) as e:
            problems.append(f"{cp}: {hp}: {e}")
            continue
        entries = [doc.get("ICD"), doc.get("layer")] + list(doc.get("layers") or [])
        for lib in [e.get("library_path") for e in entries if isinstance(e, dict) and e.get("library_path")]:
            if "/" in lib:
                ok = lib in by_cpath
            else:
                # a bare name goes through the loader's search: the layout's library dir has it
                libdir = "/run/opengl-driver/lib" if cp.startswith("/run/opengl-driver/") else h.desc["multiarch"]
                ok = f"{libdir}/{lib}" in by_cpath
            if not ok:
                problems.append(f"{cp} names {lib}, which the container does not have")
    t.ok(not problems, f"{what}: ICD and layer files name libraries the container has", "\n".join(problems))


def check_healthy(t, a, h, tmp):
    name = h.name
    # probe
    r = h.gpucdi("probe", "--json", *h.roots())
    t.ok(r.returncode == 0, f"{name}: probe --json exits 0", r.stderr)
    try:
        probe = json.loads(r.stdout)
    except ValueError as e:
        t.ok(False, f"{name}: probe --json prints JSON", str(e))
        return
    addrs = [g.get("pci") for g in probe.get("gpus", [])]
    want = sorted(g["addr"] for g in h.desc["gpus"])
    t.ok(addrs == want, f"{name}: probe finds {len(want)} GPUs in PCI order", f"{addrs} != {want}")
    t.ok(all(g.get("vendor") == d["vendor"] and g.get("driver") == d["driver"]
             for g, d in zip(probe.get("gpus", []), sorted(h.desc["gpus"], key=lambda x: x["addr"]))),
         f"{name}: probe names each GPU's vendor and driver")
    if h.desc["nvidia_module"]:
        t.ok((probe.get("nvidia") or {}).get("driver_version") == h.desc["nvidia_module"],
             f"{name}: probe reads NVIDIA driver {h.desc['nvidia_module']}")
    probe_text = h.placeholder(r.stdout)
    if h.mknod:
        golden(t, a, f"{name}.probe.json", probe_text, f"{name}: probe --json")
    else:
        t.skip(f"{name}: probe --json matches its golden file", "not root: fixture nodes are not character devices")
    # umockdev's testbed stands in for /sys only where it has devices: without PCI devices the
    # machine's own /sys/bus/pci would show through.
    um = bool(h.desc["pci_devices"])
    r2 = h.gpucdi("probe", "--json", *h.roots(sysfs=False), umockdev=True) if um else r
    t.ok(r2.returncode == 0 and r2.stdout == r.stdout, f"{name}: probe under umockdev-run (default /sys) agrees",
         r2.stderr + "\n" + "".join(__import__("difflib").unified_diff(
             r.stdout.splitlines(True), r2.stdout.splitlines(True), "plain tree", "umockdev")))
    r = h.gpucdi("probe", *h.roots())
    t.ok(r.returncode == 0 and all(g["addr"] in r.stdout for g in h.desc["gpus"]),
         f"{name}: probe prints a table naming each GPU", r.stdout + r.stderr)

    # generate, one vendor at a time to stdout
    specs = {}
    for vendor in spec_slots(h):
        what = f"{name} {vendor}"
        gen = ["generate", *h.gen_roots(), "--vendor", vendor, "--hook-path", h.a.hook, "--output", "-"]
        r = h.gpucdi(*gen)
        if not t.ok(r.returncode == 0 and r.stdout, f"{what}: generate exits 0 and prints a spec", r.stderr):
            continue
        try:
            spec = json.loads(r.stdout)
        except ValueError as e:
            t.ok(False, f"{what}: generate prints JSON", str(e))
            continue
        specs[vendor] = spec
        t.ok(r.stdout.endswith("}\n") and r.stdout.startswith("{\n  \""), f"{what}: 2-space indent, final newline")
        if h.mknod:
            golden(t, a, f"{name}.{vendor}.json", h.placeholder(r.stdout), f"{what}: generate")
        else:
            t.skip(f"{what}: generate matches its golden file", "not root: fixture nodes are not character devices")
        r_again = h.gpucdi(*gen)
        t.ok(r_again.stdout == r.stdout, f"{what}: generate is deterministic")
        r_um = h.gpucdi("generate", *h.gen_roots(sysfs=False), "--vendor", vendor, "--hook-path", h.a.hook,
                        "--output", "-", umockdev=True) if um else r
        t.ok(r_um.returncode == 0 and r_um.stdout == r.stdout,
             f"{what}: generate under umockdev-run (default /sys) writes the same spec", r_um.stderr)

        specfile = os.path.join(tmp, f"{name}.{vendor}.json")
        with open(specfile, "w") as f:
            f.write(r.stdout)
        v = h.gpucdi("validate", specfile)
        t.ok(v.returncode == 0, f"{what}: gpucdi validate accepts the spec", v.stdout + v.stderr)
        schema_dir = os.path.join(a.reference or "", "cdi-schema")
        if a.schema_check and a.reference:
            s = run([PY, a.schema_check, schema_dir, specfile])
            t.ok(s.returncode == 0, f"{what}: the CDI JSON schema accepts the spec", s.stdout + s.stderr)
        else:
            t.skip(f"{what}: the CDI JSON schema accepts the spec", "no --schema-check/--reference given")
        check_spec_semantics(t, h, vendor, spec, hooked=True)

        r = h.gpucdi("generate", *h.gen_roots(), "--vendor", vendor, "--no-hook", "--output", "-")
        try:
            check_spec_semantics(t, h, vendor, json.loads(r.stdout), hooked=False)
        except ValueError:
            t.ok(False, f"{what}: generate --no-hook prints a spec", r.stderr)

    # probe's "index" is the CDI device name: that device of the vendor's spec is that GPU.
    problems = []
    for g in probe.get("gpus", []):
        spec = specs.get(g.get("vendor"))
        if not spec:
            continue
        if g.get("index") is None and (g.get("nvidia") or {}).get("excluded"):
            continue  # no device, checked against the spec above
        dev = {d["name"]: d for d in spec.get("devices", [])}.get(str(g.get("index")))
        node = (f"/dev/nvidia{g['nvidia']['minor']}" if g.get("vendor") == "nvidia" and g.get("nvidia")
                else (g.get("nodes") or {}).get("card"))
        paths = [n["path"] for n in ((dev or {}).get("containerEdits") or {}).get("deviceNodes", [])]
        if node not in paths:
            problems.append(f"{g.get('pci')}: probe index {g.get('index')}, but {g.get('vendor')}.com/gpu="
                            f"{g.get('index')} has {paths}, not {node}")
    t.ok(not problems, f"{name}: probe's index of each GPU is its device name in the spec", "\n".join(problems))

    # Relative roots: the spec still names absolute host paths (CDI requires them), or the
    # roots are refused as a usage error.
    rel = [x.replace(tmp + "/", "") for x in h.roots()] + ["--state-dir", f"{h.dir}/state"]
    vendor = h.desc["vendors"][0]
    r = run([*host_exe(a.gpucdi), "generate", *rel, "--vendor", vendor, "--no-hook", "--output", "-"], cwd=tmp)
    r_abs = h.gpucdi("generate", *h.gen_roots(), "--vendor", vendor, "--no-hook", "--output", "-")
    t.ok((r.returncode == 0 and r.stdout == r_abs.stdout) or (r.returncode == 2 and "root" in r.stderr),
         f"{name}: relative --*-root options give the same spec with absolute paths (or a usage error)",
         f"exit {r.returncode}\n{r.stderr}" + "".join(__import__("difflib").unified_diff(
             r_abs.stdout.splitlines(True), r.stdout.splitlines(True), "absolute roots", "relative roots"))[:3000])

    # generate into a directory: one file per vendor, the same content, 0644, not rewritten if unchanged
    outdir = os.path.join(tmp, "cdi")
    os.makedirs(outdir)
    foreign = os.path.join(outdir, "other-vendor.json")
    with open(foreign, "w") as f:
        f.write('{"cdiVersion": "0.5.0", "kind": "example.com/device", "devices": []}\n')
    r = h.gpucdi("generate", *h.gen_roots(), "--hook-path", h.a.hook, "--output-dir", outdir)
    t.ok(r.returncode == 0, f"{name}: generate --output-dir exits 0", r.stderr)
    files = sorted(f for f in os.listdir(outdir) if not f.startswith("."))  # a lock file may stay
    want = sorted([f"gpucdi-{v}.json" for v in spec_slots(h)] + ["other-vendor.json"])
    t.ok(files == want, f"{name}: generate --output-dir writes {want}", f"{files}")
    for vendor in spec_slots(h):
        p = os.path.join(outdir, f"gpucdi-{vendor}.json")
        if not os.path.exists(p):
            continue
        same = open(p).read() == open(os.path.join(tmp, f"{name}.{vendor}.json")).read() \
            if os.path.exists(os.path.join(tmp, f"{name}.{vendor}.json")) else False
        t.ok(same, f"{name}: gpucdi-{vendor}.json is what --output - printed")
        t.ok(stat.S_IMODE(os.stat(p).st_mode) == 0o644, f"{name}: gpucdi-{vendor}.json has mode 0644")
    before = {f: (os.stat(os.path.join(outdir, f)).st_ino, os.stat(os.path.join(outdir, f)).st_mtime_ns)
              for f in os.listdir(outdir)}
    r = h.gpucdi("generate", *h.gen_roots(), "--hook-path", h.a.hook, "--output-dir", outdir)
    after = {f: (os.stat(os.path.join(outdir, f)).st_ino, os.stat(os.path.join(outdir, f)).st_mtime_ns)
             for f in os.listdir(outdir)}
    t.ok(r.returncode == 0 and before == after, f"{name}: an unchanged spec is not rewritten", r.stderr)
    t.ok(open(foreign).read().startswith('{"cdiVersion": "0.5.0", "kind": "example.com'),
         f"{name}: another tool's spec is left alone")


def check_broken(t, a, h, tmp):
    name = h.name
    expect = h.desc["expect"]
    for verb, e in sorted(expect.items()):
        if verb == "probe":
            r = h.gpucdi("probe", "--json", *h.roots())
        else:
            # Over a directory holding a spec of a healthy host: it must stay as it was.
            outdir = os.path.join(tmp, f"cdi-{verb}")
            os.makedirs(outdir)
            prior = os.path.join(outdir, "gpucdi-nvidia.json")
            with open(prior, "w") as f:
                f.write('{"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": [{"name": "0", '
                        '"containerEdits": {"deviceNodes": [{"path": "/dev/nvidia0"}]}}]}\n')
            r = h.gpucdi("generate", *h.gen_roots(), "--hook-path", h.a.hook, "--output-dir", outdir)
            t.ok(os.listdir(outdir) == ["gpucdi-nvidia.json"] and
                 open(prior).read().startswith('{"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": [{"name": "0"'),
                 f"{name}: generate leaves the existing spec and writes nothing else", str(os.listdir(outdir)))
        t.ok(r.returncode == e["exit"], f"{name}: {verb} exits {e['exit']}",
             f"exit {r.returncode}\nstderr: {r.stderr}")
        missing = [s for s in e["stderr"] if s not in r.stderr]
        t.ok(not missing, f"{name}: {verb} says what is wrong, naming {e['stderr']}",
             f"stderr lacks {missing}:\n{r.stderr}")
        errors = [l for l in r.stderr.splitlines() if "error" in l.lower()]
        t.ok(len(errors) == 1, f"{name}: {verb} reports the error once", r.stderr)
        if verb == "generate":
            r = h.gpucdi("generate", *h.gen_roots(), "--hook-path", h.a.hook, "--vendor", "nvidia", "--output", "-")
            t.ok(r.returncode == e["exit"] and r.stdout == "", f"{name}: generate --output - prints no spec",
                 r.stdout[:500])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpucdi", required=True)
    ap.add_argument("--mkhost", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--schema-check")
    ap.add_argument("--reference", help="tests/reference (the vendored CDI schema)")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--arch", default="x86_64", help="the CPU family gpucdi is built for (meson's host_machine)")
    ap.add_argument("--hook", help="the gpucdi hook executable for --hook-path (default: a placeholder)")
    ap.add_argument("host")
    a = ap.parse_args()
    a.update = a.update or os.environ.get("GPUCDI_UPDATE_GOLDEN") == "1"
    a.gpucdi = os.path.abspath(a.gpucdi)  # meson passes it relative to the build directory
    desc_arch = json.loads(run([PY, a.mkhost, "--describe", a.host], check=True).stdout)["arch"]
    if desc_arch != a.arch:
        # generate's defaults (FHS library dir, ld.so.cache entries it accepts) are the build's
        # architecture's: a host of another is compared only by a build for its architecture.
        print(f"1..0 # SKIP {a.host} is an {desc_arch} host; this gpucdi is built for {a.arch}")
        return 0
    t = Tap()
    tmp = tempfile.mkdtemp(prefix=f"gpucdi-host-{a.host}.")
    try:
        if not a.hook:
            # generate wants an executable there; the specs only name it.
            a.hook = os.path.join(tmp, "libexec", "gpucdi-hook")
            os.makedirs(os.path.dirname(a.hook))
            with open(a.hook, "w") as f:
                f.write("#!/bin/sh\nexit 1\n")
            os.chmod(a.hook, 0o755)
        h = Host(a, a.host, tmp)
        if h.desc["expect"]:
            check_broken(t, a, h, tmp)
        else:
            check_healthy(t, a, h, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
