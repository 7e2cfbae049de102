"""The families of access the hook judges, each in both directions (a GPU container that reaches
it is refused, one that does not is allowed), the way runc reads keys, and a large set of
containers without a GPU that must all start. Used by test-hook.py."""

import copy
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


def add_mount(cfg, dest, typ, src, opts=()):
    c = copy.deepcopy(cfg)
    c["mounts"].append({"destination": dest, "type": typ, "source": src, "options": list(opts)})
    return c


def rename_key(obj, old, new):
    """A copy of the dict with one key renamed, keeping the order."""
    return {(new if k == old else k): v for k, v in obj.items()}


def mounts(e, expect):
    base = e.config()
    bind = lambda src, dst="/x", opts=("rbind",): add_mount(base, dst, "bind", src, opts)  # noqa: E731
    # Overlay (podman -v SRC:DST:O): lowerdir read-only host paths, upperdir/workdir writable ones.
    ov = lambda opts: add_mount(base, "/data", "overlay", "overlay", opts)  # noqa: E731
    expect("overlay lowerdir=/etc", e.run(ov(["lowerdir=/etc", f"upperdir={e.tmp}/u", f"workdir={e.tmp}/w"])), 1,
           ["mount-host-etc"], ["/etc (the host's /etc)"])
    expect("overlay lowerdir=/srv:/ (second layer the host's root)",
           e.run(ov([f"lowerdir={e.host}/data:/", f"upperdir={e.tmp}/u", f"workdir={e.tmp}/w"])), 1, ["mount-host-root"])
    expect("overlay upperdir in /usr/lib: writable host libraries",
           e.run(ov([f"lowerdir={e.host}/data", "upperdir=/usr/lib/x", f"workdir={e.tmp}/w"])), 1,
           ["mount-host-system-writable"])
    # Root's own session: its systemd --user runs units for the container's uid 0, as root.
    for src in ("/run/user/0/systemd/private", "/run/user/0/bus", "/run/user/0"):
        expect(f"{src} mounted", e.run(bind(src, opts=("bind",))), 1, ["mount-engine-socket"])
    # Directories whose files the host later runs as root (cron, at, package scripts), and the kubelet's.
    for src, rule in (("/var/spool/cron/crontabs", "mount-host-system-writable"), ("/var/spool/at", "mount-host-system-writable"),
                      ("/var/lib/dpkg/info", "mount-host-system-writable"), ("/var/lib/rpm", "mount-host-system-writable"),
                      ("/var/lib/kubelet", "mount-engine-socket")):
        expect(f"{src} mounted writable", e.run(bind(src, opts=("rbind", "rw"))), 1, [rule])
    expect("/var/spool/cron mounted read-only", e.run(bind("/var/spool/cron", opts=("rbind", "ro"))), 0, [])
    # The kernel looks a relative overlay directory up from runc's init, whose working directory is
    # the container's root filesystem: an image symlink there (x -> /etc) is followed on the host.
    expect("overlay lowerdir relative to the rootfs", e.run(ov(["lowerdir=x:y"])), 1, ["mount-host-root"])
    expect("overlay upperdir relative to the rootfs",
           e.run(ov([f"lowerdir={e.host}/data", "upperdir=u", f"workdir={e.tmp}/w"])), 1, ["mount-host-root"])
    nongpu = e.config("nongpu-default")
    expect("no GPU, overlay lowerdir relative to the rootfs (may be the host's /dev)",
           e.run(add_mount(nongpu, "/data", "overlay", "overlay", ["lowerdir=x:y"])), 1, ["mount-host-root"])
    expect("overlay of a data directory (podman :O)",
           e.run(ov([f"lowerdir={e.host}/data", f"upperdir={e.tmp}/u", f"workdir={e.tmp}/w", "private"])), 0, [])
    # Overlay options as the kernel reads them: runc joins unknown options with ',', so one option
    # string may hold several; the last upperdir wins, lowerdir+=/datadir+= add layers.
    expect("overlay upperdir hidden after a comma",
           e.run(ov([f"lowerdir={e.host}/data", f"upperdir={e.tmp}/u,upperdir=/etc", f"workdir={e.tmp}/w"])), 1,
           ["mount-host-etc", "mount-gpucdi-writable"])
    expect("overlay second lowerdir= after a comma",
           e.run(ov([f"lowerdir={e.host}/data,lowerdir=/etc:{e.host}/data"])), 1, ["mount-host-etc"])
    expect("overlay lowerdir+=/etc", e.run(ov([f"lowerdir+={e.host}/data", "lowerdir+=/etc"])), 1, ["mount-host-etc"])
    expect("overlay datadir+=/etc", e.run(ov([f"lowerdir+={e.host}/data", "datadir+=/etc"])), 1, ["mount-host-etc"])
    # "remount" reconfigures the mount already at the destination (a read-only /sys made writable).
    expect("tmpfs remount at /sys", e.run(add_mount(base, "/sys", "tmpfs", "tmpfs", ["remount", "nosuid", "nodev"])),
           1, ["mount-fstype"], ["remount"])
    expect("bind remount", e.run(bind(f"{e.host}/data", "/d", ["bind", "remount"])), 1, ["mount-fstype"])
    # runc applies rro/rrw (mount_setattr, recursive) after ro/rw: "ro","rrw" is writable.
    expect("bind of /usr ro then rrw", e.run(bind("/usr", "/hu", ["rbind", "ro", "rrw"])), 1,
           ["mount-host-system-writable", "mount-gpucdi-writable"])
    expect("bind of /usr rro then rw", e.run(bind("/usr", "/hu", ["rbind", "rro", "rw"])), 0, [])
    # Kernel filesystems: an allowlist.
    expect("second proc at /host-proc", e.run(add_mount(base, "/host-proc", "proc", "proc")), 1, ["mount-proc-extra"])
    expect("sysfs read-write", e.run(add_mount(base, "/sys2", "sysfs", "sysfs", ["rw"])), 1,
           ["mount-sys-writable", "masked-paths-removed"])
    # A sysfs elsewhere shows /sys/firmware where the masks written for /sys do not reach.
    expect("sysfs read-only at /sys2", e.run(add_mount(base, "/sys2", "sysfs", "sysfs", ["ro"])), 1,
           ["masked-paths-removed"], ["/sys2/firmware"])
    sys2 = add_mount(base, "/sys2", "sysfs", "sysfs", ["ro"])
    sys2["linux"]["maskedPaths"] = sys2["linux"].get("maskedPaths", []) + ["/sys2/firmware"]
    expect("sysfs read-only at /sys2 with its firmware masked", e.run(sys2), 0, [])
    expect("bind of the host's /sys/firmware", e.run(bind("/sys/firmware", "/fw", ["rbind", "rro"])), 1,
           ["masked-paths-removed"], ["--security-opt mask=/fw"])
    expect("bind of the host's /sys at /hostsys", e.run(bind("/sys", "/hostsys", ["rbind", "rro"])), 1,
           ["masked-paths-removed"], ["/hostsys/firmware"])
    expect("bind of the host's /sys/class/drm", e.run(bind("/sys/class/drm", "/drm", ["rbind", "rro"])), 0, [])
    expect("cgroup v1 read-write", e.run(add_mount(base, "/cg", "cgroup", "cgroup", ["rw"])), 1, ["mount-sys-writable"])
    expect("binfmt_misc", e.run(add_mount(base, "/b", "binfmt_misc", "binfmt_misc")), 1, ["mount-fstype"],
           ["a binfmt_misc mount at /b"])
    expect("ext4 from a host disk", e.run(add_mount(base, "/disk", "ext4", "/dev/sda1")), 1, ["mount-fstype"])
    expect("nfs", e.run(add_mount(base, "/n", "nfs", "server:/export")), 1, ["mount-fstype"])
    for fstype in ("configfs", "efivarfs", "pstore"):
        expect(f"{fstype} mount", e.run(add_mount(base, "/k", fstype, fstype)), 1, ["mount-kernel-fs"])
    for fstype, opts in (("devpts", ["newinstance", "ptmxmode=0666"]), ("tmpfs", []), ("ramfs", []),
                         ("mqueue", []), ("hugetlbfs", ["pagesize=2M"])):
        expect(f"{fstype}: a private instance", e.run(add_mount(base, "/m", fstype, fstype, opts)), 0, [])
    expect("host /dev/pts bound", e.run(bind("/dev/pts", "/dev/pts")), 1, ["host-device-sensitive"],
           ["the host's terminals"])
    # "ro" of a recursive bind covers its top mount only, unless "rro".
    expect("recursive bind of /sys, rro", e.run(bind("/sys", "/host-sys", ["rbind", "ro", "rro"])), 1,
           ["masked-paths-removed"], ["/host-sys/firmware"])
    expect("non-recursive read-only bind of /sys", e.run(bind("/sys", "/host-sys", ["bind", "ro"])), 1,
           ["masked-paths-removed"], ["/host-sys/firmware"])
    for opts in (["rbind", "ro", "rro"], ["bind", "ro"]):
        masked = bind("/sys", "/host-sys", opts)
        masked["linux"]["maskedPaths"] = masked["linux"].get("maskedPaths", []) + ["/host-sys/firmware/"]
        expect(f"{opts[0]} of /sys, read-only, its firmware masked", e.run(masked), 0, [])
    # Propagation.
    expect("bind with rshared propagation", e.run(bind(f"{e.host}/data", "/d", ["rbind", "rshared"])), 1,
           ["mount-propagation-shared"])
    c = copy.deepcopy(base)
    c["linux"]["rootfsPropagation"] = "shared"
    expect("rootfsPropagation shared", e.run(c), 1, ["mount-propagation-shared"])
    c["linux"]["rootfsPropagation"] = "rslave"
    expect("rootfsPropagation rslave", e.run(c), 0, [])
    # gpucdi's own trust anchors and engine sockets.
    for src, rules in (("/etc/cdi", ["mount-gpucdi-writable", "mount-host-etc"]), ("/run/cdi", ["mount-gpucdi-writable"]),
                       ("/var/run/cdi", ["mount-gpucdi-writable"]),
                       ("/usr/share/containers/oci/hooks.d", ["mount-gpucdi-writable", "mount-host-system-writable"]),
                       ("/etc/containers/oci/hooks.d", ["mount-gpucdi-writable", "mount-host-etc"])):
        expect(f"writable {src}", e.run(bind(src, "/x", ["rbind", "rw"])), 1, rules)
    expect("read-only /run/cdi", e.run(bind("/run/cdi", "/x", ["rbind", "ro"])), 0, [])
    for sock in ("/run/k3s/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/buildkit/buildkitd.sock",
                 "/var/run/libvirt/libvirt-sock", "/run/snapd.socket", "/var/lib/incus/unix.socket",
                 "/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket", "/run/containerd/containerd.sock"):
        expect(f"engine socket {sock}", e.run(bind(sock, "/s", ["bind", "ro"])), 1, ["mount-engine-socket"])
    # A unix socket under /run that no table names.
    d = tempfile.mkdtemp(prefix="gpucdi-hooktest-", dir="/run")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(f"{d}/svc.sock")
        expect("unknown system socket under /run", e.run(bind(f"{d}/svc.sock", "/s", ["bind"])), 1,
               ["mount-system-socket"])
        os.rename(f"{d}/svc.sock", f"{e.tmp}/svc.sock")
        expect("a socket outside /run", e.run(bind(f"{e.tmp}/svc.sock", "/s", ["bind"])), 0, [])
    finally:
        s.close()
        os.rmdir(d)
    # podman --sdnotify=container binds the notify socket from the container's own directory.
    d = f"/run/containers/storage/overlay-containers/gpucdi-hooktest-{os.getpid()}"
    os.makedirs(f"{d}/userdata/notify")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(f"{d}/userdata/notify/notify.sock")
        expect("podman's notify socket (sdnotify=container)",
               e.run(bind(f"{d}/userdata/notify/notify.sock", "/run/notify/notify.sock", ["bind"])), 0, [])
    finally:
        s.close()
        shutil.rmtree(d)
    # The container's root filesystem.
    c = copy.deepcopy(base)
    c["root"] = {"path": "/"}
    expect("root.path / (podman --rootfs /)", e.run(c), 1, ["mount-host-root"], ["as the root filesystem"])
    c["root"] = {"path": f"{e.host}/link-to-root", "readonly": True}
    expect("root.path a symlink to /", e.run(c), 1, ["mount-host-root"], ["resolving to /"])
    # A rootfs under the bundle that is a symlink to / is the host's root, not the engine's rootfs.
    nxt = f"{e.tmp}/b{e.n + 1}"
    os.makedirs(nxt)
    os.symlink("/", f"{nxt}/rootfs")
    c["root"] = {"path": "rootfs"}
    expect("root.path rootfs in the bundle, a symlink to /", e.run(c), 1, ["mount-host-root"], ["resolving to /"])
    c["root"] = {"path": "/usr"}
    expect("root.path /usr writable", e.run(c), 1, ["mount-host-system-writable", "mount-gpucdi-writable"])
    c["root"] = {"path": "/usr", "readonly": True}
    expect("root.path /usr read-only", e.run(c), 0, [])
    for path in ("rootfs", "/var/lib/containers/storage/overlay/0123abcd/merged",
                 "/home/u/.local/share/containers/storage/overlay/0123abcd/merged",
                 "/var/lib/containers/storage/vfs/dir/0123abcd",
                 "/run/containerd/io.containerd.runtime.v2.task/k8s.io/0123abcd/rootfs"):
        c["root"] = {"path": path}
        expect(f"root.path in the engine's storage: {path}", e.run(c), 0, [])
    # Another container's files, whatever the storage driver, and every named volume at once.
    layer = "0123456789abcdef" * 4
    for src in (f"/var/lib/containers/storage/vfs/dir/{layer}", f"/var/lib/containers/storage/btrfs/subvolumes/{layer}",
                f"/var/lib/containers/storage/zfs/graph/{layer}", "/var/lib/containers/storage/volumes"):
        expect(f"bind of {src}", e.run(add_mount(base, "/x", "bind", src, ["rbind", "ro"])), 1, ["mount-engine-socket"])
    expect("bind of a named volume's data", e.run(add_mount(base, "/x", "bind",
           "/var/lib/containers/storage/volumes/models/_data", ["rbind"])), 0, [])


def devices(e, expect):
    base = e.config()

    def dev(path, major, minor, t="c"):
        c = copy.deepcopy(base)
        c["linux"]["devices"].append({"path": path, "type": t, "major": major, "minor": minor})
        return c

    for path, major, minor, label in (("/dev/tty1", 4, 1, "virtual console"), ("/dev/ttyS0", 4, 64, "serial port"),
                                      ("/dev/console", 5, 1, "system console"), ("/dev/vcs", 7, 0, "console contents"),
                                      ("/dev/ttyUSB0", 188, 0, "USB serial"), ("/dev/ttyACM0", 166, 0, "ttyACM"),
                                      ("/dev/fb0", 29, 0, "framebuffer"), ("/dev/input/event0", 13, 64, "input"),
                                      ("/dev/userfaultfd", 10, 126, "userfaultfd"),
                                      ("/dev/userfaultfd", 10, 257, "userfaultfd"), ("/dev/cpu/0/msr", 202, 0, "model-specific"),
                                      ("/dev/cpu/0/cpuid", 203, 0, "CPUID"), ("/dev/i2c-0", 89, 0, "I2C"),
                                      ("/dev/loop-control", 10, 237, "loop device control"),
                                      ("/dev/mapper/control", 10, 236, "device-mapper"), ("/dev/snapshot", 10, 231, "hibernation"),
                                      ("/dev/bus/usb/001/001", 189, 0, "raw USB"), ("/dev/kmsg", 1, 11, "kernel log")):
        expect(f"device {path} ({major}:{minor})", e.run(dev(path, major, minor)), 1, ["host-device-sensitive"], [label])
    for path, major, minor in (("/dev/fuse", 10, 229), ("/dev/net/tun", 10, 200), ("/dev/kvm", 10, 232), ("/dev/vsock", 10, 258),
                               ("/dev/tty", 5, 0), ("/dev/ptmx", 5, 2), ("/dev/null", 1, 3), ("/dev/urandom", 1, 9)):
        expect(f"harmless device {path}", e.run(dev(path, major, minor)), 0, [])
    expect("block device", e.run(dev("/dev/sdz", 8, 0, "b")), 1, ["host-device-sensitive"])
    c = copy.deepcopy(base)
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 136, "minor": -1, "access": "rwm"})
    expect("cgroup rule c 136:* (podman's own devpts)", e.run(c), 0, [])
    c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 4, "access": "rw"})
    expect("cgroup rule c 4:* (every console)", e.run(c), 1, ["host-device-sensitive"], ["'c 4:*'"])


def capabilities(e, expect):
    base = e.config()

    def caps(*names, sets=("bounding", "effective")):
        c = copy.deepcopy(base)
        for s in sets:
            c["process"]["capabilities"].setdefault(s, [])
            c["process"]["capabilities"][s] += list(names)
        return c

    for cap in ("CAP_AUDIT_READ", "CAP_AUDIT_CONTROL", "CAP_LINUX_IMMUTABLE", "CAP_SYS_PACCT", "CAP_CHECKPOINT_RESTORE"):
        expect(f"capability {cap}", e.run(caps(cap)), 1, ["cap-not-allowed"], [cap])
    expect("unknown capability name", e.run(caps("CAP_FUTURE_THING")), 1, ["cap-not-allowed"], ["CAP_FUTURE_THING"])
    expect("CAP_SYS_ADMIN in the ambient set only", e.run(caps("CAP_SYS_ADMIN", sets=("ambient",))), 1, ["cap-sys-admin"])
    expect("allowed extras: IPC_LOCK SYS_NICE MKNOD NET_RAW AUDIT_WRITE SYS_RESOURCE",
           e.run(caps("CAP_IPC_LOCK", "CAP_SYS_NICE", "CAP_MKNOD", "CAP_NET_RAW", "CAP_AUDIT_WRITE", "CAP_SYS_RESOURCE")),
           0, [])


PODMAN5_MASKED = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
                  "/sys/devices/virtual/powercap"]
CRI_MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
              "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/scsi"]
CRI_READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def masked(e, expect):
    base = e.config()
    c = copy.deepcopy(base)
    c["linux"]["maskedPaths"] = PODMAN5_MASKED
    expect("podman 5.4's masked paths (no /sys/dev/block)", e.run(c), 0, [])
    c["linux"]["maskedPaths"], c["linux"]["readonlyPaths"] = CRI_MASKED, CRI_READONLY
    expect("containerd CRI's masked and read-only paths", e.run(c), 0, [])
    c = copy.deepcopy(base)
    c["linux"]["maskedPaths"] = [p for p in c["linux"]["maskedPaths"] if p != "/proc/timer_list"]
    expect("/proc/timer_list unmasked", e.run(c), 1, ["masked-paths-removed"], ["/proc/timer_list readable"])
    c["linux"]["maskedPaths"].append("/proc")
    expect("all of /proc masked covers it", e.run(c), 0, [])
    c = copy.deepcopy(base)
    c["linux"]["readonlyPaths"] = [p for p in c["linux"]["readonlyPaths"] if p != "/proc/sys"]
    expect("/proc/sys writable", e.run(c), 1, ["readonly-paths-removed"], ["/proc/sys writable"])
    c["linux"]["maskedPaths"].append("/proc/sys")
    expect("/proc/sys masked instead of read-only", e.run(c), 0, [])
    # runc masks the literal path: a pattern masks nothing.
    c = copy.deepcopy(base)
    c["linux"]["maskedPaths"], c["linux"]["readonlyPaths"] = ["/proc/*", "/sys/*"], ["/proc/*"]
    expect("maskedPaths /proc/* is no pattern", e.run(c), 1, ["masked-paths-removed", "readonly-paths-removed"])
    c = copy.deepcopy(base)
    c["linux"]["readonlyPaths"] = ["/proc/[s]ys" if p == "/proc/sys" else p for p in c["linux"]["readonlyPaths"]]
    expect("readonlyPaths /proc/[s]ys is no pattern", e.run(c), 1, ["readonly-paths-removed"], ["/proc/sys writable"])
    c["linux"]["readonlyPaths"].append("/proc//sys/")
    expect("readonlyPaths /proc//sys/ is /proc/sys", e.run(c), 0, [])
    c = copy.deepcopy(base)
    c["mounts"] = [m for m in c["mounts"] if m.get("type") != "proc"]
    c["linux"]["maskedPaths"] = [p for p in c["linux"]["maskedPaths"] if not p.startswith("/proc")]
    c["linux"]["readonlyPaths"] = []
    expect("no proc mounted: nothing to mask there", e.run(c), 0, [])
    # runc cleans a destination before it mounts ("/./sys", "/x/../sys", relative "sys" are /sys).
    for dest in ("/./sys", "/x/../sys", "sys"):
        c = copy.deepcopy(base)
        for m in c["mounts"]:
            if m.get("type") == "sysfs":
                m["destination"] = dest
        c["linux"]["maskedPaths"] = [p for p in c["linux"]["maskedPaths"] if p != "/sys/firmware"]
        expect(f"sysfs at {dest}, /sys/firmware unmasked", e.run(c), 1, ["masked-paths-removed"],
               ["/sys/firmware readable"])
    for dest in ("/proc/", "/proc/.", "proc"):
        c = copy.deepcopy(base)
        for m in c["mounts"]:
            if m.get("type") == "proc":
                m["destination"] = dest
        expect(f"proc at {dest} is at /proc", e.run(c), 0, [])
        c["linux"]["maskedPaths"] = [p for p in c["linux"]["maskedPaths"] if p != "/proc/kcore"]
        expect(f"proc at {dest}, /proc/kcore unmasked", e.run(c), 1, ["masked-paths-removed"], ["/proc/kcore readable"])


def folding(e, expect):
    """Go's encoding/json, which runc uses, matches struct keys case-insensitively."""
    base = e.config()
    c = copy.deepcopy(base)
    c["mounts"].append({"destination": "/host", "type": "bind", "source": "/", "options": ["rbind"]})
    for key in ("Mounts", "MOUNTS", "mount\u017f"):
        expect(f"key {key!r} is runc's mounts", e.run(rename_key(c, "mounts", key)), 1, ["mount-host-root"])
    c = copy.deepcopy(base)
    c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    c["process"] = rename_key(c["process"], "capabilities", "Capabilities")
    expect("process.Capabilities is runc's capabilities", e.run(c), 1, ["cap-sys-admin"])
    c = copy.deepcopy(base)
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]
    c["linux"] = rename_key(c["linux"], "namespaces", "Namespaces")
    expect("linux.Namespaces is runc's namespaces", e.run(c), 1, ["ns-host-pid"])
    c = copy.deepcopy(base)
    c["linux"] = rename_key(c["linux"], "maskedPaths", "mas\u212aedPaths")
    expect("maſkedPaths with the Kelvin sign is runc's maskedPaths", e.run(c), 0, [])
    raw = json.dumps(base)[:-1] + ', "Mounts": []}'
    expect("mounts and Mounts: ambiguous, refused for a GPU container", e.run(base, raw=raw), 3, [],
           ["mounts: 2 keys name this field", "fix: write each key once"])
    nongpu = e.config("nongpu-default")
    raw = json.dumps(nongpu)[:-1] + ', "Mounts": []}'
    expect("mounts and Mounts without a GPU: allowed", e.run(nongpu, raw=raw), 0, [])
    gpu_bind = {"destination": "/g", "type": "bind", "source": f"{e.host}/dev/nvidia1", "options": ["bind"]}
    raw = json.dumps(nongpu)[:-1] + ', "Mounts": [' + json.dumps(gpu_bind) + "]}"
    expect("a GPU node in the folded key's mounts: a GPU container", e.run(nongpu, raw=raw), 3, [],
           ["mounts: 2 keys name this field"])
    c = rename_key(copy.deepcopy(nongpu), "mounts", "MOUNTS")
    c["MOUNTS"].append(gpu_bind)
    expect("MOUNTS alone with a GPU node: judged", e.run(c), 1, ["gpu-not-requested"])


def benign_nongpu(e, expect):
    """Containers that ask for no GPU and reach none: whatever else they do, they start."""
    nongpu = e.config("nongpu-default")
    body = json.dumps(nongpu)[1:-1]
    unlimited = {"type": "RLIMIT_MEMLOCK", "hard": 18446744073709551615, "soft": 18446744073709551615}
    cases = {
        "unlimited ulimits (18446744073709551615)": json.dumps(
            {**nongpu, "process": {**nongpu["process"], "rlimits": [unlimited, {**unlimited, "type": "RLIMIT_NOFILE"}]}}),
        "reals and huge numbers in unknown fields": "{" + body + ', "x": 1.5, "y": -0, "z": 1e400, '
                                                    '"w": 123456789012345678901234567890, "v": -1.0E-7}',
        "invalid UTF-8 in an annotation": ("{" + body + ', "annotations": {"a": "').encode() + b"\xff\xfe bad" +
                                          b'", "b": "\xed\xa0\x80", "c": "\xc0\x80"}}',
        "lone surrogates in an annotation": "{" + body + r', "annotations": {"a": "\ud800", "b": "\udc00\ud800x"}}',
        "duplicate annotation keys": "{" + body + ', "annotations": {"a": "1", "a": "2", "A": "3"}}',
        "keys in odd case": json.dumps(rename_key(rename_key(nongpu, "process", "Process"), "linux", "LINUX")),
        "unknown and null fields": json.dumps({**nongpu, "hooks": None, "weird": {"nested": [None, True, {}]},
                                               "linux": {**nongpu["linux"], "seccomp": None, "devices": None,
                                                         "intelRdt": {"closID": "x"}}}),
        "null process and mounts": json.dumps({**nongpu, "process": None, "mounts": None}),
        "deep nesting in an unknown field": "{" + body + ', "deep": ' + "[" * 9000 + "]" * 9000 + "}",
        "escapes and NUL in strings": "{" + body + r', "annotations": {"e": "\u0000\n\t\"\\\/\u00e9\ud83d\ude00"}}',
        "device numbers runc would truncate": json.dumps(
            {**nongpu, "linux": {**nongpu["linux"], "devices": [{"path": "/dev/x", "type": "c", "major": -1,
                                                                 "minor": 9223372036854775807}]}}),
    }
    every_mount = copy.deepcopy(nongpu)
    every_mount["linux"]["namespaces"].append({"type": "user"})
    for dest, typ, src, opts in (("/a", "binfmt_misc", "binfmt_misc", []), ("/b", "ext4", "/dev/sda1", []),
                                 ("/c", "nfs", "srv:/x", []), ("/d", "proc", "proc", []),
                                 ("/e", "sysfs", "sysfs", ["rw"]), ("/f", "cgroup", "cgroup", ["rw"]),
                                 ("/g", "debugfs", "debugfs", []), ("/h", "overlay", "overlay", ["lowerdir=/"]),
                                 ("/i", "bind", "/", ["bind"]), ("/j", "bind", "/etc", ["rbind", "rw"]),
                                 ("/k", "bind", "/run/podman/podman.sock", ["bind"]), ("/l", "none", "x", []),
                                 ("/m", "bind", "/proc", ["rbind", "rshared"]), ("/n", "fuse.sshfs", "u@h:", [])):
        every_mount["mounts"].append({"destination": dest, "type": typ, "source": src, "options": opts})
    every_mount["root"] = {"path": "/"}
    cases["every mount type, root.path / (user namespace)"] = json.dumps(every_mount)
    caps = copy.deepcopy(nongpu)
    caps["process"]["capabilities"]["bounding"] += ["CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_BOGUS"]
    caps["linux"]["seccomp"] = None
    caps["linux"]["maskedPaths"] = []
    caps["linux"]["namespaces"] = []
    cases["every capability, no seccomp, no namespaces, nothing masked"] = json.dumps(caps)
    for name, raw in cases.items():
        expect(f"no GPU, starts: {name}", e.run(nongpu, raw=raw), 0, [])
    # A writable sysfs is harmless in a user namespace only while the host's root is not in it: a
    # uid that maps to host uid 0 writes the GPUs' root-owned attributes (remove, reset), as runc
    # 1.1.5 shows with /sys/bus/pci/rescan.
    sysrw = add_mount(nongpu, "/sys2", "sysfs", "sysfs", ["rw"])
    sysrw["linux"]["namespaces"] = [n for n in sysrw["linux"]["namespaces"] if n["type"] != "network"] + \
        [{"type": "network"}, {"type": "user"}]
    for name, maps, rc in (("container root is uid 100000", [(0, 100000, 65536)], 0),
                           ("container root is the host's root", [(0, 0, 65536)], 1),
                           ("uid 1001 is the host's root (keep-id, rootful)", [(0, 1, 1001), (1001, 0, 1)], 1)):
        c = copy.deepcopy(sysrw)
        for key in ("uidMappings", "gidMappings"):
            c["linux"][key] = [{"containerID": a, "hostID": b, "size": n} for a, b, n in maps]
        expect(f"no GPU, writable sysfs in a user namespace: {name}", e.run(c), rc,
               ["mount-sys-writable", "masked-paths-removed"] if rc else [])
    c = copy.deepcopy(sysrw)
    c["linux"]["namespaces"][-1]["path"] = f"{e.tmp}/userns-bind"
    expect("no GPU, writable sysfs in a user namespace joined by a path that cannot be checked", e.run(c), 1,
           ["mount-sys-writable", "masked-paths-removed"])
    for name, argv, rc in (("maps the host's root", ["unshare", "--user", "--map-root-user", "sleep", "60"], 1),
                           ("maps no ID", ["unshare", "--user", "sleep", "60"], 0)):
        other = subprocess.Popen(argv)
        try:
            for _ in range(100):
                if os.readlink(f"/proc/{other.pid}/ns/user") != os.readlink("/proc/self/ns/user"):
                    break
                time.sleep(0.02)
            c["linux"]["namespaces"][-1]["path"] = f"/proc/{other.pid}/ns/user"
            expect(f"no GPU, writable sysfs in a user namespace joined by path that {name}", e.run(c), rc,
                   ["mount-sys-writable", "masked-paths-removed"] if rc else [])
        finally:
            other.kill()
            other.wait()
    # root.path is bound recursively: the host's /dev comes along unless a mount covers /dev.
    c = copy.deepcopy(nongpu)
    c["root"] = {"path": "/"}
    expect("no GPU, root.path / under podman's /dev tmpfs", e.run(c), 0, [])
    c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/dev"]
    expect("no GPU, root.path / and no /dev mount: the host's GPU nodes", e.run(c), 1, ["mount-host-root"])
    c = copy.deepcopy(nongpu)
    c["root"] = {"path": "/dev"}
    expect("no GPU, root.path /dev", e.run(c), 1, ["mount-host-dev"])
    # A writable bind of the sysfs device tree or a bus reaches the GPUs' attributes (remove, reset,
    # BAR resource files, driver unbind): a GPU container. Other sysfs directories and read-only
    # binds are not the hook's business.
    for src, opts, rc in (("/sys/bus/pci", ["rbind", "rw"], 1), ("/sys/devices/pci0000:00/0000:00:02.0", ["bind"], 1),
                          ("/sys/devices", ["rbind"], 1), ("/sys/module/nvidia/parameters", ["bind", "rw"], 1),
                          ("/sys/devices/system/cpu", ["rbind", "rw"], 0), ("/sys/class/net", ["bind"], 0),
                          ("/sys/bus/pci", ["rbind", "ro"], 0), ("/sys/devices/pci0000:00", ["bind", "ro"], 0)):
        c = add_mount(nongpu, "/x", "bind", src, opts)
        expect(f"no GPU requested, {src} bound with {opts}", e.run(c), rc, ["mount-sys-writable"] if rc else [])
    # A recursive bind of / carries the host's /dev submount with every GPU node: a GPU container.
    for opts in (["rbind"], ["ro", "rprivate", "rbind"], ["bind", "rbind"]):
        c = add_mount(nongpu, "/host", "bind", "/", opts)
        expect(f"no GPU requested, / bound with {opts}", e.run(c), 1, ["mount-host-root"])


def unreadable_bundle(e, expect, run_hook):
    """A bundle the hook cannot read (a user namespace it is not in): a hooks.d invocation judges
    the container by its mount table."""
    import hooktest
    b = e.bundle(e.config("nongpu-default"))
    os.unlink(f"{b}/config.json")
    procd = f"{e.host}/proc/4242"
    os.makedirs(procd, exist_ok=True)

    def mountinfo(lines):
        with open(f"{procd}/mountinfo", "w") as f:
            f.write("".join(lines))

    state = json.dumps({"ociVersion": "1.0.2", "id": hooktest.FIXED_ID, "status": "creating", "pid": 4242, "bundle": b})
    args = ["gpucdi-hook", "prestart", "--hooks-d", "--proc-root", f"{e.host}/proc", "--dev-root", f"{e.host}/dev",
            "--spec-dir", f"{e.host}/cdi", "--policy", f"{e.host}/policy.conf"]
    base = ["22 1 0:21 / / rw,relatime - overlay overlay rw\n", "23 22 0:5 / /proc rw - proc proc rw\n"]
    mountinfo(base)
    expect("unreadable bundle, no GPU in the mount table", run_hook(e.hook, args, state, cwd="/"), 0, [])
    mountinfo(base + ["30 22 0:6 /nvidia0 /var/lib/x/merged/dev/nvidia0 rw - devtmpfs udev rw\n"])
    expect("unreadable bundle, a GPU node bound", run_hook(e.hook, args, state, cwd="/"), 3, [],
           ["cannot be read, and it mounts a GPU device node"])
    os.unlink(f"{procd}/mountinfo")
    expect("unreadable bundle and mount table on a GPU host: refused", run_hook(e.hook, args, state, cwd="/"), 3, [],
           ["mount table cannot be read"])
    expect("unreadable bundle with --cdi-device: refused",
           run_hook(e.hook, args + ["--cdi-device", "nvidia.com/gpu=0"], state, cwd="/"), 3, [], ["cannot be checked"])


def gpu_hooks(e, expect):
    """NVIDIA's legacy hook (hooks.d oci-nvidia-hook.json) adds GPUs after the check, by the
    container's NVIDIA_VISIBLE_DEVICES: beside a CDI request those GPUs were not requested; without
    one, the container is a GPU container and gets every rule."""
    def with_hook(cfg, env, stage="prestart", path="/usr/bin/nvidia-container-toolkit"):
        c = copy.deepcopy(cfg)
        c.setdefault("hooks", {}).setdefault(stage, []).append({"path": path, "args": [os.path.basename(path), "prestart"]})
        c["process"]["env"] = c["process"].get("env", []) + env
        return c

    base, nongpu = e.config(), e.config("nongpu-default")
    for name, c, rc in (
            ("prestart, NVIDIA_VISIBLE_DEVICES=all", with_hook(base, ["NVIDIA_VISIBLE_DEVICES=all"]), 1),
            ("createRuntime (podman 5), =0", with_hook(base, ["NVIDIA_VISIBLE_DEVICES=0"], "createRuntime"), 1),
            ("createContainer, runtime hook binary, =none",
             with_hook(base, ["NVIDIA_VISIBLE_DEVICES=none"], "createContainer", "/usr/bin/nvidia-container-runtime-hook"), 1),
            ("the last value counts", with_hook(base, ["NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_VISIBLE_DEVICES=all"]), 1),
            ("legacy CUDA image: unset means all", with_hook(base, ["CUDA_VERSION=12.4.1"]), 1),
            ("=void", with_hook(base, ["NVIDIA_VISIBLE_DEVICES=void"]), 0),
            ("empty", with_hook(base, ["NVIDIA_VISIBLE_DEVICES="]), 0),
            ("CUDA image with NVIDIA_REQUIRE_CUDA: unset means none",
             with_hook(base, ["CUDA_VERSION=12.4.1", "NVIDIA_REQUIRE_CUDA=cuda>=12.4"]), 0),
            ("another hook, =all", with_hook(base, ["NVIDIA_VISIBLE_DEVICES=all"], path="/usr/libexec/oci/hooks.d/x"), 0)):
        expect(f"NVIDIA's legacy hook beside a CDI request: {name}", e.run(c), rc,
               ["gpu-not-requested"] if rc else [], ["NVIDIA_VISIBLE_DEVICES=void"] if rc else [])
    c = with_hook(base, ["NVIDIA_VISIBLE_DEVICES=all"], "createruntime")
    expect("NVIDIA's legacy hook under a folded stage key", e.run(c), 1, ["gpu-not-requested"])
    # No CDI request: the legacy hook's GPUs are what the user asked for, and every rule applies.
    expect("no GPU requested, legacy hook, =all: a GPU container that passes",
           e.run(with_hook(nongpu, ["NVIDIA_VISIBLE_DEVICES=all"])), 0, [])
    admin = copy.deepcopy(nongpu)
    admin["process"]["capabilities"]["bounding"] += ["CAP_SYS_ADMIN"]
    expect("no GPU requested, legacy hook, =all, CAP_SYS_ADMIN: judged as a GPU container",
           e.run(with_hook(admin, ["NVIDIA_VISIBLE_DEVICES=all"])), 1, ["cap-sys-admin"])
    expect("no GPU requested, legacy hook, =void, CAP_SYS_ADMIN: not the hook's business",
           e.run(with_hook(admin, ["NVIDIA_VISIBLE_DEVICES=void"])), 0, [])
    expect("no GPU requested, no legacy hook, =all, CAP_SYS_ADMIN: not the hook's business",
           e.run(with_hook(admin, ["NVIDIA_VISIBLE_DEVICES=all"], path="/usr/bin/true")), 0, [])


def run_all(e, expect, run_hook):
    mounts(e, expect)
    devices(e, expect)
    capabilities(e, expect)
    masked(e, expect)
    folding(e, expect)
    benign_nongpu(e, expect)
    gpu_hooks(e, expect)
    unreadable_bundle(e, expect, run_hook)
