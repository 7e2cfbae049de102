#!/usr/bin/python3
"""`gpucdi generate` when writing the specs or reading the host goes wrong: a full file system, a
read-only one, no permission, symlinks in the way, a GPU disappearing while it probes, two runs at
once. Each must end in a clear error with the documented exit status (4: cannot write the spec
directory, 3: host data) or in a consistent result, with the old spec intact and no temporary
file left. File systems that fill up or turn read-only are tmpfs mounts in a private mount
namespace (unshare -m), so those cases need root; as root, "permission denied" runs as nobody.

    test-faults.py GPUCDI MKHOST
"""

import json
import os
import shutil
import subprocess
import sys
import threading

from faultlib import SPEC, Host, Tap, read_or_none, temp_files

EXIT_HOST_DATA = 3
EXIT_WRITE = 4
IS_ROOT = os.geteuid() == 0


def inner(case, gpucdi, hostdir, outdir):
    """Runs inside `unshare -m`: mount, write an old spec, break the file system, run generate."""
    roots = ["--sysfs-root", f"{hostdir}/sys", "--proc-root", f"{hostdir}/proc", "--dev-root", f"{hostdir}/dev",
             "--host-root", f"{hostdir}/root", "--no-hook", "--output-dir", outdir]
    os.makedirs(outdir, exist_ok=True)
    # 24 KiB: room for the old (nix layout, ~16 KiB) spec, not for the new one (both layouts, ~33 KiB).
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k,mode=0755", "tmpfs", outdir], check=True)
    old = subprocess.run([gpucdi, "generate", *roots, "--layout", "nix"], capture_output=True, text=True)
    if old.returncode != 0:
        print(json.dumps({"setup": old.stderr}))
        return
    before = read_or_none(os.path.join(outdir, SPEC))
    if case == "readonly":
        subprocess.run(["mount", "-o", "remount,ro", outdir], check=True)
    r = subprocess.run([gpucdi, "generate", *roots], capture_output=True, text=True)
    print(json.dumps({"rc": r.returncode, "stderr": r.stderr, "old_intact": read_or_none(os.path.join(outdir, SPEC)) == before,
                      "old_size": len(before or b""), "temps": temp_files(outdir)}))


def namespaced(tap, host, case, expect_words):
    desc = {"full": "a full file system", "readonly": "a read-only file system"}[case]
    if not IS_ROOT or not shutil.which("unshare"):
        tap.skip(desc, "needs root and unshare for a private tmpfs mount")
        return
    outdir = os.path.join(host.tmp, f"cdi-{case}")
    r = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, os.path.abspath(__file__),
                        "--inner", case, host.gpucdi_path, host.dir, outdir], capture_output=True, text=True)
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tap.ok(False, desc, f"unshare: {r.returncode} {r.stdout} {r.stderr}")
        return
    if "setup" in res:
        tap.ok(False, desc, "writing the old spec failed: " + res["setup"])
        return
    check(tap, desc, res["rc"], res["stderr"], EXIT_WRITE, expect_words, res["old_intact"], res["temps"])


def check(tap, desc, rc, stderr, want_rc, words, old_intact, temps):
    missing = [w for w in words if w not in stderr]
    tap.ok(rc == want_rc and not missing and old_intact and not temps,
           f"{desc}: exit {want_rc}, the message says {', '.join(repr(w) for w in words if '/' not in w)}"
           f"{' and names the directory' if any('/' in w for w in words) else ''}, old spec intact",
           f"exit {rc}, missing words {missing}, old intact {old_intact}, temp files {temps}\n{stderr}")


def permission_denied(tap, host):
    outdir = os.path.join(host.tmp, "cdi-perm")
    old = host.expected("--layout", "nix")
    os.makedirs(outdir)
    with open(os.path.join(outdir, SPEC), "wb") as f:
        f.write(old)
    os.chmod(outdir, 0o555)
    cmd = host.generate_cmd(outdir)
    if IS_ROOT:
        if not shutil.which("setpriv"):
            tap.skip("permission denied", "setpriv missing")
            return
        # nobody must reach the binary and the host: both live in the world-readable temp dir.
        binary = os.path.join(host.tmp, "gpucdi")
        shutil.copy(host.gpucdi_path, binary)
        cmd[0] = binary
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(tap, "permission denied" + (" (as nobody)" if IS_ROOT else ""), r.returncode, r.stderr, EXIT_WRITE,
          ["ermission denied", outdir], read_or_none(os.path.join(outdir, SPEC)) == old, temp_files(outdir))


def symlinks(tap, host):
    new = host.expected()
    # A symlinked spec directory (/etc/cdi -> /persist/cdi) is written through; the link stays.
    real = os.path.join(host.tmp, "persist-cdi")
    link = os.path.join(host.tmp, "cdi-link")
    os.makedirs(real)
    os.symlink(real, link)
    r = host.generate(link)
    tap.ok(r.returncode == 0 and os.path.islink(link) and read_or_none(os.path.join(real, SPEC)) == new
           and not temp_files(real),
           "a symlinked spec directory is written through, the link stays a link", r.stderr)

    # A dangling link and a link to a file: nothing to write into.
    for what, target in (("dangling", os.path.join(host.tmp, "nowhere", "cdi")),
                         ("pointing to a file", os.path.join(host.tmp, "afile"))):
        if what != "dangling":
            with open(target, "w") as f:
                f.write("not a directory\n")
        link = os.path.join(host.tmp, "cdi-" + what.split()[0])
        os.symlink(target, link)
        r = host.generate(link)
        tap.ok(r.returncode == EXIT_WRITE and link in r.stderr and not os.path.exists(os.path.join(host.tmp, "nowhere")),
               f"a spec directory that is a symlink {what}: exit 4 naming it, nothing created",
               f"exit {r.returncode}\n{r.stderr}")

    # The spec file a symlink to another file: replaced by a file, the link's target untouched.
    outdir = os.path.join(host.tmp, "cdi-filelink")
    os.makedirs(outdir)
    victim = os.path.join(host.tmp, "victim.json")
    with open(victim, "w") as f:
        f.write("{}\n")
    os.symlink(victim, os.path.join(outdir, SPEC))
    r = host.generate(outdir)
    tap.ok(r.returncode == 0 and not os.path.islink(os.path.join(outdir, SPEC))
           and read_or_none(os.path.join(outdir, SPEC)) == new and read_or_none(victim) == b"{}\n",
           "a spec file that is a symlink is replaced, its target untouched", r.stderr)


def gpu_vanishing(tap, gpucdi, mkhost):
    """A GPU unbound while generate runs: its sysfs device directory and /proc entry come and go."""
    host = Host(gpucdi, mkhost, "nvidia16")
    try:
        full = host.expected()
        sysdev = None
        for root, dirs, files in os.walk(os.path.join(host.dir, "sys", "devices")):
            if os.path.basename(root) == "0000:5d:00.0":
                sysdev = root
                break
        procdev = os.path.join(host.dir, "proc", "driver", "nvidia", "gpus", "0000:5d:00.0")
        if not sysdev or not os.path.isdir(procdev):
            tap.ok(False, "a GPU vanishing during the probe", "fixture GPU 0000:5d:00.0 not found")
            return
        stop = threading.Event()
        flips = [0]

        def flipper():
            while not stop.is_set():
                for p in (sysdev, procdev):
                    os.rename(p, p + ".gone")
                for p in (sysdev, procdev):
                    os.rename(p + ".gone", p)
                flips[0] += 1

        outdir = os.path.join(host.tmp, "cdi")
        t = threading.Thread(target=flipper)
        t.start()
        statuses, bad = {}, []
        try:
            for _ in range(150):
                r = host.generate(outdir)
                statuses[r.returncode] = statuses.get(r.returncode, 0) + 1
                if r.returncode not in (0, EXIT_HOST_DATA) or (r.returncode and not r.stderr.startswith("gpucdi: ")) \
                        or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
                    bad.append(f"exit {r.returncode}: {r.stderr[:300]}")
                spec = os.path.join(outdir, SPEC)
                if os.path.exists(spec):
                    v = host.validate(spec)
                    if v.returncode != 0:
                        bad.append(f"invalid spec after a run: {v.stdout[:300]}")
        finally:
            stop.set()
            t.join()
        tap.ok(not bad and statuses.get(0, 0) > 0,
               f"a GPU vanishing during the probe: 150 runs, exit statuses {dict(sorted(statuses.items()))}, "
               f"{flips[0]} unbind/rebind cycles, every spec written validates", "\n".join(bad[:10]))
        r = host.generate(outdir)
        tap.ok(r.returncode == 0 and read_or_none(os.path.join(outdir, SPEC)) == full and not temp_files(outdir),
               "once the GPU is back, the spec is complete again", r.stderr)
    finally:
        host.cleanup()


def concurrent(tap, host):
    """Two generate runs at once (systemd at boot and an administrator): one consistent result."""
    layouts = [["--layout", "both"], ["--layout", "fhs"]]
    versions = [host.expected(*l) for l in layouts]
    outdir = os.path.join(host.tmp, "cdi-concurrent")
    bad = []
    for i in range(50):
        procs = [subprocess.Popen(host.generate_cmd(outdir, *l), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for l in layouts]
        outs = [p.communicate() for p in procs]
        rcs = [p.returncode for p in procs]
        data = read_or_none(os.path.join(outdir, SPEC))
        if rcs != [0, 0] or data not in versions or temp_files(outdir):
            bad.append(f"round {i}: exits {rcs}, spec is {'one of the two' if data in versions else 'neither'}, "
                       f"temp files {temp_files(outdir)}; {outs[0][1][:200]} {outs[1][1][:200]}")
    tap.ok(not bad, "two generate runs at once, 50 times: both succeed, the spec is one run's, complete",
           "\n".join(bad[:10]))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        inner(*sys.argv[2:6])
        return 0
    gpucdi, mkhost = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tap = Tap()
    host = Host(gpucdi, mkhost, "h100", world_readable=True)
    try:
        namespaced(tap, host, "full", ["full", "Existing specs are unchanged"])
        namespaced(tap, host, "readonly", ["read-only", "Existing specs are unchanged"])
        permission_denied(tap, host)
        symlinks(tap, host)
        concurrent(tap, host)
    finally:
        host.cleanup()
    gpu_vanishing(tap, gpucdi, mkhost)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
