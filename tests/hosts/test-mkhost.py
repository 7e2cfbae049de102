#!/usr/bin/python3
"""TAP test of the host fixtures themselves: each host builds, deterministically; real tools read
them as the host they describe (lspci through umockdev and through a plain sysfs tree, ldconfig
reading the ld.so.cache, ldconfig rebuilding it from the tree); the H100 host matches the facts
recorded on the real machine.

    test-mkhost.py --mkhost tests/hosts/mkhost.py [--reference tests/reference] HOST...
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap, run  # noqa: E402

PY = sys.executable  # the interpreter meson found (find_program), not a fixed path
# glibc's ldconfig, when on PATH (Debian's root; not in a Nix build): its checks skip without it.
LDCONFIG = shutil.which("ldconfig")


def tree_digest(top):
    """Everything a test could observe of a tree: names, types, modes, link targets, contents, rdev."""
    out = []
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            if stat.S_ISLNK(st.st_mode):
                out.append((rel, "l", os.readlink(p)))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out.append((rel, "f", oct(st.st_mode), hashlib.sha256(f.read()).hexdigest()))
            elif stat.S_ISCHR(st.st_mode):
                out.append((rel, "c", oct(st.st_mode), os.major(st.st_rdev), os.minor(st.st_rdev)))
            elif stat.S_ISDIR(st.st_mode):
                out.append((rel, "d", oct(st.st_mode)))
    return out


def lspci_set(text):
    """{(addr, class, id)} from `lspci -n -D`."""
    s = set()
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ([0-9a-f]{4}): ([0-9a-f]{4}:[0-9a-f]{4})", line)
        if m:
            s.add(m.groups())
    return s


def ldconfig_entries(path):
    r = run([LDCONFIG, "-p", "-C", path])
    if r.returncode != 0:
        return None, r.stderr
    lines = r.stdout.splitlines()
    entries = []
    for line in lines[1:]:
        m = re.match(r"^\t(\S+) \(([^)]*)\) => (\S+)$", line)
        if m:
            entries.append((m.group(1), m.group(3), m.group(2)))
    return (lines[0], entries), None


DUMP_SYSFS = r"""
import os, sys
top = sys.argv[1]
for d, dirs, files in os.walk(top + "/devices"):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        rel = os.path.relpath(p, top)
        if os.path.islink(p):
            print(rel, "->", os.readlink(p))
        elif os.path.isfile(p) and n != "uevent":
            print(rel, "=", open(p, "rb").read().hex())
for n in sorted(os.listdir(top + "/bus/pci/devices") if os.path.isdir(top + "/bus/pci/devices") else []):
    print("bus/pci/devices/" + n, "=>", os.path.realpath(top + "/bus/pci/devices/" + n)[len(os.path.realpath(top)):])
if os.path.isdir(top + "/class/drm"):
    for n in sorted(os.listdir(top + "/class/drm")):
        print("class/drm/" + n, "=>", os.path.realpath(top + "/class/drm/" + n)[len(os.path.realpath(top)):])
"""


def facts_sections(path):
    """facts.txt: '### <path>' headers, each followed by that file's content."""
    sections, cur = {}, None
    for line in open(path).read().splitlines(keepends=True):
        if line.startswith("### "):
            cur = line[4:].strip()
            sections[cur] = ""
        elif cur:
            sections[cur] += line
    return sections


def check_reference(t, out, reference):
    ref = os.path.join(reference, "h100")
    facts = facts_sections(os.path.join(ref, "facts.txt"))
    for p in ("/proc/driver/nvidia/version", "/proc/driver/nvidia/gpus/0000:00:06.0/information",
              "/proc/driver/nvidia/params", "/proc/driver/nvidia/capabilities/mig/config",
              "/proc/driver/nvidia/capabilities/mig/monitor",
              "/proc/driver/nvidia/capabilities/fabric-imex-mgmt", "/proc/devices"):
        mine = open(out + p).read()
        want = facts[p]
        # facts.txt ends each recorded file with a newline before the next header.
        t.ok(mine.rstrip("\n") == want.rstrip("\n"), f"h100 {p} is the real host's",
             f"fixture:\n{mine}\nreal:\n{want}")
    t.ok(open(out + "/root/usr/local/nvidia/version").read().strip() == facts["/usr/local/nvidia/version"].strip(),
         "h100 /usr/local/nvidia/version is the real host's")
    t.ok(open(out + "/sys/module/nvidia/version").read().strip() == facts["/sys/module/nvidia/version"].strip(),
         "h100 /sys/module/nvidia/version is the real host's")

    # driver-tree.txt: "TYPE MODE SIZE PATH -> TARGET" for everything under the driver root.
    want, problems = {}, []
    for line in open(os.path.join(ref, "driver-tree.txt")):
        m = re.match(r"^([dflc]) (\d+) \d+ (/\S+) -> ?(\S*)$", line.rstrip("\n"))
        if not m:
            continue
        kind, mode, path, target = m.groups()
        if path.startswith("/usr/local/nvidia/lib64/") or path == "/usr/local/nvidia/lib":
            want[path] = (kind, target)
        if path.startswith("/usr/share/") and kind == "l":
            want[path] = (kind, target)
        if path.startswith("/lib/") and kind == "l":
            want[path] = (kind, target)
        if path.startswith("/dev/") and kind == "c":
            want[path] = (kind, int(mode, 8))
    for path, (kind, target) in sorted(want.items()):
        p = (out + path) if not path.startswith("/dev/") else out + path
        if path.startswith("/dev/"):
            if not os.path.lexists(p):
                problems.append(f"{path}: missing")
            elif stat.S_IMODE(os.lstat(p).st_mode) != target:
                problems.append(f"{path}: mode {oct(stat.S_IMODE(os.lstat(p).st_mode))}, real {oct(target)}")
            continue
        p = out + "/root" + path
        if kind == "l":
            if not os.path.islink(p) or os.readlink(p) != target:
                problems.append(f"{path}: want link to {target}, have "
                                f"{os.readlink(p) if os.path.islink(p) else 'no link'}")
        elif kind == "f" and not (os.path.isfile(p) and not os.path.islink(p)):
            problems.append(f"{path}: want a regular file")
    mine = {f"/usr/local/nvidia/lib64/{n}" for n in os.listdir(out + "/root/usr/local/nvidia/lib64")}
    extra = mine - set(want)
    if extra:
        problems.append(f"not on the real host: {sorted(extra)}")
    t.ok(not problems, "h100 driver tree, /lib and /usr/share links and /dev nodes are the real host's",
         "\n".join(problems))

    # The NVIDIA entries of the real host's ld.so.cache, in order.
    driver = re.compile(r"nvidia|libcuda\.so|libcudadebugger\.so|libnvcuvid|libnvoptix")
    real = [line for line in open(os.path.join(ref, "ldconfig-p.txt")) if driver.search(line)]
    if LDCONFIG:
        r = run([LDCONFIG, "-p", "-C", out + "/root/etc/ld.so.cache"])
        mine = [line + "\n" for line in r.stdout.splitlines() if driver.search(line)]
        t.ok(real == mine, "h100 ld.so.cache lists the real host's NVIDIA entries, in its order",
             "".join(l for l in set(real) ^ set(mine)))
    else:
        t.skip("h100 ld.so.cache lists the real host's NVIDIA entries, in its order", "ldconfig not on PATH")

    # gpu-sysfs.txt: "attr=value " lines of the real PCI device.
    dev = out + "/sys/devices/pci0000:00/0000:00:06.0"
    problems = []
    for line in open(os.path.join(ref, "gpu-sysfs.txt")):
        m = re.match(r"^([a-z_]+)=(.*?) ?$", line.rstrip("\n"))
        if not m or m.group(1) in ("boot_vga",):
            continue
        name, val = m.groups()
        p = os.path.join(dev, name)
        if name == "driver":
            have = os.readlink(p) if os.path.islink(p) else None
        elif name == "uevent":
            have = " ".join(open(p).read().split("\n")).strip()
        else:
            have = open(p).read().strip() if os.path.exists(p) else None
        if have != val:
            problems.append(f"{name}: fixture {have!r}, real {val!r}")
    t.ok(not problems, "h100 sysfs attributes are the real device's", "\n".join(problems))


def check_host(t, mkhost, name, reference):
    desc = json.loads(run([PY, mkhost, "--describe", name], check=True).stdout)
    tmp = tempfile.mkdtemp(prefix=f"gpucdi-mkhost-{name}.")
    try:
        out = os.path.join(tmp, "a")
        r = run([PY, mkhost, name, out])
        if not t.ok(r.returncode == 0, f"{name}: builds", r.stderr):
            return
        for f in ("sys.umockdev", "sys/bus/pci/devices", "proc/devices", "dev", "root"):
            t.ok(os.path.exists(os.path.join(out, f)), f"{name}: has {f}")

        out2 = os.path.join(tmp, "b")
        run([PY, mkhost, name, out2], check=True)
        t.ok(tree_digest(out) == tree_digest(out2), f"{name}: builds deterministically")
        r = run([PY, mkhost, name, out])
        t.ok(r.returncode != 0 and out in r.stderr, f"{name}: refuses to build into a non-empty directory",
             r.stderr)

        want = {(a, c, i) for a, c, i, _ in desc["pci_devices"]}
        if want:
            r = run(["umockdev-run", "--device", os.path.join(out, "sys.umockdev"), "--", "lspci", "-n", "-D"])
            have = lspci_set(r.stdout)
            t.ok(r.returncode == 0 and have == want, f"{name}: lspci under umockdev-run lists the host's GPUs",
                 f"rc {r.returncode}\nwant {sorted(want)}\nhave {sorted(have)}\n{r.stderr}")
        else:
            t.skip(f"{name}: lspci under umockdev-run lists the host's GPUs",
                   "no PCI devices: the testbed has no /sys/bus/pci, and lspci would read the machine's")
        r = run(["lspci", "-n", "-D", "-A", "linux-sysfs", "-O", f"sysfs.path={out}/sys/bus/pci"])
        have = lspci_set(r.stdout)
        t.ok(r.returncode == 0 and have == want, f"{name}: lspci on the plain sysfs tree lists the host's GPUs",
             f"rc {r.returncode}\nwant {sorted(want)}\nhave {sorted(have)}\n{r.stderr}")
        r = run(["lspci", "-D", "-k", "-A", "linux-sysfs", "-O", f"sysfs.path={out}/sys/bus/pci"])
        drivers = re.findall(r"Kernel driver in use: (\S+)", r.stdout)
        t.ok(sorted(drivers) == sorted(d for _, _, _, d in desc["pci_devices"]),
             f"{name}: lspci -k sees each GPU's bound driver", r.stdout + r.stderr)

        # The umockdev file and the plain tree are the same sysfs.
        r1 = run(["umockdev-run", "--device", os.path.join(out, "sys.umockdev"), "--", PY, "-c", DUMP_SYSFS, "/sys"])
        r2 = run([PY, "-c", DUMP_SYSFS, os.path.join(out, "sys")])
        t.ok(r1.returncode == 0 and r1.stdout == r2.stdout and r1.stdout,
             f"{name}: umockdev testbed and plain sysfs tree agree",
             "\n".join(l for l in set(r1.stdout.splitlines()) ^ set(r2.stdout.splitlines())) + r1.stderr)

        # DRM nodes map back to their PCI device through sysfs, as udev would see them.
        for g in desc["gpus"]:
            if not g["drm"]:
                continue
            for kind, minor in (("card", g["drm"][0]), ("renderD", g["drm"][1])):
                p = os.path.join(out, "sys", "class", "drm", f"{kind}{minor}", "device")
                t.ok(os.path.basename(os.path.realpath(p)) == g["addr"],
                     f"{name}: {kind}{minor} belongs to {g['addr']}")

        # Device nodes: regular files unless --mknod as root.
        nodes = desc["nodes"]
        t.ok(nodes and all(os.path.isfile(os.path.join(out, "dev", p)) for p, _, _ in nodes),
             f"{name}: without --mknod, {len(nodes)} device nodes are placeholder files")
        if os.geteuid() == 0:
            out3 = os.path.join(tmp, "c")
            run([PY, mkhost, name, out3, "--mknod"], check=True)
            bad = []
            for p, ma, mi in nodes:
                st = os.lstat(os.path.join(out3, "dev", p))
                if not stat.S_ISCHR(st.st_mode) or (os.major(st.st_rdev), os.minor(st.st_rdev)) != (ma, mi):
                    bad.append(f"{p}: want c {ma}:{mi}")
            t.ok(nodes and not bad, f"{name}: --mknod makes {len(nodes)} character devices with the host's numbers",
                 "\n".join(bad))
            majors = {}
            for line in open(os.path.join(out3, "proc", "devices")).read().split("\n\n")[0].splitlines()[1:]:
                ma, n = line.split(None, 1)
                majors.setdefault(n, int(ma))
            def module(p):
                for pattern, mod in ((r"nvidia-uvm", "nvidia-uvm"), (r"nvidia-caps/", "nvidia-caps"),
                                     (r"nvidia-caps-imex-channels/", "nvidia-caps-imex-channels"),
                                     (r"kfd$", "kfd"), (r"dri/", "drm"), (r"nvidia", "nvidia")):
                    if re.match(pattern, p):
                        return mod
            bad = [p for p, ma, _ in nodes if majors.get(module(p)) != ma]
            t.ok(not bad, f"{name}: device majors agree with /proc/devices", str(bad))
            shutil.rmtree(out3)
        else:
            t.skip(f"{name}: --mknod makes character devices", "not root: cannot mknod")

        cache = os.path.join(out, "root", "etc", "ld.so.cache")
        if "ldcache" not in desc:
            t.ok(not os.path.exists(cache), f"{name}: has no ld.so.cache (as on NixOS)")
        elif "corrupt-ldcache" in json.dumps(desc) or name == "broken-ldcache":
            data = open(cache, "rb").read()
            nlibs = struct.unpack_from("<I", data, 20)[0]
            t.ok(data.startswith(b"glibc-ld.so.cache1.1") and 48 + 24 * nlibs > len(data),
                 f"{name}: ld.so.cache claims {nlibs} entries, more than its {len(data)} bytes hold")
        elif not LDCONFIG:
            t.skip(f"{name}: ldconfig -p reads the ld.so.cache", "ldconfig not on PATH")
            t.skip(f"{name}: ld.so.cache entries are libc6,x86-64", "ldconfig not on PATH")
            t.skip(f"{name}: ldconfig -r over the tree builds the same cache", "ldconfig not on PATH")
        else:
            res, err = ldconfig_entries(cache)
            want = sorted((k, p) for k, p in desc["ldcache"])
            have = sorted((k, p) for k, p, _ in res[1]) if res else None
            t.ok(res is not None and have == want and res[0].startswith(f"{len(want)} libs found"),
                 f"{name}: ldconfig -p reads the ld.so.cache ({len(want)} entries)",
                 err or f"want {want}\nhave {have}")
            label = {"x86_64": "libc6,x86-64", "aarch64": "libc6,AArch64"}[desc["arch"]]
            t.ok(res is not None and all(f == label for _, _, f in res[1]),
                 f"{name}: ld.so.cache entries are {label}")
            if desc["broken"]:
                t.skip(f"{name}: ldconfig -r over the tree builds the same cache", "tree broken on purpose")
            elif desc["arch"] != platform.machine():
                t.skip(f"{name}: ldconfig -r over the tree builds the same cache",
                       f"this machine's ldconfig ({platform.machine()}) does not index {desc['arch']} libraries")
            elif os.geteuid() == 0:
                # ldconfig itself, run over the fixture's tree, must build the same cache.
                out4 = os.path.join(tmp, "d")
                run([PY, mkhost, name, out4], check=True)
                r = run([LDCONFIG, "-X", "-r", os.path.join(out4, "root"), "-C", "/etc/ld.so.cache.ldconfig"])
                real, err = ldconfig_entries(os.path.join(out4, "root", "etc", "ld.so.cache.ldconfig"))
                real = [(k, p) for k, p, _ in real[1]] if real else []
                mine = [(k, p) for k, p, _ in res[1]]
                t.ok(real == mine, f"{name}: ldconfig -r over the tree builds the same cache, same order",
                     f"{r.stderr}\nldconfig {real}\nfixture {mine}")
            else:
                t.skip(f"{name}: ldconfig -r over the tree builds the same cache", "not root: ldconfig -r chroots")

        if name == "h100":
            if reference:
                check_reference(t, out, reference)
            else:
                t.skip("h100 matches the real host's recorded facts", "no --reference given")

        # --stub-libcuda puts the given file in place of libcuda.so.<version>.
        if desc["nvidia_libs"] and not desc["broken"]:
            stub = os.path.join(tmp, "stub.so")
            with open(stub, "wb") as f:
                f.write(b"\x7fELF stub for the test")
            out5 = os.path.join(tmp, "e")
            run([PY, mkhost, name, out5, "--stub-libcuda", stub], check=True)
            found = [os.path.join(d, f) for d, _, fs in os.walk(out5 + "/root") for f in fs
                     if f == f"libcuda.so.{desc['nvidia_libs']}" and not os.path.islink(os.path.join(d, f))]
            t.ok(len(found) == 1 and open(found[0], "rb").read() == open(stub, "rb").read(),
                 f"{name}: --stub-libcuda installs the stub as libcuda.so.{desc['nvidia_libs']}", str(found))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mkhost", required=True)
    ap.add_argument("--reference", help="tests/reference (the H100 host's recorded facts)")
    ap.add_argument("hosts", nargs="*")
    a = ap.parse_args()
    hosts = a.hosts or run([PY, a.mkhost, "--list"], check=True).stdout.split()
    t = Tap()
    for h in hosts:
        check_host(t, a.mkhost, h, a.reference)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
