#!/usr/bin/python3
"""Regenerate tests/hook/corpus/*.json with real podman (as root; run it alone, it installs CDI
specs into /etc/cdi for the duration):

    sudo /usr/bin/python3 tests/hook/make-corpus.py [--rootless-user USER] [NAME...]

For each case of corpus/cases.txt it runs `podman run` on a busybox root file system with the fake
host of fakehost.py, a capture hook in place of gpucdi-hook (in the CDI specs' hook entries and in a
hooks.d file, with the arguments gpucdi-hook gets), and stores the config.json podman handed to
runc. Host-specific strings are normalised: the fake host's directory becomes @FAKEHOST@, the
capture hook @HOOK@, the container id and creation time fixed values; podman's default seccomp
profile, the same in most cases, is stored once in corpus/podman-seccomp.json and referenced as
"@PODMAN_SECCOMP@" (tests put it back before use). Paths it needs on the host
(/dev/dri, the podman and docker sockets, /nix/store) are created for the run when missing and
removed afterwards.

Cases whose options start with @ROOTLESS@ run as USER (rootless podman; e.g. `useradd -m u`, which
fills /etc/subuid); without --rootless-user they are skipped and their fixtures kept. Rootless runc
bind-mounts device nodes from their container paths, so /dev/nvidia* are created for the run."""

import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakehost  # noqa: E402
from fixtures import Temporary, standard  # noqa: E402

FAKE = "/tmp/gpucdi-corpus-host"
CAPTURE = f"{FAKE}/capture.py"
CAPTURED = f"{FAKE}/capture/config.json"
ROOTFS = f"{FAKE}/rootfs"
FIXED_ID = "0123456789abcdef" * 4
PODMAN = ["podman", "--hooks-dir", f"{FAKE}/hooks.d", "run", "--rm", "--runtime", "runc",
          "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


# Host devices the cases pass with --device, made for the run where this host lacks them.
DEVICES = {"/dev/tty0": (4, 0), "/dev/ttyS0": (4, 64), "/dev/fb0": (29, 0), "/dev/input/event0": (13, 64),
           "/dev/userfaultfd": (10, 126)}


def podman_major():
    out = subprocess.run(["podman", "--version"], capture_output=True, text=True).stdout
    return int(out.split()[-1].split(".")[0])


def cases():
    out = []
    with open(f"{HERE}/corpus/cases.txt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, args = line.partition(" ")
            out.append((name, shlex.split(args.replace("@FAKEHOST@", FAKE))))
    return out


def make_rootfs():
    os.makedirs(f"{ROOTFS}/bin", exist_ok=True)
    shutil.copy("/bin/busybox", f"{ROOTFS}/bin/busybox")
    for applet in ("sh", "true", "ls", "cat"):
        if not os.path.lexists(f"{ROOTFS}/bin/{applet}"):
            os.symlink("busybox", f"{ROOTFS}/bin/{applet}")
    for d in ("etc", "proc", "sys", "dev", "tmp", "run", "var/tmp"):
        os.makedirs(f"{ROOTFS}/{d}", exist_ok=True)
    fakehost.write(f"{ROOTFS}/etc/passwd", "root:x:0:0::/:/bin/sh\n")
    fakehost.write(f"{ROOTFS}/etc/group", "root:x:0:\n")
    if not os.path.lexists(f"{ROOTFS}/etc/mtab"):
        os.symlink("/proc/mounts", f"{ROOTFS}/etc/mtab")  # rootless podman cannot create it


SECCOMP_FILE = f"{HERE}/corpus/podman-seccomp.json"
SECCOMP_REF = "@PODMAN_SECCOMP@"


def normalise(text, cid):
    text = text.replace(cid, FIXED_ID).replace(cid[:12], FIXED_ID[:12])
    text = text.replace(CAPTURE, "@HOOK@").replace(ROOTFS + "-rootless", "@FAKEHOST@/rootfs").replace(FAKE, "@FAKEHOST@")
    cfg = json.loads(text)
    ann = cfg.get("annotations", {})
    if "io.kubernetes.cri-o.Created" in ann:
        ann["io.kubernetes.cri-o.Created"] = "2024-01-01T00:00:00.000000000Z"
    return cfg


def store(name, cfg, default_seccomp, ref=SECCOMP_REF):
    if cfg.get("linux", {}).get("seccomp") == default_seccomp:
        cfg["linux"]["seccomp"] = ref
    with open(f"{HERE}/corpus/{name}.json", "w") as f:
        f.write(json.dumps(cfg, separators=(",", ":")) + "\n")


def main():
    if os.geteuid() != 0:
        sys.exit("make-corpus.py: run as root (podman, mknod, /etc/cdi)")
    argv = sys.argv[1:]
    user = None
    if argv[:1] == ["--rootless-user"]:
        user, argv = argv[1], argv[2:]
    wanted = set(argv)
    fakehost.remove(FAKE)
    fakehost.build(FAKE, CAPTURE)
    make_rootfs()
    if user:
        # Rootless runc creates mount points in the root file system: give the user a copy.
        pw = pwd.getpwnam(user)
        shutil.copytree(ROOTFS, f"{ROOTFS}-rootless", symlinks=True)
        for d, dirs, files in os.walk(f"{ROOTFS}-rootless"):
            for n in [d] + [os.path.join(d, x) for x in dirs + files]:
                os.lchown(n, pw.pw_uid, pw.pw_gid)
    os.makedirs(os.path.dirname(CAPTURED), mode=0o1777)
    os.chmod(os.path.dirname(CAPTURED), 0o1777)
    fakehost.write(CAPTURE, "#!/usr/bin/python3\n"
                   "import json, shutil, sys\n"
                   "state = json.load(sys.stdin)\n"
                   f"shutil.copy(state['bundle'] + '/config.json', {CAPTURED!r})\n"
                   f"open({CAPTURED!r} + '.id', 'w').write(state['id'])\n", 0o755)
    fakehost.write(f"{FAKE}/hooks.d/gpucdi-hook.json",
                   json.dumps(fakehost.hooks_d_entry(FAKE, CAPTURE, f"{FAKE}/cdi"), indent=2) + "\n")
    specs = []
    for f in sorted(os.listdir(f"{FAKE}/cdi")):
        dst = f"/etc/cdi/zz-gpucdi-corpus-{f}"
        os.makedirs("/etc/cdi", exist_ok=True)
        shutil.copy(f"{FAKE}/cdi/{f}", dst)
        specs.append(dst)
    tmp = Temporary()
    failed = []
    captured = {}
    try:
        standard(tmp)
        for path, (major, minor) in DEVICES.items():
            tmp.node(path, major, minor)
        fakehost.write(f"{FAKE}/seccomp-allow-most.json", json.dumps(
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["reboot"], "action": "SCMP_ACT_ERRNO"}]}))
        tmp.file(f"{FAKE}/driver/lib64/{fakehost.GONE_FILE}")
        if user:
            for rel, (t, major, minor) in fakehost.NODES.items():
                if rel.startswith("nvidia"):
                    tmp.node(f"/dev/{rel}", major, minor)
        major = podman_major()
        subprocess.run(["podman", "volume", "create", "gpucdi-hookvol"],
                       stdout=subprocess.DEVNULL)
        for name, args in cases():
            if wanted and name not in wanted:
                continue
            if (args[:1] == ["@PODMAN5@"]) != (major >= 5):
                continue  # captured by the other podman
            if args[:1] == ["@PODMAN5@"]:
                args = args[1:]
            rootless = args[:1] == ["@ROOTLESS@"]
            if rootless:
                args = args[1:]
                if not user:
                    print(f"skipped {name}: needs --rootless-user", file=sys.stderr)
                    continue
            for f in (CAPTURED, CAPTURED + ".id"):
                if os.path.exists(f):
                    os.unlink(f)
            net = [] if any(a.startswith("--network") for a in args) else ["--network", "none"]
            root = [] if "--rootfs" in args else ["--rootfs", ROOTFS + ("-rootless" if rootless else "")]
            cmd = PODMAN + net + args + root + ["/bin/true"]
            if rootless:
                cmd = ["su", user, "-c", " ".join(shlex.quote(c) for c in cmd)]
            r = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
            if r.returncode != 0 and os.path.exists(CAPTURED):
                # The hook saw the config; what runc could not apply here (e.g. an rlimit above this
                # host's hard limit, a capability outside its bounding set) does not matter.
                print(f"note {name}: podman exit {r.returncode} after the capture: {r.stderr.strip()[-200:]}",
                      file=sys.stderr)
            if not os.path.exists(CAPTURED):
                failed.append(name)
                print(f"FAILED {name}: {' '.join(cmd)}\n{r.stderr}", file=sys.stderr)
                continue
            with open(CAPTURED + ".id") as f:
                cid = f.read().strip()
            with open(CAPTURED) as f:
                captured[name] = normalise(f.read(), cid)
            print(f"captured {name}")
        # The default profile is that of a container created with no security option.
        # podman 5 has a profile of its own: corpus/podman5-seccomp.json, "@PODMAN5_SECCOMP@".
        first, sfile, ref = ("p5-gpu0-default", SECCOMP_FILE.replace("podman-", "podman5-"), "@PODMAN5_SECCOMP@") \
            if major >= 5 else ("gpu0-default", SECCOMP_FILE, SECCOMP_REF)
        if first in captured:
            default_seccomp = captured[first]["linux"]["seccomp"]
            with open(sfile, "w") as f:
                f.write(json.dumps(default_seccomp, indent=1) + "\n")
        else:
            with open(sfile) as f:
                default_seccomp = json.load(f)
        for name, cfg in captured.items():
            store(name, cfg, default_seccomp, ref)
    finally:
        tmp.cleanup()
        for s in specs:
            os.unlink(s)
        subprocess.run(["podman", "volume", "rm", "--force", "gpucdi-hookvol"], stdout=subprocess.DEVNULL)
        fakehost.remove(FAKE)
    if failed:
        sys.exit(f"make-corpus.py: {len(failed)} cases failed: {' '.join(failed)}")


if __name__ == "__main__":
    main()
