#!/usr/bin/python3
"""End to end with real podman 4.3 + runc: gpucdi-hook installed both ways, through CDI spec hook
entries (specs put into /etc/cdi for the test and removed after) and through a hooks.d file made
from the one meson installs. Risky GPU containers must fail to start with the rule's message
(podman exit 126), benign and non-GPU ones must start.

    test-podman.py GPUCDI-HOOK INSTALLED-HOOKS-D-JSON"""

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehost  # noqa: E402
from fixtures import engines_lock  # noqa: E402
import hooktest  # noqa: E402

# Kinds of their own, so that no other spec in /etc/cdi can clash with the test's.
NV = "hooktest.gpucdi.example/gpu"
AMD = "hooktest-amd.gpucdi.example/gpu"

t = hooktest.Tap()


def podman(hooks_dir, rootfs, args, cmd=("/bin/ls", "/dev"), user=None):
    net = [] if any(a.startswith("--network") for a in args) else ["--network", "none"]
    full = ["podman", "--hooks-dir", hooks_dir, "run", "--rm", "--runtime", "runc", "--ulimit", "nofile=1024:1024",
            "--ulimit", "nproc=1024:1024", *net, *args, "--rootfs", rootfs, *cmd]
    run = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in full)] if user else full
    p = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd="/")
    return p.returncode, p.stdout, p.stderr, " ".join(run)


def starts(name, hooks_dir, rootfs, args, shows=(), cmd=("/bin/ls", "/dev"), user=None):
    rc, out, err, line = podman(hooks_dir, rootfs, args, cmd, user)
    t.ok(rc == 0 and all(s in out.split() for s in shows), f"starts: {name}", f"{line}\nexit {rc}\n{out}\n{err}")


def passes_hook(name, hooks_dir, rootfs, args, cmd, user=None):
    """The hook lets it through: it starts, or the runtime fails on its own after the hooks ran
    (an unprivileged user cannot raise a hard rlimit: runc's "error setting rlimit")."""
    rc, out, err, line = podman(hooks_dir, rootfs, args, cmd, user)
    after_hooks = rc == 126 and "error running hook" not in err and "error setting rlimit" in err
    t.ok(rc == 0 or after_hooks, f"passes the hook: {name}", f"{line}\nexit {rc}\n{out}\n{err}")


def podman_major():
    r = subprocess.run(["podman", "--version"], capture_output=True, text=True)
    try:
        return int(r.stdout.split()[-1].split(".")[0])
    except (ValueError, IndexError):
        return 0


def refused(name, hooks_dir, rootfs, args, rule, user=None):
    rc, out, err, cmd = podman(hooks_dir, rootfs, args, user=user)
    t.ok(rc == 126 and "error running hook" in err and f"[{rule}]" in err and "fix: " in err,
         f"refused: {name} [{rule}]", f"{cmd}\nexit {rc}\n{out}\n{err}")


USERNS = "hooktest-userns.gpucdi.example/gpu"
users = []
subid_backup = {}


def restore_subids():
    for path, text in subid_backup.items():
        with open(path, "w") as f:
            f.write(text)


def user_namespaces(tmp, host, hooks_d, rootfs, specs, made):
    """Rootless podman (runc in podman's user namespace) and rootful --userns=auto: runc cannot mknod
    there and bind-mounts each node from its CONTAINER path on the host, so the spec of these tests
    names nodes under a directory of /dev made for the run (removed after)."""
    if not (shutil.which("useradd") and shutil.which("newuidmap") and shutil.which("su")):
        for what in ("rootless", "--userns=keep-id", "--userns=auto"):
            t.skip(f"{what}: GPU container starts, risky one refused", "useradd, newuidmap (uidmap) or su missing")
        return
    devdir = f"/dev/gpucdi-e2e-{os.getpid()}"
    os.mkdir(devdir)
    made.append(devdir)
    nodes = {"nvidia0": (195, 0), "nvidiactl": (195, 255), "nvidia-uvm": (238, 0)}
    for n, (major, minor) in nodes.items():
        os.mknod(f"{devdir}/{n}", 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        os.chmod(f"{devdir}/{n}", 0o666)
    with open(f"{tmp}/specs/{NV.split('/')[0]}-hooktest.json") as f:
        spec = json.load(f)
    spec["kind"] = USERNS
    for edits in [spec["containerEdits"]] + [d["containerEdits"] for d in spec["devices"]]:
        for n in edits.get("deviceNodes", []):
            n["path"] = f"{devdir}/{os.path.basename(n['path'])}"
        for h in edits.get("hooks", []):
            h["args"] = [a.replace(NV, USERNS) for a in h["args"]]
    spec["containerEdits"]["deviceNodes"] = [n for n in spec["containerEdits"]["deviceNodes"]
                                             if os.path.basename(n["path"]) in nodes]
    dst = f"/etc/cdi/{USERNS.split('/')[0]}.json"
    with open(dst, "w") as f:
        json.dump(spec, f)
    os.chmod(dst, 0o644)
    specs.append(dst)
    g0 = ["--device", f"{USERNS}=0"]
    shows = ["nvidia0", "nvidiactl"]
    ls = ("/bin/ls", devdir)

    user = f"gpucdie2e{os.getpid()}"[:31]
    r = subprocess.run(["useradd", "-m", user], capture_output=True, text=True)
    if r.returncode != 0:
        t.skip("rootless: GPU container starts", f"useradd failed: {r.stderr.strip()}")
    else:
        users.append(user)
        # Rootless runc creates mount points in the root file system: the user's own copy.
        mine = f"{tmp}/rootfs-{user}"
        shutil.copytree(rootfs, mine, symlinks=True)
        subprocess.run(["chown", "-R", "-h", f"{user}:{user}", mine], check=True)
        starts("rootless: GPU 0 (the hook reads the bundle inside podman's user namespace)", hooks_d, mine, g0,
               shows, ls, user)
        passes_hook("rootless, non-GPU container with an unlimited memlock ulimit (18446744073709551615)", hooks_d,
                    mine, ["--ulimit", "memlock=-1:-1"], ("/bin/true",), user)
        refused("rootless: --cap-add SYS_ADMIN", hooks_d, mine, g0 + ["--cap-add", "SYS_ADMIN"], "cap-sys-admin", user)
        refused("rootless: --pid host", hooks_d, mine, g0 + ["--pid", "host"], "ns-host-pid", user)
        starts("rootless --userns=keep-id: GPU 0", hooks_d, mine, g0 + ["--userns=keep-id"], shows, ls, user)
        refused("rootless --userns=keep-id: -v /:/host", hooks_d, mine, g0 + ["--userns=keep-id", "-v", "/:/host:ro"],
                "mount-host-root", user)

    # Rootful --userns=auto takes ranges of the "containers" entry of /etc/subuid and /etc/subgid.
    for path in ("/etc/subuid", "/etc/subgid"):
        text = open(path).read() if os.path.exists(path) else ""
        subid_backup[path] = text
        if not any(line.startswith("containers:") for line in text.splitlines()):
            with open(path, "a") as f:
                f.write(("" if text.endswith("\n") or not text else "\n") + "containers:2147483647:1000000\n")
    if podman_major() < 5:
        # Measured with podman 4.3.1 + runc 1.1.5: --userns=auto with --rootfs writes a user namespace
        # without uid mappings, and runc refuses it ("no uid mappings found") before any hook runs.
        for name in ("rootful --userns=auto: GPU 0", "rootful --userns=auto: --cap-add SYS_ADMIN"):
            t.skip(name, "podman 4 gives --rootfs containers no mappings with --userns=auto (runc refuses them)")
        return
    starts("rootful --userns=auto: GPU 0", hooks_d, rootfs, g0 + ["--userns=auto"], shows, ls)
    refused("rootful --userns=auto: --cap-add SYS_ADMIN", hooks_d, rootfs, g0 + ["--userns=auto", "--cap-add",
                                                                                  "SYS_ADMIN"], "cap-sys-admin")


def cgroup_unified():
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == "/sys/fs/cgroup" and line.split(" - ")[1].split()[0] == "cgroup2"
                   for line in f if " - " in line)


def systemd_mode(hooks_d, rootfs, g0):
    """--systemd=always: on cgroup v2 podman mounts "cgroup" read-write in a private cgroup namespace,
    where runc mounts cgroup2 (the container's own subtree); on cgroup v1 it binds the host's whole
    name=systemd hierarchy writable, which stays refused."""
    if cgroup_unified():
        starts("--systemd=always on a cgroup v2 host", hooks_d, rootfs, g0 + ["--systemd=always"], ["nvidia0"])
    else:
        refused("--systemd=always on a cgroup v1 host (the host's systemd hierarchy, writable)", hooks_d, rootfs,
                g0 + ["--systemd=always"], "mount-sys-writable")


def image_layers(tmp, hooks_d, rootfs, g0):
    """podman --mount type=image gives the image's top layer (in container storage) as a read-only
    overlay lowerdir: the image's files, not another container's. Another container's layer and a
    writable image layer stay refused."""
    img = f"localhost/gpucdi-e2e-{os.getpid()}:latest"
    subprocess.run(["tar", "-C", rootfs, "-cf", f"{tmp}/rootfs.tar", "."], check=True)
    # and a symlink that leads out of the image when the host follows it
    os.makedirs(f"{tmp}/image-extra")
    os.symlink("/etc", f"{tmp}/image-extra/host-etc")
    subprocess.run(["tar", "-C", f"{tmp}/image-extra", "-rf", f"{tmp}/rootfs.tar", "./host-etc"], check=True)
    if subprocess.run(["podman", "import", "-q", f"{tmp}/rootfs.tar", img], capture_output=True).returncode != 0:
        t.skip("--mount type=image", "podman import failed")
        return
    ctr = None
    try:
        starts("--mount type=image (the image's top layer, read-only)", hooks_d, rootfs,
               g0 + ["--mount", f"type=image,source={img},destination=/img"], ["true"], ("/bin/ls", "/img/bin"))
        starts("--mount type=image,rw=true (writes go to the container's own upper directory)", hooks_d, rootfs,
               g0 + ["--mount", f"type=image,source={img},destination=/img,rw=true"], ["nvidia0"])
        if podman_major() >= 5:
            starts("--mount type=image,subpath=/bin", hooks_d, rootfs,
                   g0 + ["--mount", f"type=image,source={img},destination=/img,subpath=/bin"], ["true"], ("/bin/ls", "/img"))
        top = subprocess.run(["podman", "image", "mount", img], capture_output=True, text=True).stdout.strip()
        # not exempt: where it leads is no image layer (mount-host-etc refuses it too)
        refused("a symlink in the image's top layer leading to the host's /etc", hooks_d, rootfs,
                g0 + ["-v", f"{top}/host-etc:/img:ro"], "mount-engine-socket")
        refused("the image's top layer bound writable", hooks_d, rootfs, g0 + ["-v", f"{top}:/img"],
                "mount-engine-socket")
        ctr = subprocess.run(["podman", "create", "--runtime", "runc", img, "/bin/true"], capture_output=True,
                             text=True).stdout.strip()
        merged = subprocess.run(["podman", "mount", ctr], capture_output=True, text=True).stdout.strip()
        refused("another container's layer bound read-only", hooks_d, rootfs, g0 + ["-v", f"{merged}:/img:ro"],
                "mount-engine-socket")
    finally:
        if ctr:
            subprocess.run(["podman", "rm", "-f", ctr], capture_output=True)
        subprocess.run(["podman", "image", "unmount", "-f", img], capture_output=True)
        subprocess.run(["podman", "rmi", "-f", img], capture_output=True)


def main():
    hook = os.path.abspath(sys.argv[1])
    installed = sys.argv[2]
    if os.geteuid() != 0:
        print("1..0 # SKIP podman end-to-end needs root")
        return 0
    if not shutil.which("podman") or not shutil.which("runc"):
        print("1..0 # SKIP podman or runc not installed")
        return 0
    lock = engines_lock()  # noqa: F841 (held until exit)
    tmp = tempfile.mkdtemp(prefix="gpucdi-hook-e2e-")
    os.chmod(tmp, 0o755)
    specs, made = [], []
    try:
        rootfs = f"{tmp}/rootfs"
        hooktest.make_rootfs(rootfs)
        os.makedirs("/etc/cdi", exist_ok=True)
        host = fakehost.build(f"{tmp}/host", hook, nvidia_kind=NV, amd_kind=AMD, spec_dir=f"{tmp}/specs",
                              spec_arg=False)
        for f in sorted(os.listdir(f"{tmp}/specs")):
            dst = f"/etc/cdi/{f}"
            shutil.copy(f"{tmp}/specs/{f}", dst)
            specs.append(dst)

        # The installed hooks.d file, pointed at this build and the fake host and nothing else.
        with open(installed) as f:
            inst = json.load(f)
        test_entry = fakehost.hooks_d_entry(host, hook, None)
        same = {k: v for k, v in inst.items() if k != "hook"} == {k: v for k, v in test_entry.items() if k != "hook"}
        same = same and inst["hook"]["args"] == test_entry["hook"]["args"][:3] and inst["hook"]["env"] == test_entry["hook"]["env"]
        t.ok(same and inst["hook"]["args"] == ["gpucdi-hook", "prestart", "--hooks-d"],
             "the test hooks.d entry is the installed one plus fake-host roots", json.dumps(inst))
        hooks_d = f"{tmp}/hooks.d"
        os.makedirs(hooks_d)
        with open(f"{hooks_d}/gpucdi-hook.json", "w") as f:
            json.dump(test_entry, f)
        no_hooks = f"{tmp}/no-hooks.d"
        os.makedirs(no_hooks)
        # podman reads the installed file as it is, only its path changed to this build's hook.
        verbatim = f"{tmp}/installed-hooks.d"
        os.makedirs(verbatim)
        with open(installed) as f:
            text = f.read()
        with open(f"{verbatim}/gpucdi-hook.json", "w") as f:
            f.write(text.replace(inst["hook"]["path"], hook))
        starts("installed hooks.d file accepted by podman, non-GPU container", verbatim, rootfs, [])
        starts("installed hooks.d file, CDI GPU container", verbatim, rootfs, ["--device", f"{NV}=0"], ["nvidia0"])

        g0 = ["--device", f"{NV}=0"]
        # Both ways installed.
        starts("GPU 0 through CDI", hooks_d, rootfs, g0, ["nvidia0", "nvidiactl", "nvidia-uvm"])
        starts("GPUs 0 and 1 through CDI", hooks_d, rootfs, g0 + ["--device", f"{NV}=1"], ["nvidia0", "nvidia1"])
        starts("all GPUs", hooks_d, rootfs, ["--device", f"{NV}=all"], ["nvidia0", "nvidia1"])
        starts("read-only, non-root, tmpfs, shm, env", hooks_d, rootfs,
               g0 + ["--read-only", "--user", "1000:1000", "--tmpfs", "/scratch", "--shm-size", "256m", "-e", "A=b"],
               ["nvidia0"])
        starts("dropped capabilities and a data volume", hooks_d, rootfs,
               g0 + ["--cap-drop", "ALL", "-v", f"{host}/data:/data"], ["nvidia0"])
        starts("AMD GPU 0", hooks_d, rootfs, ["--device", f"{AMD}=0"], ["kfd"])
        starts("non-GPU container", hooks_d, rootfs, [])
        starts("non-GPU container with SYS_ADMIN (not a GPU container)", hooks_d, rootfs, ["--cap-add", "SYS_ADMIN"])
        refused("--privileged", hooks_d, rootfs, g0 + ["--privileged"], "privileged")
        refused("--cap-add SYS_ADMIN", hooks_d, rootfs, g0 + ["--cap-add", "SYS_ADMIN"], "cap-sys-admin")
        refused("--pid host", hooks_d, rootfs, g0 + ["--pid", "host"], "ns-host-pid")
        refused("-v /:/host", hooks_d, rootfs, g0 + ["-v", "/:/host:ro"], "mount-host-root")
        refused("--security-opt seccomp=unconfined", hooks_d, rootfs, g0 + ["--security-opt", "seccomp=unconfined"],
                "seccomp-disabled")
        refused("--device-cgroup-rule c 195:*", hooks_d, rootfs, g0 + ["--device-cgroup-rule", "c 195:* rwm"],
                "gpu-not-requested")
        refused("AMD with c 226:*", hooks_d, rootfs, ["--device", f"{AMD}=0", "--device-cgroup-rule", "c 226:* rwm"],
                "gpu-not-requested")
        refused("writable driver library in the spec", hooks_d, rootfs, ["--device", f"{NV}=rw"],
                "mount-driver-writable")
        refused("spec naming an old driver's library", hooks_d, rootfs, ["--device", f"{NV}=old"], "spec-stale")
        # hooks.d alone catches GPUs given without CDI.
        raw = ["--device", f"{host}/dev/nvidia0:/dev/nvidia0"]
        starts("raw GPU node without CDI", hooks_d, rootfs, raw, ["nvidia0"])
        refused("raw GPU node and --privileged", hooks_d, rootfs, raw + ["--privileged"], "privileged")
        refused("raw GPU node and a cgroup rule for every NVIDIA GPU", hooks_d, rootfs,
                raw + ["--device-cgroup-rule", "c 195:* rwm"], "gpu-not-requested")
        # CDI entries alone (no hooks.d file).
        starts("CDI only: GPU 0", no_hooks, rootfs, g0, ["nvidia0"])
        refused("CDI only: --pid host", no_hooks, rootfs, g0 + ["--pid", "host"], "ns-host-pid")
        refused("CDI only: a second GPU added raw", no_hooks, rootfs,
                g0 + ["--device", f"{host}/dev/nvidia1:/dev/nvidia1"], "gpu-not-requested")
        # Audit mode lets it start.
        with open(f"{host}/policy.conf", "w") as f:
            f.write("mode = audit\n")
        starts("audit mode: --privileged GPU container starts", hooks_d, rootfs, g0 + ["--privileged"], ["nvidia0"])
        with open(f"{host}/policy.conf", "w") as f:
            f.write("mode = enforce\nallow = ns-host-pid\n")
        starts("policy allow = ns-host-pid", hooks_d, rootfs, g0 + ["--pid", "host"], ["nvidia0"])
        with open(f"{host}/policy.conf", "w") as f:
            f.write("mode = enforce\n")
        image_layers(tmp, hooks_d, rootfs, g0)
        systemd_mode(hooks_d, rootfs, g0)
        user_namespaces(tmp, host, hooks_d, rootfs, specs, made)
    finally:
        for s in specs:
            os.unlink(s)
        for p in reversed(made):
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.lexists(p):
                os.unlink(p)
        for u in users:
            subprocess.run(["userdel", "-r", u], capture_output=True)
        restore_subids()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
