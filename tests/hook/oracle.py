"""The oracle's second opinion: what a running container really reaches, read from the kernel, and
classified by small rules of its own (deliberately not the hook's tables).

    facts = inspect(pid, host)          # mountinfo, capabilities, seccomp, namespaces, device cgroup, nodes
    families = classify(facts, host)    # {family: [evidence, ...]}

Families are coarse ("a way out of the container"), one word each; a GPU container with any of them
must be refused by gpucdi-hook, one without must be allowed. A container that requested no GPU is
only judged on whether it reaches a GPU node."""

import os
import stat

# Capability numbers (linux/capability.h) and the ones that leave isolation intact: podman's
# defaults plus the ones a GPU workload may reasonably ask for.
CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE"]
HARMLESS_CAPS = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
                 "SETPCAP", "SETUID", "SYS_CHROOT", "AUDIT_WRITE", "MKNOD", "NET_RAW", "IPC_LOCK", "SYS_NICE",
                 "SYS_RESOURCE", "LEASE", "WAKE_ALARM", "BLOCK_SUSPEND",
                 # within the container's own IPC namespace / its own ttys / nothing in today's kernels
                 "IPC_OWNER", "SYS_TTY_CONFIG", "NET_BROADCAST"}

# Character devices a default container has (podman's and runc's defaults); "*" any minor.
HARMLESS_CHAR = {(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (136, "*"), (10, 200), (10, 229)}

# Filesystems that are the kernel's own control surfaces.
KERNEL_FS = {"debugfs", "tracefs", "securityfs", "configfs", "bpf", "efivarfs", "pstore", "binfmt_misc",
             "devtmpfs", "fusectl", "rpc_pipefs", "nsfs"}
# What runc masks and makes read-only in a /proc (relative to the proc mount), and in a /sys.
PROC_MASKED = ["kcore", "keys", "timer_list", "sched_debug"]
PROC_READONLY = ["sys", "sysrq-trigger"]
SYS_MASKED = ["firmware"]
# Where sysfs holds GPUs' writable attributes (as the sysfs root of a mount: /bus/pci is /sys/bus/pci).
SYS_GPU_TREES = ["/devices/pci", "/devices/platform", "/bus/pci", "/bus/platform", "/module/nvidia", "/module/amdgpu",
                 "/module/i915", "/module/xe", "/module/nouveau", "/module/radeon", "/module/drm"]
# Host paths whose content is secret (even read-only) or whose writing changes the host.
SECRET = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/root", "/var/lib/containers",
          "/etc/cdi", "/run/cdi", "/var/run/cdi"]
SYSTEM = ["/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/boot", "/nix/store", "/var/lib", "/opt",
          "/run/cdi", "/var/run/cdi", "/usr/share/containers"]


def read(path):
    with open(path) as f:
        return f.read()


def mountinfo(path):
    out = []
    for line in read(path).splitlines():
        pre, _, post = line.partition(" - ")
        f = pre.split()
        fstype, source, superopts = (post.split() + ["", "", ""])[:3]
        major, minor = f[2].split(":")
        out.append({"id": f[0], "parent": f[1], "dev": (int(major), int(minor)), "root": unescape(f[3]),
                    "mp": unescape(f[4]), "rw": "rw" in f[5].split(","), "optional": f[6:],
                    "fstype": fstype, "source": source, "super": superopts})
    return out


def unescape(s):
    return s.encode().decode("unicode_escape") if "\\" in s else s


def caps(mask):
    return {CAPS[i] if i < len(CAPS) else f"CAP_{i}" for i in range(64) if mask >> i & 1}


def devices_list(pid):
    """The device cgroup (v1) rules of the process, or None when it sits in the root cgroup."""
    for line in read(f"/proc/{pid}/cgroup").splitlines():
        _, ctrl, path = line.split(":", 2)
        if "devices" in ctrl.split(","):
            if path == "/":
                return None
            return parse_rules(read(f"/sys/fs/cgroup/devices{path}/devices.list"))
    return None


def parse_rules(text):
    out = []
    for line in text.splitlines():
        t, mm, access = line.split()
        major, minor = mm.split(":")
        out.append((t, major if major == "*" else int(major), minor if minor == "*" else int(minor), access))
    return out


def cgroup_allows(rules, t, major, minor):
    if rules is None:
        return True
    for rt, rmaj, rmin, access in rules:
        if rt in ("a", t) and rmaj in ("*", major) and rmin in ("*", minor) and ("r" in access or "w" in access):
            return True
    return False


def nodes(root, starts, limit=4000):
    """Device nodes under the container's root (its /dev and each mount point), without following links."""
    seen, out = 0, []
    todo = [(os.path.join(root, s.lstrip("/")), s, 0) for s in starts]
    while todo and seen < limit:
        path, rel, depth = todo.pop()
        try:
            st = os.lstat(path)
        except OSError:
            continue
        seen += 1
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            out.append((rel, "c" if stat.S_ISCHR(st.st_mode) else "b", os.major(st.st_rdev), os.minor(st.st_rdev)))
        elif stat.S_ISDIR(st.st_mode) and depth < 3:
            try:
                names = os.listdir(path)
            except OSError:
                continue
            for n in names:
                todo.append((os.path.join(path, n), os.path.join(rel, n), depth + 1))
    return out


def inspect(pid):
    status = dict(line.split(":\t", 1) for line in read(f"/proc/{pid}/status").splitlines() if ":\t" in line)
    ns = {}
    for t in ("pid", "net", "ipc", "mnt", "uts", "cgroup", "user"):
        ns[t] = os.stat(f"/proc/{pid}/ns/{t}").st_ino == os.stat(f"/proc/self/ns/{t}").st_ino
    mounts = mountinfo(f"/proc/{pid}/mountinfo")
    rules = devices_list(pid)
    starts = ["/dev"] + [m["mp"] for m in mounts if m["mp"] not in ("/", "/proc", "/sys") and
                         not m["mp"].startswith(("/proc/", "/sys/", "/dev/"))]
    # Whether the container's IDs include the host's root (uid_map: inside, outside, count).
    host_root = any(int(o) <= 0 < int(o) + int(n) for _, o, n in
                    (line.split() for line in read(f"/proc/{pid}/uid_map").splitlines() if line.strip()))
    return {"host_root": host_root, "eff": caps(int(status["CapEff"], 16)), "prm": caps(int(status["CapPrm"], 16)),
            "bnd": caps(int(status["CapBnd"], 16)), "seccomp": int(status["Seccomp"]),
            "nnp": int(status["NoNewPrivs"]), "host_ns": {t for t, same in ns.items() if same},
            "mounts": mounts, "cgroup": rules, "nodes": nodes(f"/proc/{pid}/root", starts)}


class Host:
    """What the oracle compares against: its own mount table and namespaces are the host's, the
    fake host's /proc/devices names the GPU majors, its CDI specs the nodes of each device."""

    def __init__(self, gpu_majors, driver_dir):
        self.mounts = mountinfo("/proc/self/mountinfo")
        self.gpu_majors = gpu_majors
        self.driver_dir = driver_dir

    def by_dev(self, dev):
        return [m for m in self.mounts if m["dev"] == dev]

    def host_path(self, m):
        """The host path a container mount shows, when it comes from a host mount (same superblock)."""
        best = None
        for h in self.by_dev(m["dev"]):
            if m["root"] == h["root"] or m["root"].startswith(h["root"].rstrip("/") + "/"):
                rel = m["root"][len(h["root"].rstrip("/")):]
                cand = (h["mp"].rstrip("/") + rel) or "/"
                if best is None or len(h["root"]) > len(best[0]):
                    best = (h["root"], cand)
        return best[1] if best else None


def under(path, prefixes):
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def has_socket(path, depth=3):
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISSOCK(st.st_mode):
        return st.st_uid == 0
    if not stat.S_ISDIR(st.st_mode) or depth == 0:
        return False
    try:
        return any(has_socket(os.path.join(path, n), depth - 1) for n in os.listdir(path))
    except OSError:
        return False


def covered(mounts, path, need_ro=False):
    """Whether a mount sits on path or an ancestor below the proc/sys mount (masked or read-only)."""
    for m in mounts:
        if m["mp"] == path and (not need_ro or not m["rw"]):
            return True
    return False


def classify(f, host, requested, gpu_request):
    """Families of escape the container shows. requested: set of (type, major, minor) it was given."""
    fam = {}

    def add(name, why):
        fam.setdefault(name, []).append(why)

    gpu_nodes = [n for n in f["nodes"] if n[1] == "c" and n[2] in host.gpu_majors]
    mount_points = {m["mp"] for m in f["mounts"]}
    for rel, t, major, minor in gpu_nodes:
        if (t, major, minor) in requested:
            continue
        if cgroup_allows(f["cgroup"], t, major, minor):
            add("gpu", f"{rel} ({t} {major}:{minor}) reachable, not requested")
        elif gpu_request and (rel.startswith("/dev/") or rel in mount_points):
            # In a GPU container a visible node it was not given is one cgroup rule from open (and
            # open where there is no device cgroup: rootless, cgroup v2 without the eBPF filter).
            add("gpu", f"{rel} ({t} {major}:{minor}) visible, not requested")
    for m in f["mounts"]:
        if m["fstype"] == "devtmpfs":
            # Every GPU node there, and each new one: one cgroup rule from open, open without a
            # device cgroup. A mount of the host's /dev counts as reaching a GPU.
            add("gpu", f"{m['mp']}: the host's devtmpfs (root {m['root']})")
        if m["fstype"] == "sysfs" and m["rw"] and f["host_root"] and \
                any(m["root"] == "/" or m["root"].startswith(d) or d.startswith(m["root"] + "/") for d in SYS_GPU_TREES):
            # The GPUs' remove, reset and BAR files and the drivers' unbind, writable as the host's root.
            add("gpu", f"{m['mp']}: writable sysfs {m['root']}")
    for t, major, minor, access in f["cgroup"] or []:
        if access == "m":
            continue
        if major == "*" or (t == "c" and major in host.gpu_majors and (t, major, minor) not in requested):
            add("gpu", f"device cgroup allows {t} {major}:{minor} {access}")
    if not gpu_request and not fam:
        return fam

    for c in sorted((f["bnd"] | f["prm"] | f["eff"]) - HARMLESS_CAPS):
        add("caps", f"CAP_{c}")
    if f["seccomp"] == 0:
        add("seccomp", "Seccomp: 0")
    for t in ("pid", "net", "ipc", "mnt"):
        if t in f["host_ns"]:
            add("host-ns", f"{t} namespace is the host's")
    for t, major, minor, access in f["cgroup"] or []:
        if access == "m" or (t == "c" and major in host.gpu_majors):
            continue
        if t == "a" or t == "b" or ((major, minor) not in HARMLESS_CHAR and (major, "*") not in HARMLESS_CHAR):
            add("device", f"device cgroup allows {t} {major}:{minor} {access}")
    for rel, t, major, minor in f["nodes"]:
        if t == "c" and major in host.gpu_majors:
            continue
        if (t == "b" or ((major, minor) not in HARMLESS_CHAR and (major, "*") not in HARMLESS_CHAR)) and \
                cgroup_allows(f["cgroup"], t, major, minor):
            add("device", f"{rel} ({t} {major}:{minor}) reachable")
    host_peers = {o for h in host.mounts for o in h["optional"] if o.startswith("shared:")}
    for m in f["mounts"]:
        where = f"{m['mp']} ({m['fstype']} {m['source']} root {m['root']}, {'rw' if m['rw'] else 'ro'})"
        if m["fstype"] == "devtmpfs":
            add("host-dev", where)  # the host's device nodes, new ones included: one cgroup rule from access
        elif m["fstype"] in KERNEL_FS:
            add("kernel-fs", where)
        if m["fstype"] == "proc" and m["root"] == "/":
            if host.by_dev(m["dev"]):
                add("host-proc", where)
            else:
                base = m["mp"].rstrip("/")
                bare = [p for p in PROC_MASKED if os.path.exists(f"/proc/{p}") and not covered(f["mounts"], f"{base}/{p}")]
                bare += [p for p in PROC_READONLY if os.path.exists(f"/proc/{p}") and not covered(f["mounts"], f"{base}/{p}", True)]
                if bare:
                    add("proc-unmasked", f"{where}: {', '.join(bare)} neither masked nor read-only")
        if m["fstype"] == "sysfs":
            if m["rw"]:
                add("sys-writable", where)
            bare = [p for p in SYS_MASKED if os.path.exists(f"/sys/{p}") and
                    not covered(f["mounts"], f"{m['mp'].rstrip('/')}/{p}")]
            if m["root"] == "/" and bare:
                add("proc-unmasked", f"{where}: {', '.join(bare)} not masked")
        if m["fstype"] == "cgroup" and m["rw"]:
            add("sys-writable", where)
        if m["fstype"] == "cgroup2" and m["rw"] and "cgroup" in f["host_ns"]:
            add("sys-writable", where)
        if m["fstype"] == "devpts" and host.by_dev(m["dev"]):
            add("host-pts", where)
        if m["fstype"] == "tmpfs" and any(h["mp"] == "/dev/shm" and h["dev"] == m["dev"] for h in host.mounts):
            add("host-ipc", where)
        if any(o in host_peers for o in m["optional"] if o.startswith("shared:")):
            add("propagation", where)
        if m["fstype"] == "overlay":
            # Its layers are host directories: judged like read-only binds of them.
            for opt in m["super"].split(","):
                if opt.startswith("lowerdir="):
                    for low in opt[len("lowerdir="):].split(":"):
                        if low == "/":
                            add("host-root", f"{where}: lowerdir /")
                        elif under(low, SECRET) or low == "/etc":
                            add("host-secret", f"{where}: lowerdir {low}")
        hp = host.host_path(m)
        if hp is None and m["source"].startswith("/dev/"):
            # More of a disk than the host shows (the oracle in a chroot sees a subtree of it).
            wider = [h["root"] for h in host.by_dev(m["dev"]) if under(h["root"], [m["root"]]) and h["root"] != m["root"]]
            if wider:
                add("host-root", f"{where}: a wider part of the disk than the host's mount of {wider[0]}")
        if hp is None or m["fstype"] in ("proc", "sysfs", "devpts", "cgroup", "cgroup2", "mqueue"):
            continue
        if m["fstype"] not in ("tmpfs", "overlay") and m["source"].startswith("/dev/") and m["mp"] != "/" \
                and hp == "/" and m["root"] == "/":
            add("host-root", where)
        elif hp == "/":
            add("host-root", where)
        elif under(hp, ["/dev"]) and m["fstype"] == "devtmpfs":
            pass  # kernel-fs already
        elif under(hp, SECRET) or hp == "/etc":
            add("host-secret", f"{where} = host {hp}")
        elif m["rw"] and (under(hp, SYSTEM) or under(hp, [host.driver_dir])):
            add("host-writable", f"{where} = host {hp}")
        if m["mp"] != "/" and hp != "/" and has_socket(hp):
            add("host-socket", f"{where} = host {hp}")
    return fam
