#!/usr/bin/python3
"""gpucdi-hook on inputs podman does not produce here (AppArmor, odd namespaces and mounts),
on broken input (fail closed), with host policies (audit, allow, untrusted files), with several
hook entries in one container, with syslog, and `gpucdi check` on the command line.
Every rule of `gpucdi-hook --list-rules` must be seen refusing a container, here or in the
corpus test.

    test-hook.py GPUCDI-HOOK [GPUCDI]"""

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families  # noqa: E402
import fakehost  # noqa: E402
import hooktest  # noqa: E402

t = hooktest.Tap()
# What podman's and containerd's default seccomp profiles deny (hook/tables.c, denied_syscalls).
DENIED = ['bpf', 'perf_event_open', 'fanotify_init', 'lookup_dcookie', 'quotactl', 'init_module', 'finit_module', 'delete_module', 'query_module', 'create_module', 'get_kernel_syms', 'kexec_load', 'kexec_file_load', 'open_by_handle_at', 'iopl', 'ioperm', 'pciconfig_iobase', 'pciconfig_read', 'pciconfig_write', 'kcmp', 'settimeofday', 'clock_settime', 'clock_settime64', 'stime', 'acct', 'move_pages', 'migrate_pages', 'add_key', 'request_key', 'userfaultfd', 'swapon', 'swapoff', 'uselib', 'vm86', 'vm86old', 'nfsservctl', '_sysctl', 'sysfs', 'ustat', 'bdflush']
refused_rules = set()  # rules seen refusing a container in this file


class Env:
    def __init__(self, tmp, hook, gpucdi):
        self.tmp = tmp
        self.hook = hook
        self.gpucdi = gpucdi
        self.host = fakehost.build(f"{tmp}/host", hook)
        self.n = 0

    def denied_syscalls(self):
        return DENIED

    def config(self, name="gpu0-default"):
        return hooktest.load_config(name, self.host, self.hook)

    def bundle(self, cfg, raw=None):
        self.n += 1
        return hooktest.write_bundle(f"{self.tmp}/b{self.n}", cfg, raw)

    def args(self, extra=(), policy=None):
        a = ["gpucdi-hook", "prestart", "--proc-root", f"{self.host}/proc", "--dev-root", f"{self.host}/dev",
             "--spec-dir", f"{self.host}/cdi", "--policy", policy or f"{self.host}/policy.conf"]
        return a + list(extra)

    def run(self, cfg, extra=(), policy=None, raw=None, state=None, env=None):
        """Run the hook as its first entry would, with explicit roots (so not matching any entry)."""
        b = self.bundle(cfg, raw)
        devices = []
        for h in hooktest.gpucdi_entries(cfg):
            a = h["args"]
            devices += [a[i + 1] for i, x in enumerate(a[:-1]) if x == "--cdi-device"]
        extra = list(extra) + [x for d in devices for x in ("--cdi-device", d)]
        st = state if state is not None else hooktest.state_for(b)
        return hooktest.run_hook(self.hook, self.args(extra, policy), st, cwd=b, env=env)

    def policy(self, text, mode=0o644, uid=0, name=None):
        self.n += 1
        d = f"{self.tmp}/policy{self.n}"
        os.makedirs(d)
        p = f"{d}/{name or 'policy.conf'}"
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        os.chown(p, uid, 0)
        return p


def expect(name, result, rc, rules=None, contains=(), absent=()):
    got_rc, err = result
    got = hooktest.rules_in(err)
    ok = got_rc == rc and (rules is None or got == set(rules))
    ok = ok and all(c in err for c in contains) and not any(a in err for a in absent)
    if ok and rc == 1 and rules:
        refused_rules.update(rules)
    return t.ok(ok, name, f"exit {got_rc} (want {rc}), rules {sorted(got)}\n{err}")


def synthetic(e):
    base = e.config()
    expect("baseline: gpu0-default starts", e.run(base), 0, [])

    c = copy.deepcopy(base)
    c["process"]["apparmorProfile"] = "unconfined"
    expect("apparmorProfile unconfined", e.run(c), 1, ["apparmor-unconfined"], ["apparmor=unconfined"])
    c["process"]["apparmorProfile"] = "containers-default-0.50.1"
    expect("podman's AppArmor profile", e.run(c), 0, [])

    c = copy.deepcopy(base)
    c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}
    expect("seccomp profile allowing everything", e.run(c), 1, ["seccomp-disabled"], ["allows every system call"])
    c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"}]}
    expect("seccomp: allows everything but keyctl", e.run(c), 1, ["seccomp-permissive"], ["bpf", "userfaultfd"])
    c["linux"]["seccomp"]["syscalls"] = [{"names": [n], "action": "SCMP_ACT_ERRNO"} for n in e.denied_syscalls()]
    expect("seccomp: allows everything but what the default profiles deny", e.run(c), 0, [])
    c["linux"]["seccomp"]["syscalls"] = [{"names": ["userfaultfd"], "action": "SCMP_ACT_NOTIFY"}] + \
        [{"names": [n], "action": "SCMP_ACT_ERRNO"} for n in e.denied_syscalls() if n != "userfaultfd"]
    expect("seccomp: NOTIFY counts as allowed", e.run(c), 1, ["seccomp-permissive"], ["userfaultfd"])
    # A deny with argument conditions denies matching calls only: the default action takes the rest.
    cond = [{"index": 5, "value": 3735928559, "op": "SCMP_CMP_EQ"}]
    c["linux"]["seccomp"]["syscalls"] = [{"names": e.denied_syscalls(), "action": "SCMP_ACT_ERRNO", "args": cond}]
    expect("seccomp: conditional denies deny nothing", e.run(c), 1, ["seccomp-disabled"], ["allows every system call"])
    c["linux"]["seccomp"]["syscalls"].append({"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"})
    expect("seccomp: conditional denies and keyctl denied", e.run(c), 1, ["seccomp-permissive"], ["bpf", "userfaultfd"])
    c = copy.deepcopy(base)
    c["linux"]["seccomp"]["syscalls"].append({"names": ["bpf"], "action": "SCMP_ACT_ALLOW",
                                               "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]})
    expect("seccomp: a conditional allow of bpf counts as allowed", e.run(c), 1, ["seccomp-permissive"], ["bpf"])
    c = copy.deepcopy(base)
    c["linux"]["seccomp"]["syscalls"].append({"names": ["io_uring_setup", "io_uring_enter", "io_uring_register"],
                                               "action": "SCMP_ACT_ALLOW"})
    # containerd 1.7's RuntimeDefault (the kubelet's seccompDefault) allows io_uring: an engine default.
    expect("seccomp: io_uring allowed, as containerd 1.7's default profile does", e.run(c), 0)

    c = copy.deepcopy(base)
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "mount"]
    expect("no mount namespace", e.run(c), 1, ["ns-host-mount"])

    c = copy.deepcopy(base)
    for n in c["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = f"/proc/{os.getpid()}/ns/net"
    expect("network namespace joined by path: the host's", e.run(c), 1, ["ns-host-net"])
    other = subprocess.Popen(["unshare", "--net", "sleep", "60"])
    try:
        for n in c["linux"]["namespaces"]:
            if n["type"] == "network":
                n["path"] = f"/proc/{other.pid}/ns/net"
        # unshare needs a moment to switch namespaces
        for _ in range(100):
            if os.readlink(f"/proc/{other.pid}/ns/net") != os.readlink("/proc/self/ns/net"):
                break
            subprocess.run(["sleep", "0.02"])
        expect("network namespace joined by path: another container's", e.run(c), 0, [])
        for n in c["linux"]["namespaces"]:
            if n["type"] == "network":
                n["path"] = f"{e.tmp}/no-such-namespace"
        expect("network namespace path that cannot be checked counts as the host's", e.run(c), 1, ["ns-host-net"])
        # runc's init opens a relative path from the container's root filesystem, where the image
        # may put a symlink to /proc/1/ns/net; the hook, whose directory is "/", would stat another
        # file ("/etc").
        for n in c["linux"]["namespaces"]:
            if n["type"] == "network":
                n["path"] = "etc"
        expect("network namespace path relative to the rootfs counts as the host's", e.run(c), 1, ["ns-host-net"])
    finally:
        other.kill()
        other.wait()

    c = copy.deepcopy(base)
    c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup2", "source": "cgroup2", "options": ["rw"]})
    expect("cgroup2 read-write in the host's cgroup namespace", e.run(c), 1, ["mount-sys-writable"])
    c["linux"]["namespaces"].append({"type": "cgroup"})
    expect("cgroup2 read-write in a private cgroup namespace", e.run(c), 0, [])
    # podman --systemd on a cgroup v2 host writes type "cgroup" read-write in a private cgroup namespace,
    # and runc mounts cgroup2 for it there: the host's mount table (<proc>/self/mountinfo) says which.
    c = copy.deepcopy(base)
    c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/sys/fs/cgroup"] + [
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["private", "rw"]}]
    c["linux"]["namespaces"].append({"type": "cgroup"})
    expect("cgroup read-write, host's cgroup mode unknown: judged as v1", e.run(c), 1, ["mount-sys-writable"])
    os.makedirs(f"{e.host}/proc/self", exist_ok=True)
    v1 = "25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    v2 = "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
    for name, table, ok in (("cgroup v1 host", v1, False), ("cgroup v2 host", v2, True),
                            ("cgroup2 mounted over a v1 tmpfs", v1 + v2, True), ("tmpfs over cgroup2", v2 + v1, False)):
        with open(f"{e.host}/proc/self/mountinfo", "w") as f:
            f.write("22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n" + table)
        expect(f"podman --systemd ({name}): cgroup read-write in a private cgroup namespace", e.run(c),
               0 if ok else 1, [] if ok else ["mount-sys-writable"])
    with open(f"{e.host}/proc/self/mountinfo", "w") as f:
        f.write(v2)
    h = copy.deepcopy(c)
    h["linux"]["namespaces"] = [n for n in h["linux"]["namespaces"] if n["type"] != "cgroup"]
    expect("cgroup read-write on a cgroup v2 host, in the host's cgroup namespace", e.run(h), 1,
           ["mount-sys-writable"])
    os.unlink(f"{e.host}/proc/self/mountinfo")

    for fstype in ("debugfs", "tracefs", "securityfs", "bpf"):
        c = copy.deepcopy(base)
        c["mounts"].append({"destination": "/k", "type": fstype, "source": fstype, "options": ["ro"]})
        expect(f"{fstype} mount", e.run(c), 1, ["mount-kernel-fs"])
    c = copy.deepcopy(base)
    c["mounts"].append({"destination": "/hostdev", "type": "devtmpfs", "source": "devtmpfs", "options": []})
    expect("devtmpfs mount", e.run(c), 1, ["mount-host-dev"])

    c = copy.deepcopy(base)
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "b", "access": "m"})
    expect("cgroup rule allowing only mknod of block devices", e.run(c), 0, [])

    c = copy.deepcopy(base)
    c["linux"]["devices"].append({"path": "/dev/nvidia-caps/nvidia-cap1", "type": "c", "major": 241, "minor": 1})
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 241, "minor": 1, "access": "rwm"})
    expect("MIG capability node (dynamic major) not requested", e.run(c), 1, ["gpu-not-requested"],
           ["/dev/nvidia-caps/nvidia-cap1 (c 241:1)"])

    c = copy.deepcopy(base)
    for m in (21, 22):
        c["linux"]["devices"].append({"path": f"/dev/nvidia-caps/nvidia-cap{m}", "type": "c", "major": 241, "minor": m})
        c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 241, "minor": m, "access": "rwm"})
    expect("MIG device's capability nodes, requested (nvidia.com/gpu=0:1)", e.run(c, ["--cdi-device", "nvidia.com/gpu=0:1"]),
           0, [])
    expect("MIG capability nodes with only the whole GPU requested", e.run(c), 1, ["gpu-not-requested"],
           ["/dev/nvidia-caps/nvidia-cap21 (c 241:21)"])

    c = copy.deepcopy(base)
    c["linux"]["devices"].append({"path": "/dev/watchdog0", "type": "c", "major": 249, "minor": 0})
    expect("watchdog (dynamic major)", e.run(c), 1, ["host-device-sensitive"], ["reboots the host"])

    # A read-only recursive bind of /sys or /sys/fs leaves the kernel filesystems mounted below it
    # writable: "ro" applies to the top mount only.
    for src in ("/sys", "/sys/./fs/", "/sys/kernel"):
        c = copy.deepcopy(base)
        c["mounts"].append({"destination": "/host-sys", "type": "bind", "source": src, "options": ["rbind", "ro"]})
        expect(f"read-only recursive bind of {src}", e.run(c), 1,
               ["mount-kernel-fs"] + (["masked-paths-removed"] if src == "/sys" else []), ["writable below a read-only"])

    # The fast path sees mount sources as the rules do: normalised, and nodes by their number.
    nongpu = e.config("nongpu-default")
    c = copy.deepcopy(nongpu)
    c["mounts"].append({"destination": "/opt/x", "type": "bind", "source": "/dev/./nvidia-x/", "options": ["rbind"]})
    expect("non-GPU fast path: /dev/./nvidia-x/ is a GPU node path", e.run(c), 1, ["gpu-not-requested"])
    c = copy.deepcopy(nongpu)
    c["mounts"].append({"destination": "/opt/x", "type": "bind", "source": f"{e.host}/dev/nvidia1", "options": ["bind"]})
    expect("non-GPU fast path: a GPU node under another name", e.run(c), 1, ["gpu-not-requested"], ["nvidia1 (NVIDIA GPU nodes) mounted at /opt/x"])

    # Numbers as the runtime applies them: the eBPF device filter compares 32 bits, mknod takes a
    # 32-bit dev_t (major 12 bits, minor 20), so these are judged as the device they become.
    c = copy.deepcopy(nongpu)
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 2**32 + 195, "access": "rwm"})
    expect("cgroup rule major above 32 bits is 195 to the device filter", e.run(c), 1, ["gpu-not-requested"],
           ["'c 195:*'"])
    c = copy.deepcopy(base)
    c["linux"]["devices"].append({"path": "/dev/x", "type": "c", "major": 4096 + 1, "minor": 1})
    expect("device major above 12 bits: mknod makes 4097:1 /dev/mem", e.run(c), 1, ["host-device-sensitive"],
           ["/dev/x (c 1:1, physical memory)"])
    c = copy.deepcopy(base)
    c["linux"]["devices"].append({"path": "/dev/x", "type": "c", "major": 4, "minor": -5})
    expect("negative device minor wraps as in mknod", e.run(c), 1, ["host-device-sensitive"], ["c 4:1048571"])
    c = copy.deepcopy(nongpu)
    c["linux"]["devices"] = [{"path": "/dev/x", "type": "c", "major": 2**63 - 1, "minor": 2**63 - 1}]
    expect("non-GPU device with the largest int64 numbers", e.run(c), 0, [])
    # A device is judged by its numbers: /dev/null given the name /dev/nvidia0 is no GPU, and a
    # privileged container without a GPU is not the hook's to refuse; c 195:0 under any name is one.
    c = copy.deepcopy(nongpu)
    c["linux"].setdefault("devices", []).append({"path": "/dev/nvidia0", "type": "c", "major": 1, "minor": 3})
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"})
    c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    expect("/dev/null at the path /dev/nvidia0 is not a GPU request", e.run(c), 0, [])
    c = copy.deepcopy(nongpu)
    c["linux"].setdefault("devices", []).append({"path": "/dev/zz", "type": "c", "major": 195, "minor": 0})
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 195, "minor": 0, "access": "rwm"})
    c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    expect("c 195:0 under another name makes a GPU container", e.run(c), 1, ["cap-sys-admin"])
    c = copy.deepcopy(nongpu)
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 195, "minor": -7, "access": "rw"})
    expect("negative cgroup minor is 'any', as runc reads it", e.run(c), 1, ["gpu-not-requested"], ["'c 195:*'"])
    c = copy.deepcopy(nongpu)
    c["mounts"].append({"destination": "/x", "type": "bind", "source": "../../../../../../../../dev", "options": ["rbind"]})
    expect("relative bind source is joined to the bundle, as runc does", e.run(c), 1, ["mount-host-dev"],
           ["../dev (the host's /dev) mounted writable at /x"])
    # runc follows symlinks in a bind source: so does the question whether it reaches a GPU.
    for sub, rule in (("sys", "mount-sys-writable"), ("dev", "mount-host-dev")):
        c = copy.deepcopy(nongpu)
        c["mounts"].append({"destination": "/hx", "type": "bind", "source": f"{e.host}/link-to-root/{sub}",
                            "options": ["rbind", "rw"]})
        expect(f"no GPU device, bind of /{sub} through a symlink", e.run(c), 1, [rule])
    c = copy.deepcopy(nongpu)
    c["mounts"].append({"destination": "/hx", "type": "overlay", "source": "overlay",
                        "options": [f"lowerdir={e.host}/data:/dev"]})
    expect("no GPU device, overlay with the host's /dev as a layer", e.run(c), 1, ["mount-host-dev"])

    expect("requested CDI device in no spec", e.run(base, ["--cdi-device", "nvidia.com/gpu=7"]), 1, ["spec-stale"],
           ["nvidia.com/gpu=7 is in no spec", "run gpucdi generate", "exits 75"])
    # podman reads specs with Go's encoding/json: keys in any case, the last of duplicates. So does the hook.
    spec = f"{e.host}/cdi/keys.example-gpu.json"
    with open(spec, "w") as f:
        f.write('{"cdiVersion": "0.5.0", "Kind": "keys.example/gpu", "kind": "keys.example/gpu", "DEVICES": [{"Name": "0", '
                f'"containerEdits": {{"DeviceNodes": [{{"path": "/dev/nvidia0", "HOSTPATH": "{e.host}/dev/nvidia0"}}]}}}}]}}')
    expect("a spec with keys in other cases (Go's matching, as podman reads it) holds its device",
           e.run(base, ["--cdi-device", "keys.example/gpu=0"]), 0, [])
    os.unlink(spec)

    os.rename(f"{e.host}/dev/nvidia0", f"{e.host}/dev/nvidia0.away")
    try:
        expect("CDI node gone from the host", e.run(base), 1, ["spec-stale"], ["nvidia0 no longer exists"])
    finally:
        os.rename(f"{e.host}/dev/nvidia0.away", f"{e.host}/dev/nvidia0")
    os.rename(f"{e.host}/dev/nvidia0", f"{e.host}/dev/nvidia0.away")
    try:
        with open(f"{e.host}/dev/nvidia0", "w") as f:
            f.write("not a node\n")
        expect("CDI node a regular file on the host", e.run(base), 1, ["spec-stale"],
               ["nvidia0 is not a character device"])
    finally:
        os.unlink(f"{e.host}/dev/nvidia0")
        os.rename(f"{e.host}/dev/nvidia0.away", f"{e.host}/dev/nvidia0")
    # nvidia-uvm reloaded with another major: the node (238:0) and the container agree, the kernel does not.
    with open(f"{e.host}/proc/devices", "w") as f:
        f.write(fakehost.PROC_DEVICES.format(uvm=239))
    try:
        expect("CDI node with a stale dynamic major", e.run(base), 1, ["spec-stale"],
               ["nvidia-uvm is c 238:0 but 238 is not the kernel's nvidia-uvm major"])
    finally:
        with open(f"{e.host}/proc/devices", "w") as f:
            f.write(fakehost.PROC_DEVICES.format(uvm=238))


def input_handling(e):
    base = e.config()
    b = e.bundle(base)

    def run_state(state):
        return hooktest.run_hook(e.hook, e.args(), state, cwd=b)

    expect("state not JSON", run_state("not json"), 3, [], ["refused container (unknown id)", "container state on stdin"])
    expect("state without id", run_state(json.dumps({"bundle": b})), 3, [], ["id: missing"])
    expect("state with a relative bundle", run_state(json.dumps({"id": "x", "bundle": "relative"})), 3, [],
           ["bundle: missing or not an absolute path"])
    big = json.dumps({"id": "x", "bundle": b, "annotations": {"a": "x" * (64 * 1024)}})
    expect("state with 64 KiB of annotations", run_state(big), 0, [])
    big = json.dumps({"id": "x", "bundle": b, "annotations": {"a": "x" * (16 * 1024 * 1024)}})
    expect("state larger than 16 MiB", run_state(big), 3, [], ["larger than 16777216 bytes"])
    expect("empty state", run_state(""), 3, [], ["refused"])

    def run_raw(raw):
        return e.run(base, raw=raw)

    expect("config.json truncated", run_raw(json.dumps(base)[:-10]), 3, [], ["config.json: line 1", "cannot be checked"])
    expect("config.json not an object", run_raw("[]"), 3, [], ["the top level is not an object"])
    expect("config.json with a duplicate key", run_raw('{"linux": {}, "linux": {"devices": []}}'), 3, [],
           ["linux: 2 keys name this field", "fix: write each key once"])
    bad = copy.deepcopy(base)
    bad["linux"]["devices"] = {"path": "/dev/nvidia0"}
    expect("linux.devices of the wrong type", e.run(bad), 3, [], ["linux.devices: expected an array"])
    bad = copy.deepcopy(base)
    bad["mounts"][0]["options"] = "ro"
    expect("mount options of the wrong type", e.run(bad), 3, [], ["mounts[].options: expected an array"])
    bad = copy.deepcopy(base)
    bad["process"]["capabilities"]["bounding"] = [21]
    expect("capability that is no string", e.run(bad), 3, [], ["process.capabilities.bounding: expected a string"])
    padded = json.dumps(base) + " " * (16 * 1024 * 1024)
    expect("config.json larger than 16 MiB, GPU requested", run_raw(padded), 3, [], ["more than the 16777216 bytes"])

    b = e.bundle(base)
    os.rename(f"{b}/config.json", f"{b}/real.json")
    os.symlink("real.json", f"{b}/config.json")
    expect("config.json a symlink", hooktest.run_hook(e.hook, e.args(), hooktest.state_for(b), cwd=b), 3, [],
           ["is a symbolic link"])
    os.unlink(f"{b}/config.json")
    expect("config.json missing", hooktest.run_hook(e.hook, e.args(), hooktest.state_for(b), cwd=b), 3, [],
           ["Failed to open", "No such file"])
    os.mkfifo(f"{b}/config.json")
    expect("config.json a FIFO (no hang)", hooktest.run_hook(e.hook, e.args(), hooktest.state_for(b), cwd=b), 3, [],
           ["not a regular file"])

    expect("no stage argument", hooktest.run_hook(e.hook, ["gpucdi-hook"], "", cwd="/"), 2)
    expect("wrong stage", hooktest.run_hook(e.hook, ["gpucdi-hook", "poststart"], "", cwd="/"), 2)
    expect("unknown option", hooktest.run_hook(e.hook, ["gpucdi-hook", "prestart", "--bogus"], "", cwd="/"), 2)
    expect("malformed --cdi-device", hooktest.run_hook(e.hook, ["gpucdi-hook", "prestart", "--cdi-device", "gpu0"], "",
                                                       cwd="/"), 2, contains=["fully-qualified"])
    p = subprocess.run([e.hook, "--help"], capture_output=True, text=True)
    t.ok(p.returncode == 0 and "Usage: gpucdi-hook prestart" in p.stdout, "--help")
    p = subprocess.run([e.hook, "--version"], capture_output=True, text=True)
    t.ok(p.returncode == 0 and p.stdout.startswith("gpucdi "), "--version")

    # Nothing inherited changes the verdict: a hostile environment and the bundle as cwd.
    hostile = {"PATH": "/nonexistent", "LD_PRELOAD": "/nonexistent/evil.so", "LD_LIBRARY_PATH": "/nonexistent",
               "GCONV_PATH": "/nonexistent", "TZ": "/nonexistent", "GPUCDI_POLICY": "/dev/null"}
    priv = e.config("privileged")
    expect("hostile environment: privileged still refused", e.run(priv, env=hostile), 1, ["privileged"])
    expect("hostile environment: benign still starts", e.run(base, env=hostile), 0, [])


def policies(e):
    base, priv, admin = e.config(), e.config("privileged"), e.config("cap-sys-admin")
    expect("no policy file: defaults", e.run(priv, policy=f"{e.tmp}/none.conf"), 1, ["privileged"])

    p = e.policy("mode = audit\n")
    expect("audit mode: warned, started", e.run(priv, policy=p), 0, ["privileged"],
           ["gpucdi: audit mode, not refusing container 0123456789ab: [privileged]"], ["gpucdi: refused"])
    p = e.policy("# comment\n\nallow = cap-sys-admin   # trailing comment\n")
    expect("allow = cap-sys-admin", e.run(admin, policy=p), 0, [])
    expect("allow = cap-sys-admin leaves other rules", e.run(priv, policy=p), 1, ["privileged"])
    p = e.policy("allow = privileged\n")
    expect("allow = privileged covers what privileged implies", e.run(priv, policy=p), 0, [])
    uts = e.config("gpu0-uts-host")
    expect("host UTS namespace allowed by default", e.run(uts), 0, [])
    p = e.policy("deny = ns-host-uts\n")
    expect("deny = ns-host-uts", e.run(uts, policy=p), 1, ["ns-host-uts"])
    p = e.policy("deny-host-ns = pid ipc net uts cgroup\n")
    expect("deny-host-ns with uts", e.run(uts, policy=p), 1, ["ns-host-uts", "ns-host-cgroup"])
    expect("deny-host-ns with cgroup: podman's default here is the host's", e.run(base, policy=p), 1,
           ["ns-host-cgroup"])
    p = e.policy("deny-host-ns = ipc\n")
    expect("deny-host-ns without pid allows --pid host", e.run(e.config("ns-host-pid"), policy=p), 0, [])
    expect("deny-host-ns keeps ipc", e.run(e.config("ns-host-ipc"), policy=p), 1, ["ns-host-ipc"])

    # Untrusted or malformed policies refuse GPU containers and say why.
    p = e.policy("allow = privileged\n", uid=1000)
    expect("policy owned by another user", e.run(priv, policy=p), 3, [], ["owned by uid 1000", "cannot be used"])
    p = e.policy("allow = privileged\n", mode=0o666)
    expect("policy writable by others", e.run(priv, policy=p), 3, [], ["writable by others", "chmod go-w"])
    p = e.policy("allow = privileged\n", mode=0o664)
    expect("policy writable by its group", e.run(priv, policy=p), 3, [], ["writable by its group"])
    p = e.policy("allow = privileged\n")
    os.chmod(os.path.dirname(p), 0o777)
    expect("policy in a world-writable directory", e.run(priv, policy=p), 3, [], ["Policy directory", "writable by others"])
    os.chmod(os.path.dirname(p), 0o1777)
    expect("policy in a sticky world-writable directory", e.run(priv, policy=p), 0, [])
    target = e.policy("allow = privileged\n")
    link = f"{os.path.dirname(target)}/link.conf"
    os.symlink(target, link)
    expect("policy through a symlink (NixOS /etc)", e.run(priv, policy=link), 0, [])
    for text, msg in (("mode = sometimes\n", ":1: mode must be"), ("colour = blue\n", ":1: unknown key"),
                      ("allow = privileged no-such-rule\n", "unknown rule 'no-such-rule'"),
                      ("\n\nallow privileged\n", ":3: expected 'key = value'"),
                      ("deny-host-ns = pid mount\n", "unknown namespace 'mount'")):
        p = e.policy(text)
        expect(f"malformed policy: {text.strip()}", e.run(priv, policy=p), 3, [], [msg])
    # Rootless podman runs the hook in the user's namespace, where root's files are the overflow uid.
    p = e.policy("mode = audit\n")
    b = e.bundle(priv)
    r = subprocess.run(["unshare", "--user", e.hook] + e.args(policy=p)[1:], input=hooktest.state_for(b),
                       capture_output=True, text=True, cwd="/")
    expect("in a user namespace root's policy (seen as uid 65534) is trusted", (r.returncode, r.stderr), 0,
           ["privileged"], ["audit mode, not refusing"])
    p = e.policy("mode = audit\n", uid=65534)
    expect("outside a user namespace a policy owned by uid 65534 is not", e.run(priv, policy=p), 3, [],
           ["owned by uid 65534"])
    p = e.policy("mode = audit\n", uid=1000)
    expect("untrusted policy is not read for a container without GPU", e.run(e.config("nongpu-default"), policy=p), 0, [])


def entries(e):
    cfg = e.config("gpu01-privileged")
    b = e.bundle(cfg)
    ent = hooktest.gpucdi_entries(cfg)
    t.ok(len(ent) == 3, "gpu01-privileged has two CDI entries and the hooks.d entry")
    st = hooktest.state_for(b)
    expect("first entry does the work", hooktest.run_hook(e.hook, ent[0]["args"], st, cwd=b), 1, ["privileged"],
           ["gpucdi: refused container"])
    expect("second CDI entry defers to the first", hooktest.run_hook(e.hook, ent[1]["args"], st, cwd=b), 0, [])
    t.ok(hooktest.run_hook(e.hook, ent[1]["args"], st, cwd=b)[1] == "", "second CDI entry says nothing")
    expect("hooks.d entry defers to the first", hooktest.run_hook(e.hook, ent[2]["args"], st, cwd=b), 0, [])
    expect("an invocation matching no entry does the work", e.run(cfg), 1, ["privileged"])
    # Only an earlier entry that runs this very program with the same options may do the work.
    for name, decoy in (("another program named gpucdi-hook", {"path": "/bin/true", "args": ["gpucdi-hook", "prestart"]}),
                        ("this program with other options", dict(ent[0], args=ent[0]["args"][:1] + ["--help"] +
                                                                 ent[0]["args"][1:]))):
        d = copy.deepcopy(cfg)
        d["hooks"]["prestart"].insert(0, decoy)
        bd = e.bundle(d)
        expect(f"a decoy entry first ({name}): the CDI entry still judges",
               hooktest.run_hook(e.hook, ent[0]["args"], hooktest.state_for(bd), cwd=bd), 1, ["privileged"])
    # The first entry knows every requested device: gpu=1's node is not "not requested".
    expect("devices of every entry are collected", hooktest.run_hook(e.hook, ent[0]["args"], st, cwd=b), 1,
           ["privileged"], absent=["gpu-not-requested"])
    ok = e.config("gpu01")
    b = e.bundle(ok)
    ent = hooktest.gpucdi_entries(ok)
    expect("gpu01: first entry allows nvidia1 requested by the second",
           hooktest.run_hook(e.hook, ent[0]["args"], hooktest.state_for(b), cwd=b), 0, [])


def syslog(e):
    if not shutil.which("unshare"):
        t.skip("syslog", "no unshare")
        return
    d = f"{e.tmp}/syslog"
    os.makedirs(d)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(f"{d}/log")
    sock.setblocking(False)

    def run(cfg):
        b = e.bundle(cfg)
        with open(f"{b}/state", "w") as f:
            f.write(hooktest.state_for(b))
        script = (f"mount -t tmpfs tmpfs /dev && touch /dev/log && mount --bind {d}/log /dev/log && "
                  f"exec {e.hook} {' '.join(e.args()[1:])} < {b}/state")
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                           capture_output=True, text=True)
        msgs = []
        while True:
            try:
                msgs.append(sock.recv(4096).decode())
            except BlockingIOError:
                break
        return p.returncode, p.stderr, msgs

    rc, err, msgs = run(e.config("privileged"))
    t.ok(rc == 1 and any(m.startswith("<84>gpucdi-hook[") and f"refused container {hooktest.FIXED_ID}: [privileged]" in m
                         for m in msgs), "syslog: refusal at LOG_AUTHPRIV|LOG_WARNING with the full container id",
         f"{rc}\n{err}\n{msgs}")
    rc, err, msgs = run(e.config())
    t.ok(rc == 0 and any(m.startswith("<86>") and "allowed GPU container" in m for m in msgs),
         "syslog: allowed GPU container at LOG_INFO", f"{rc}\n{err}\n{msgs}")
    rc, err, msgs = run(e.config("nongpu-default"))
    t.ok(rc == 0 and msgs == [], "syslog: nothing for a non-GPU container (not even a connection)",
         f"{rc}\n{err}\n{msgs}")
    sock.close()
    # Without a reader behind /dev/log (the socket is gone) the hook goes on.
    b = e.bundle(e.config("privileged"))
    with open(f"{b}/state", "w") as f:
        f.write(hooktest.state_for(b))
    script = (f"mount -t tmpfs tmpfs /dev && touch /dev/log && "
              f"exec {e.hook} {' '.join(e.args()[1:])} < {b}/state")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], capture_output=True, text=True)
    expect("syslog: a dead /dev/log changes nothing", (p.returncode, p.stderr), 1, ["privileged"])


def check_cli(e):
    if not e.gpucdi:
        t.skip("gpucdi check", "the gpucdi binary was not built")
        return
    g = e.gpucdi
    roots = ["--proc-root", f"{e.host}/proc", "--dev-root", f"{e.host}/dev", "--spec-dir", f"{e.host}/cdi",
             "--policy", f"{e.host}/policy.conf"]

    def check(cfg, *extra):
        b = e.bundle(cfg)
        p = subprocess.run([g, "check", *roots, *extra, f"{b}/config.json"], capture_output=True, text=True)
        return p, b

    p, b = check(e.config("nongpu-default"))
    t.ok(p.returncode == 0 and "no GPU device" in p.stdout, "check: non-GPU config", p.stdout + p.stderr)
    p, b = check(e.config("nongpu-default"), "--json")
    t.ok(p.returncode == 0 and json.loads(p.stdout) == [], "check --json: non-GPU config is []", p.stdout)
    p, b = check(e.config("gpu0-default"))
    t.ok(p.returncode == 0 and "passes every rule" in p.stdout, "check: benign GPU config", p.stdout + p.stderr)
    # Same lines as the hook, with the file instead of the container id.
    priv = e.config("many")
    p, b = check(priv)
    hook_rc, hook_err = e.run(priv)
    want = [line.replace(f"container {hooktest.FIXED_ID[:12]}", f"{b}/config.json") for line in hook_err.splitlines()]
    t.ok(p.returncode == 1 and p.stdout.splitlines() == want, "check prints the hook's lines",
         f"{p.stdout}\n---\n{hook_err}")
    # A config without hook entries (e.g. another CDI tool's spec): --cdi-device names the request.
    raw = e.config("gpu01")
    raw["hooks"] = {}
    p, b = check(raw, "--json")
    t.ok(p.returncode == 0 and json.loads(p.stdout) == [], "check: no hook entries, the nodes are the request",
         p.stdout + p.stderr)
    p, b = check(raw, "--json", "--cdi-device", "nvidia.com/gpu=0")
    got = {o["rule"] for o in json.loads(p.stdout or "null") or []}
    t.ok(p.returncode == 1 and got == {"gpu-not-requested"}, "check --cdi-device: gpu=1's node is not requested",
         p.stdout + p.stderr)
    p = subprocess.run([g, "check"], capture_output=True, text=True)
    t.ok(p.returncode == 2 and "CONFIG.json" in p.stderr, "check without a file: usage error", p.stderr)
    p = subprocess.run([g, "check", f"{e.tmp}/missing.json"], capture_output=True, text=True)
    t.ok(p.returncode == 3 and "missing.json" in p.stderr, "check of a missing file", p.stderr)
    p = subprocess.run([g, "check", "--help"], capture_output=True, text=True)
    t.ok(p.returncode == 0 and "gpucdi check CONFIG.json" in p.stdout, "check --help")
    p = subprocess.run([g, "hook", "prestart", *roots], input=hooktest.state_for(e.bundle(e.config("privileged"))),
                       capture_output=True, text=True)
    t.ok(p.returncode == 1 and "[privileged]" in p.stderr, "gpucdi hook verb", p.stderr)


def coverage(e):
    rules = [r[0] for r in hooktest.list_rules(e.hook)]
    corpus = set()
    for _, verdict, rs in hooktest.expected():
        if verdict == "refuse":
            corpus |= rs
    missing = [r for r in rules if r not in corpus | refused_rules]
    t.ok(rules and not missing, f"every one of the {len(rules)} rules refuses some container in the tests", f"never: {missing}")
    t.ok(len(set(rules)) == len(rules) and all(r.replace("-", "").isalnum() and r == r.lower() for r in rules),
         "rule ids are unique lower-case words")


def main():
    hook = os.path.abspath(sys.argv[1])
    gpucdi = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    if os.geteuid() != 0:
        print("1..0 # SKIP the fake host needs root (mknod)")
        return 0
    tmp = tempfile.mkdtemp(prefix="gpucdi-hook-unit-")
    os.chmod(tmp, 0o755)
    try:
        e = Env(tmp, hook, gpucdi)
        synthetic(e)
        families.run_all(e, expect, hooktest.run_hook)
        input_handling(e)
        policies(e)
        entries(e)
        syslog(e)
        check_cli(e)
        coverage(e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
